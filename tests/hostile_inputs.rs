//! Hostile inputs (issue 11): devices, FIFOs, directories and oversized files on every read
//! path; collectors that leave processes behind; silent skips; small escapes.

use crate::support::{KUBEFLOW, TempDir, galley, run, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run with a deadline: a command that hangs fails the test instead of hanging it.
fn run_bounded(cmd: &mut Command, what: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("galley runs");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success());
}

/// A sparse regular file one byte over the 10 MiB limit.
fn oversized(path: &Path) {
    let f = std::fs::File::create(path).unwrap();
    f.set_len(10 * 1024 * 1024 + 1).unwrap();
}

/// The kubeflow recipe, written by `galley recipe`, for commands that need a good one.
fn good_recipe(dir: &Path) -> PathBuf {
    let path = dir.join("recipe.yaml");
    let out = run(galley().arg("recipe").args(KUBEFLOW).arg("-o").arg(&path));
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

const SNAPSHOT: &str = "tests/fixtures/measure/snapshot-eks-h100-ubuntu.yaml";

/// Every command line that reads a file the user names, with `{}` where the file goes.
fn read_paths(recipe: &Path, out_dir: &Path) -> Vec<Vec<String>> {
    let r = recipe.display().to_string();
    let o = out_dir.join("bundle").display().to_string();
    let lines: [&[&str]; 11] = [
        &["recipe", "--criteria", "{}"],
        &["recipe", "--snapshot", "{}"],
        &["bundle", "-r", "{}", "-o", &o],
        &["diff", "{}", &r],
        &["diff", "--from-file", &r, "--to-file", "{}"],
        &["check", "{}"],
        &["validate", "-r", "{}", "-s", SNAPSHOT],
        &["validate", "-r", &r, "-s", "{}"],
        &["validate", "-r", &r, "-s", SNAPSHOT, "--results", "{}"],
        &["fmt", "--check", "{}"],
        &["query", "--criteria", "{}", "--selector", "components"],
    ];
    lines
        .iter()
        .map(|l| l.iter().map(|s| s.to_string()).collect())
        .collect()
}

fn with_file(args: &[String], file: &Path) -> Vec<String> {
    let f = file.display().to_string();
    args.iter()
        .map(|a| if a == "{}" { f.clone() } else { a.clone() })
        .collect()
}

#[test]
fn every_read_path_refuses_devices_fifos_directories_and_oversized_files() {
    let dir = TempDir::new("hostile-reads");
    let recipe = good_recipe(dir.path());
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let big = dir.path().join("big.yaml");
    oversized(&big);
    let sub = dir.path().join("a-directory");
    std::fs::create_dir(&sub).unwrap();
    let cases: [(&Path, &str, &str); 4] = [
        (
            Path::new("/dev/zero"),
            "galley::input::not-a-file",
            "character device",
        ),
        (&fifo, "galley::input::not-a-file", "pipe"),
        (&big, "galley::input::too-large", "10 MiB"),
        (&sub, "galley::input::not-a-file", "directory"),
    ];
    for args in read_paths(&recipe, dir.path()) {
        for (file, code, words) in cases {
            // `check DIR` and `fmt DIR` read a directory tree: that is their job.
            let is_tree = matches!(args[0].as_str(), "check" | "fmt");
            if is_tree && file == sub.as_path() {
                continue;
            }
            let line = with_file(&args, file);
            let what = line.join(" ");
            let out = run_bounded(galley().args(&line), &what);
            let err = stderr(&out);
            // `check` reports an oversized file as a diagnostic of the library it checks.
            let exit = if args[0] == "check" && file == big.as_path() {
                1
            } else {
                2
            };
            assert_eq!(out.status.code(), Some(exit), "{what}: {err}");
            assert!(err.contains(code), "{what}: {err}");
            assert!(err.contains(words), "{what}: {err}");
        }
    }
}

#[test]
fn an_endless_pipe_is_cut_at_the_limit() {
    let cmd = format!(
        "head -c 20000000 /dev/zero | '{}' recipe --criteria /dev/stdin",
        env!("CARGO_BIN_EXE_galley")
    );
    let out = run_bounded(Command::new("sh").args(["-c", &cmd]), "pipe");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("galley::input::too-large"));
}

