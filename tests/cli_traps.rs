//! Traps in the command line (issue 12 §4): help that says what a command does, flags that
//! mean the same on every command, hints that point at the right command.

use crate::support::*;

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

#[test]
fn check_of_a_directory_that_builds_on_the_embedded_library_suggests_data() {
    let tmp = TempDir::new("traps-mylib");
    let lib = tmp.path().join("mylib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    write(
        &lib,
        "my-eks.ovl",
        "overlay my-eks extends eks {\n  when service = eks, accelerator = h100\n}\n",
    );
    let out = run(galley().current_dir(tmp.path()).args(["check", "mylib"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let help = "help: to check overlays that build on the embedded library, use `galley check --data mylib`";
    assert_eq!(
        err.matches(help).count(),
        2,
        "both errors point at --data: {err}"
    );
    assert!(!err.contains("expected one of: my-eks"), "{err}");
    let ok = run(galley()
        .current_dir(tmp.path())
        .args(["check", "--data", "mylib"]));
    assert!(ok.status.success(), "{}", stderr(&ok));
}

#[test]
fn unknown_extends_never_suggests_the_overlay_itself() {
    let tmp = TempDir::new("traps-self");
    write(
        tmp.path(),
        "lib.ovl",
        "overlay base {\n}\noverlay aaa extends aab {\n  when service = eks\n}\n",
    );
    let out = run(galley().current_dir(tmp.path()).args(["check", "lib.ovl"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("extends unknown overlay `aab`"), "{err}");
    assert!(!err.contains("`aaa`?"), "{err}");
    assert!(
        !err.contains("--data"),
        "no embedded overlay is named: {err}"
    );
}

#[test]
fn fmt_help_says_it_rewrites_files_and_check_writes_nothing() {
    let top = stdout(&run(galley().arg("--help")));
    let line = top
        .lines()
        .find(|l| l.trim_start().starts_with("fmt "))
        .expect("fmt listed");
    assert!(
        line.contains("Rewrite") && line.contains("in place"),
        "{line}"
    );
    let help = stdout(&run(galley().args(["fmt", "--help"])));
    let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!words.contains("Print overlay"), "{help}");
    assert!(words.contains("is rewritten in place"), "{help}");
    assert!(words.contains("--check Write nothing"), "{help}");
}

/// The subcommands `galley --help` lists.
fn subcommands() -> Vec<String> {
    let help = stdout(&run(galley().arg("--help")));
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_command_with_format_takes_t_for_it() {
    let commands = subcommands();
    assert!(commands.len() > 10, "{commands:?}");
    let mut with_format = 0;
    for c in &commands {
        let help = stdout(&run(galley().args([c.as_str(), "--help"])));
        if help.contains("--format") {
            with_format += 1;
            assert!(
                help.contains("-t, --format"),
                "`galley {c}` lacks -t:\n{help}"
            );
        }
    }
    assert!(with_format >= 8, "{with_format}");
    let out = run(galley().args([
        "check",
        "-t",
        "json",
        "--data",
        "tests/fixtures/check/unknown-value",
    ]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["version"], 1);
}

const OLD: &str = "service=eks,accelerator=h100,intent=training";
const NEW: &str = "service=eks,accelerator=gb200,intent=training";

fn diff_json(args: &[&str]) -> (serde_json::Value, Option<i32>) {
    let out = run(galley().arg("diff").args(args).args(["-t", "json"]));
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("diff {args:?}: {e}\n{}", stderr(&out)));
    (doc, out.status.code())
}

#[test]
fn diff_accepts_the_gpu_alias_in_criteria() {
    let (plain, code) = diff_json(&["--from", OLD, "--to", NEW]);
    assert_eq!(code, Some(1));
    let gpu = OLD.replace("accelerator", "gpu");
    let (aliased, code) = diff_json(&["--from", &gpu, "--to", NEW]);
    assert_eq!(code, Some(1));
    assert_eq!(plain, aliased);
    let out = run(galley().args(["diff", "--from", "service=eks,gpux=h100"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("unknown dimension `gpux`; expected one of: accelerator"),
        "{err}"
    );
}

#[test]
fn diff_takes_the_criteria_flags_and_to_flags() {
    let (plain, _) = diff_json(&["--from", OLD, "--to", NEW]);
    let flags = [
        "--service",
        "eks",
        "--gpu",
        "h100",
        "--intent",
        "training",
        "--to-accelerator",
        "gb200",
    ];
    let (with_flags, code) = diff_json(&flags);
    assert_eq!(code, Some(1));
    assert_eq!(plain, with_flags);
    let (to_gpu, _) = diff_json(&["--from", OLD, "--to-gpu", "gb200"]);
    assert_eq!(plain, to_gpu);
    let (mixed, _) = diff_json(&[
        "--from",
        "service=eks,accelerator=h100",
        "--to",
        "service=eks,accelerator=gb200",
        "--intent",
        "training",
    ]);
    assert_eq!(plain, mixed, "flags without --to-* apply to both sides");
    let (same, code) = diff_json(&["--service", "eks", "--accelerator", "h100"]);
    assert_eq!((same["equal"].as_bool(), code), (Some(true), Some(0)));
    let out = run(galley().args(["diff", "--from", OLD, "--accelerator", "gb200"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`accelerator` is given twice"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bundle_says_which_deployer_wrote_it_in_english() {
    let tmp = TempDir::new("traps-wrote");
    for (deployer, phrase) in [
        ("argocd", "wrote an Argo CD bundle"),
        ("helm", "wrote a Helm bundle"),
    ] {
        let dir = tmp.path().join(deployer);
        let out = run(galley()
            .args([
                "bundle",
                "--service",
                "eks",
                "--accelerator",
                "h100",
                "--intent",
                "training",
            ])
            .args([
                "--deployer",
                deployer,
                "--repo",
                "https://example.com/r.git",
                "-o",
            ])
            .arg(&dir));
        let err = stderr(&out);
        assert!(out.status.success(), "{err}");
        assert!(err.contains(phrase), "{err}");
    }
}

#[test]
fn completion_scripts_offer_the_criteria_values_of_the_stdlib() {
    let bash = stdout(&run(galley().args(["completion", "bash"])));
    assert!(
        bash.contains(r#"compgen -W "aks eks gke kind oke any""#),
        "{bash}"
    );
    assert!(bash.contains(r#"compgen -W "a100 b200 gb200 h100 l40 any""#));
    let zsh = stdout(&run(galley().args(["completion", "zsh"])));
    assert!(zsh.contains(":SERVICE:(aks eks gke kind oke any)"), "{zsh}");
    let fish = stdout(&run(galley().args(["completion", "fish"])));
    assert!(
        fish.contains("-l to-os") && fish.contains("amazonlinux"),
        "{fish}"
    );
    // The flags still take any value: galley's own diagnostic judges it.
    let out = run(galley().args(["recipe", "--service", "ekss"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `eks`?"),
        "{}",
        stderr(&out)
    );
}

/// Completes `words` (the last one being completed) with the real bash and the script.
fn bash_complete(words: &[&str]) -> Option<Vec<String>> {
    let script = format!(
        "source <('{bin}' completion bash) && COMP_WORDS=({words}) && COMP_CWORD={cword} && \
         _galley galley \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\" && \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        bin = env!("CARGO_BIN_EXE_galley"),
        words = words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" "),
        cword = words.len() - 1,
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn bash_completes_service_with_services_not_file_names() {
    let Some(all) = bash_complete(&["galley", "recipe", "--service", ""]) else {
        eprintln!("no bash on PATH; skipped");
        return;
    };
    assert_eq!(all, ["aks", "eks", "gke", "kind", "oke", "any"]);
    let g = bash_complete(&["galley", "diff", "--to-gpu", "g"]).expect("bash");
    assert_eq!(g, ["gb200"]);
}