#[test]
fn a_pipe_with_a_writer_is_read() {
    let cmd = format!(
        "printf 'kind: RecipeCriteria\\napiVersion: aicr.nvidia.com/v1alpha1\\nspec:\\n  service: eks\\n' | '{}' recipe --criteria /dev/stdin",
        env!("CARGO_BIN_EXE_galley")
    );
    let out = run_bounded(Command::new("sh").args(["-c", &cmd]), "pipe");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("service: eks"), "{}", stdout(&out));
}

#[test]
fn special_files_in_a_data_directory_are_reported_not_opened() {
    let dir = TempDir::new("hostile-data");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("overlays")).unwrap();
    mkfifo(&data.join("overlays/pipe.ovl"));
    let out = run_bounded(
        galley()
            .env("COLUMNS", "1000")
            .arg("check")
            .arg("--data")
            .arg(&data),
        "check --data",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("named pipe, not a regular file"),
        "{}",
        stderr(&out)
    );
    let out = run_bounded(
        galley()
            .env("COLUMNS", "1000")
            .arg("import")
            .arg(&data)
            .arg("--out")
            .arg(dir.path().join("out")),
        "import",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("named pipe"), "{}", stderr(&out));
}

#[test]
fn a_data_link_with_a_trailing_slash_is_refused_like_the_link() {
    let dir = TempDir::new("hostile-link");
    let real = dir.path().join("real");
    std::fs::create_dir_all(real.join("overlays")).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    for suffix in ["", "/", "/.", "//"] {
        let arg = format!("{}{suffix}", link.display());
        let out = run(galley().args(["recipe", "--service", "eks", "--data", &arg]));
        assert_eq!(out.status.code(), Some(2), "{arg}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("is a symbolic link"),
            "{arg}: {}",
            stderr(&out)
        );
    }
}

/// Whether a process is still running (a zombie waiting for its reaper counts as gone).
fn alive(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[test]
fn a_timed_out_collector_leaves_no_process_behind() {
    let dir = TempDir::new("hostile-orphan");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let pid_file = dir.path().join("sleep.pid");
    let script = format!(
        "#!/bin/sh\nsleep 1000 &\necho $! > '{}'\nwait\n",
        pid_file.display()
    );
    let tool = bin.join("nvidia-smi");
    std::fs::write(&tool, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(galley()
        .args(["snapshot", "--root"])
        .arg(dir.path())
        .env("GALLEY_COLLECT_TIMEOUT_MS", "1500"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("timed out"), "{}", stderr(&out));
    let pid = std::fs::read_to_string(&pid_file).expect("the fake tool ran");
    let pid = pid.trim();
    let gone = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        !alive(pid)
    });
    if !gone {
        let _ = Command::new("kill").args(["-9", pid]).status();
    }
    assert!(gone, "the collector's `sleep` (pid {pid}) outlived galley");
}

#[test]
fn check_refuses_named_files_it_would_not_read() {
    let dir = TempDir::new("hostile-unchecked");
    let broken = "overlay a extends base {\n  when service = eks\n";
    for (name, text) in [
        ("broken.yml", broken),
        ("broken.txt", broken),
        ("deployment.yaml", "kind: Deployment\n"),
        ("empty.yaml", ""),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = run(galley().args(["check", "--format", "json"]).arg(&path));
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(
            report["diagnostics"][0]["code"], "galley::input::unchecked",
            "{name}: {report}"
        );
    }
}

#[test]
fn fmt_says_what_it_skips() {
    let dir = TempDir::new("hostile-fmt");
    let real = dir.path().join("real.ovl");
    std::fs::write(&real, "overlay a extends base {\n  when service = eks\n}\n").unwrap();
    let link = dir.path().join("link.ovl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = run(galley().args(["fmt", "--check"]).arg(&link));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("galley::input::not-a-file"));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    let out = run(galley().args(["fmt", "--check"]).arg(dir.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped") && stderr(&out).contains("link.ovl"),
        "{}",
        stderr(&out)
    );
}

/// A `RecipeResult` with one Kustomize component and the given constraint.
fn kustomize_recipe(dir: &Path, constraint_name: &str, constraint_value: &str) -> PathBuf {
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    let text = format!(
        "kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\nmetadata:\n  version: \"0.1.0\"\ncriteria:\n  service: kind\nconstraints:\n  - name: {}\n    value: {}\ncomponentRefs:\n  - name: my-app\n    namespace: my-app\n    type: Kustomize\n    source: https://github.com/example/repo\n    path: config/default\n    tag: v1.0.0\ndeploymentOrder:\n  - my-app\n",
        quote(constraint_name),
        quote(constraint_value)
    );
    let path = dir.join("recipe.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn constraints_from_a_recipe_file_cannot_break_out_of_the_readme() {
    let dir = TempDir::new("hostile-readme");
    let recipe = kustomize_recipe(
        dir.path(),
        "K8s.server.version`\n# injected",
        ">= 1.25 `x`\n\n## Deploy",
    );
    let out_dir = dir.path().join("bundle");
    let out = run(galley()
        .args(["bundle", "-r"])
        .arg(&recipe)
        .arg("-o")
        .arg(&out_dir));
    assert!(out.status.success(), "{}", stderr(&out));
    let readme = std::fs::read_to_string(out_dir.join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.contains("K8s.server.version"))
        .expect("the constraint is listed");
    assert_eq!(
        line,
        "- ``K8s.server.version`\\n# injected``: ``>= 1.25 `x`\\n\\n## Deploy``"
    );
    assert!(!readme.lines().any(|l| l == "# injected"));
    assert_eq!(
        readme.lines().filter(|l| *l == "## Deploy").count(),
        1,
        "{readme}"
    );
}

#[test]
fn empty_criteria_and_revision_values_are_refused() {
    for flag in [
        "--service",
        "--accelerator",
        "--gpu",
        "--intent",
        "--os",
        "--platform",
        "--nodes",
    ] {
        for value in ["", "  "] {
            let out = run(galley().args(["recipe", flag, value]));
            assert_eq!(
                out.status.code(),
                Some(2),
                "{flag} {value:?}: {}",
                stderr(&out)
            );
            assert!(
                stderr(&out).contains("empty value"),
                "{flag}: {}",
                stderr(&out)
            );
            let out = run(galley().args(["bundle", "-o", "/nonexistent/never", flag, value]));
            assert_eq!(out.status.code(), Some(2), "bundle {flag} {value:?}");
        }
    }
    for from in ["service=", "service=eks,accelerator= ", "intent=,"] {
        let out = run(galley().args(["diff", "--from", from, "--to", "service=eks"]));
        assert_eq!(out.status.code(), Some(2), "{from}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("empty value"),
            "{from}: {}",
            stderr(&out)
        );
    }
    let dir = TempDir::new("hostile-revision");
    for revision in ["", "main branch", "a\nb", "a`b"] {
        let out = run(galley()
            .args(["bundle", "--service", "kind", "-d", "argocd"])
            .args([
                "--repo",
                "https://github.com/example/gitops.git",
                "--revision",
                revision,
            ])
            .arg("-o")
            .arg(dir.path().join("b")));
        assert_eq!(out.status.code(), Some(2), "{revision:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("--revision"), "{}", stderr(&out));
        assert!(!dir.path().join("b").exists());
    }
}

#[test]
fn a_byte_order_mark_opens_an_overlay_and_spans_still_point_right() {
    let dir = TempDir::new("hostile-bom");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("overlays")).unwrap();
    let text = "\u{feff}overlay a extends base { when service = nosuchsvc }\n";
    std::fs::write(data.join("overlays/a.ovl"), text).unwrap();
    let out = run(galley()
        .args(["check", "--format", "json", "--data"])
        .arg(&data));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let diags = report["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{report}");
    assert_eq!(diags[0]["code"], "galley::check::unknown-value");
    let label = &diags[0]["labels"][0];
    let start = text.find("nosuchsvc").unwrap();
    assert_eq!(label["byte_start"], start, "{report}");
    assert_eq!(label["byte_end"], start + "nosuchsvc".len());
    std::fs::write(
        data.join("overlays/a.ovl"),
        "\u{feff}overlay a extends base { when service = eks\n  when accelerator = h100 }\n",
    )
    .unwrap();
    let out = run(galley().arg("check").arg("--data").arg(&data));
    assert!(
        !stderr(&out).contains("galley::syntax::error"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_reference_to_a_hidden_file_says_hidden_files_are_not_loaded() {
    let dir = TempDir::new("hostile-dotfile");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("overlays")).unwrap();
    std::fs::create_dir_all(data.join("components/gpu-operator")).unwrap();
    std::fs::write(data.join("components/gpu-operator/.values.yaml"), "a: 1\n").unwrap();
    std::fs::write(
        data.join("overlays/o.ovl"),
        "overlay oke-hidden {\n  when service = oke\n  component gpu-operator {\n    values \"components/gpu-operator/.values.yaml\"\n  }\n}\n",
    )
    .unwrap();
    let out = run(galley()
        .args(["check", "--format", "json", "--data"])
        .arg(&data));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("galley::check::file-missing"), "{report}");
    assert!(report.contains("hidden file"), "{report}");
    assert!(!report.contains("does not exist"), "{report}");
}

#[test]
fn a_tool_that_is_not_executable_is_reported_as_such() {
    let dir = TempDir::new("hostile-noexec");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["nvidia-smi", "systemctl", "kubectl"] {
        std::fs::write(bin.join(tool), "#!/bin/sh\nexit 0\n").unwrap();
    }
    let out = run(galley()
        .args(["snapshot", "--format", "json", "--root"])
        .arg(dir.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for tool in ["nvidia-smi", "systemctl", "kubectl"] {
        assert!(
            err.contains(&format!("{tool} at `")) && err.contains("is not executable"),
            "{tool}: {err}"
        );
        assert!(!err.contains(&format!("{tool} not found")), "{tool}: {err}");
    }
}

#[test]
fn check_warns_of_yml_files_a_directory_walk_skips() {
    let dir = TempDir::new("hostile-yml");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("overlays")).unwrap();
    std::fs::create_dir_all(data.join("components/x")).unwrap();
    std::fs::write(data.join("overlays/o.yml"), "kind: RecipeMetadata\n").unwrap();
    std::fs::write(data.join("components/x/values.yml"), "a: 1\n").unwrap();
    std::fs::write(data.join("README.txt"), "notes\n").unwrap();
    let out = run(galley()
        .args(["check", "--format", "json", "--data"])
        .arg(&data));
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let skipped: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "galley::input::unchecked")
        .collect();
    assert_eq!(skipped.len(), 1, "{report}");
    assert_eq!(skipped[0]["severity"], "warning");
    assert!(
        skipped[0]["message"]
            .as_str()
            .unwrap()
            .contains("overlays/o.yml"),
        "{report}"
    );
    // A directory named to `check` may hold files it does not read.
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(notes.join("README.txt"), "notes\n").unwrap();
    let out = run(galley().args(["check", "--format", "json"]).arg(&notes));
    assert!(
        !stdout(&out).contains("galley::input::unchecked"),
        "{}",
        stdout(&out)
    );
}
