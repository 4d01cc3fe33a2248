//! Output never destroys what is there (issue 11, items 1–4): `-o FILE` writes through to
//! devices and FIFOs, never replaces a link, keeps a file's mode; `--force` replaces only a
//! directory galley wrote; two runs to one `-o` never both succeed with one output lost;
//! temporaries a killed run left are removed; long output names work.

use crate::support::*;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const KIND: [&str; 2] = ["--service", "kind"];

fn recipe_to(out: &Path) -> std::process::Output {
    run(galley().arg("recipe").args(KIND).arg("-o").arg(out))
}

fn bundle_to(out: &Path, extra: &[&str]) -> std::process::Output {
    run(galley()
        .arg("bundle")
        .args(KIND)
        .arg("-o")
        .arg(out)
        .args(extra))
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn is_recipe(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).contains("kind: RecipeResult")
}

/// A directory's entries (dotfiles included), sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn o_file_writes_through_a_character_device() {
    let t = TempDir::new("out-dev");
    let node = t.path().join("n");
    let made = Command::new("mknod")
        .args(["-m", "666"])
        .arg(&node)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let o = recipe_to(&node);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let kind = std::fs::symlink_metadata(&node).unwrap().file_type();
        assert!(kind.is_char_device(), "the device node was replaced");
    } else {
        eprintln!("mknod needs root: the device-node case is covered by the links below");
    }
    // A link to /dev/null is written through and stays a link.
    let link = t.path().join("null");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let o = recipe_to(&link);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // /dev/stdout (a link to the pipe the test reads) is written through.
    let o = run(galley()
        .arg("recipe")
        .args(KIND)
        .args(["-o", "/dev/stdout"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(is_recipe(&o.stdout), "{}", stdout(&o));
}

#[test]
fn o_file_writes_through_a_fifo() {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let t = TempDir::new("out-fifo");
    let fifo = t.path().join("f");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // The read end is open first (non-blocking), so galley's open does not wait, and a
    // galley that replaced the FIFO instead leaves this end with nothing to read.
    let nonblock = rustix::fs::OFlags::NONBLOCK.bits() as i32;
    let mut reader = std::fs::File::options()
        .read(true)
        .custom_flags(nonblock)
        .open(&fifo)
        .unwrap();
    let o = recipe_to(&fifo);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut read = Vec::new();
    reader.read_to_end(&mut read).unwrap();
    assert!(is_recipe(&read), "nothing came through the FIFO");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[test]
fn o_file_never_replaces_a_link_or_a_directory() {
    let t = TempDir::new("out-link");
    let target = t.path().join("mine.txt");
    std::fs::write(&target, "mine").unwrap();
    let link = t.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = recipe_to(&link);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
    // A dangling link: refused, and its target is not created.
    let dangling = t.path().join("dangling");
    std::os::unix::fs::symlink(t.path().join("nowhere"), &dangling).unwrap();
    assert_eq!(code(&recipe_to(&dangling)), 2);
    assert!(!t.path().join("nowhere").exists());
    let dir = t.path().join("dir");
    std::fs::create_dir(&dir).unwrap();
    let o = recipe_to(&dir);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    assert!(dir.is_dir());
    assert_eq!(entries(t.path()), ["dangling", "dir", "link", "mine.txt"]);
}

#[test]
fn o_file_and_fmt_keep_the_mode_of_a_replaced_file() {
    let t = TempDir::new("out-mode");
    let file = t.path().join("r.yaml");
    std::fs::write(&file, "old").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = recipe_to(&file);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(is_recipe(&std::fs::read(&file).unwrap()));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&file), 0o600);
    let ovl = t.path().join("x.ovl");
    std::fs::write(&ovl, "overlay   oke-x{when service=oke\n}\n").unwrap();
    std::fs::set_permissions(&ovl, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = run(galley().arg("fmt").arg(&ovl));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("formatted"), "{}", stderr(&o));
    assert_eq!(mode(&ovl), 0o640);
    assert_eq!(entries(t.path()), ["r.yaml", "x.ovl"], "no temporary left");
}

/// A directory galley wrote, with one file of the user's added.
fn galley_dir(at: &Path) -> PathBuf {
    let o = bundle_to(at, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    std::fs::write(at.join("notes.txt"), "mine").unwrap();
    at.to_path_buf()
}

#[test]
fn force_replaces_only_a_directory_galley_wrote() {
    let t = TempDir::new("out-force");
    // A directory of the user's, dotfiles only: refused, untouched.
    let foreign = t.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join(".profile"), "mine").unwrap();
    let o = bundle_to(&foreign, &["--force"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("galley did not write it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(entries(&foreign), [".profile"]);
    // An empty directory needs no --force.
    let empty = t.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(code(&bundle_to(&empty, &[])), 0);
    // A galley directory: refused without --force, replaced with it; never through a link
    // (a trailing `/` included).
    let ours = galley_dir(&t.path().join("ours"));
    let link = t.path().join("link");
    std::os::unix::fs::symlink(&ours, &link).unwrap();
    for via in [link.clone(), link.join("")] {
        let o = bundle_to(&via, &["--force"]);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert!(ours.join("notes.txt").exists());
    }
    assert_eq!(code(&bundle_to(&ours, &[])), 2);
    assert!(ours.join("notes.txt").exists());
    let o = bundle_to(&ours, &["--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!ours.join("notes.txt").exists());
    assert!(ours.join(".galley-output").is_file());
    // The marker is outside checksums.txt, which still verifies.
    let sums = std::fs::read_to_string(ours.join("checksums.txt")).unwrap();
    assert!(!sums.contains(".galley-output"));
    let check = Command::new("sha256sum")
        .args(["-c", "--quiet", "checksums.txt"])
        .current_dir(&ours)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn force_refuses_the_current_and_home_directories_and_their_ancestors() {
    let t = TempDir::new("out-protect");
    let g = galley_dir(&t.path().join("g"));
    let sub = g.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let cases: [(&Path, &Path, &str, &str); 4] = [
        (&g, &g, "/nonexistent", "it is the current directory"),
        (&sub, &g, "/nonexistent", "it holds the current directory"),
        (
            t.path(),
            &g,
            &g.to_string_lossy(),
            "it is your home directory",
        ),
        (
            t.path(),
            &g,
            &sub.to_string_lossy(),
            "it holds your home directory",
        ),
    ];
    for (cwd, out, home, why) in cases {
        let o = run(galley()
            .current_dir(cwd)
            .env("HOME", home)
            .arg("bundle")
            .args(KIND)
            .arg("-o")
            .arg(out)
            .arg("--force"));
        assert_eq!(code(&o), 2, "{why}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{why}: {}", stderr(&o));
        assert!(g.join("notes.txt").exists(), "{why}");
    }
}

#[test]
fn force_refuses_an_input_or_a_directory_holding_one() {
    let t = TempDir::new("out-inputs");
    let g = galley_dir(&t.path().join("g"));
    // A --data directory inside the output.
    let data = g.join("data");
    std::fs::create_dir(&data).unwrap();
    let o = bundle_to(&g, &["--force", "--data", &data.to_string_lossy()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("it holds the input"), "{}", stderr(&o));
    // A criteria file inside it.
    let criteria = g.join("c.yaml");
    std::fs::write(&criteria, "spec:\n  service: kind\n").unwrap();
    let o = run(galley()
        .arg("bundle")
        .arg("--criteria")
        .arg(&criteria)
        .arg("-o")
        .arg(&g)
        .arg("--force"));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("it holds the input"), "{}", stderr(&o));
    // import SRC --out SRC --force, SRC being a galley output (an earlier import).
    let src = t.path().join("src");
    std::fs::create_dir_all(src.join("components/x")).unwrap();
    std::fs::write(src.join("components/x/values.yaml"), "a: 1\n").unwrap();
    let lib = t.path().join("lib");
    let import = |from: &Path, to: &Path| {
        run(galley()
            .arg("import")
            .arg(from)
            .arg("--out")
            .arg(to)
            .arg("--force"))
    };
    assert_eq!(code(&import(&src, &lib)), 0);
    let o = import(&lib, &lib);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("it is the input"), "{}", stderr(&o));
    assert!(lib.join("components/x/values.yaml").is_file());
    assert!(g.join("notes.txt").exists());
}

#[test]
fn two_runs_to_one_output_never_both_succeed() {
    let t = TempDir::new("out-race");
    for trial in 0..20 {
        let out = t.path().join(format!("cc{trial}"));
        let spawn = |args: &[&str]| {
            galley()
                .arg("bundle")
                .args(args)
                .arg("-o")
                .arg(&out)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let a = spawn(&["--service", "kind"]);
        let b = spawn(&["--service", "eks", "-d", "helmfile"]);
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let ok = [&a, &b].iter().filter(|o| o.status.success()).count();
        assert_eq!(ok, 1, "trial {trial}: {} / {}", stderr(&a), stderr(&b));
        let loser = if a.status.success() { &b } else { &a };
        assert_eq!(code(loser), 2, "{}", stderr(loser));
        let check = Command::new("sha256sum")
            .args(["-c", "--quiet", "checksums.txt"])
            .current_dir(&out)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "trial {trial}: the survivor is incomplete"
        );
        let left: Vec<String> = entries(t.path())
            .into_iter()
            .filter(|n| n.contains("galley-"))
            .collect();
        assert!(left.is_empty(), "trial {trial}: {left:?}");
    }
}

#[test]
fn temporaries_of_dead_runs_are_removed_and_nothing_else() {
    let t = TempDir::new("out-stale");
    let model = galley_dir(&t.path().join("model"));
    let marker = std::fs::read(model.join(".galley-output")).unwrap();
    let mut dead = Command::new("true").spawn().unwrap();
    let pid = dead.id();
    dead.wait().unwrap();
    let me = std::process::id();
    let at = |name: &str| t.path().join(name);
    // What a killed run leaves: a half-filled tree (marker first) and a temporary file.
    let half = at(&format!(".out.galley-tmp-{pid}-0"));
    std::fs::create_dir_all(half.join("001-x")).unwrap();
    std::fs::write(half.join(".galley-output"), &marker).unwrap();
    std::fs::write(half.join("001-x/values.yaml"), "a: 1\n").unwrap();
    std::fs::write(at(&format!(".out.galley-tmp-{pid}-1")), "partial").unwrap();
    std::fs::create_dir(at(&format!(".out.galley-old-{pid}-2"))).unwrap();
    std::fs::write(at(&format!(".other.galley-tmp-{pid}-0")), "partial").unwrap();
    // Kept: a live process's, trees without the marker, a link, other names.
    let keep = [
        format!(".out.galley-tmp-{me}-0"),
        format!(".out.galley-tmp-{pid}-3"),
        format!(".other.galley-old-{pid}-1"),
        format!(".out.galley-tmp-{pid}-0x"),
        format!("out.galley-tmp-{pid}-0"),
    ];
    for k in &keep {
        std::fs::create_dir(at(k)).unwrap();
        std::fs::write(at(k).join("mine.txt"), "mine").unwrap();
    }
    std::fs::write(at(&keep[0]).join(".galley-output"), &marker).unwrap();
    let link = format!(".out.galley-tmp-{pid}-4");
    std::os::unix::fs::symlink(&model, at(&link)).unwrap();
    let o = bundle_to(&at("out"), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut expected: Vec<String> = keep.to_vec();
    expected.extend([link, "model".to_string(), "out".to_string()]);
    expected.sort();
    assert_eq!(entries(t.path()), expected, "{}", stderr(&o));
    // A file output's temporaries too.
    std::fs::write(at(&format!(".r.yaml.galley-tmp-{pid}-0")), "partial").unwrap();
    assert_eq!(code(&recipe_to(&at("r.yaml"))), 0);
    assert!(!at(&format!(".r.yaml.galley-tmp-{pid}-0")).exists());
    assert!(
        model.join("notes.txt").exists(),
        "a link's target is left alone"
    );
}

#[test]
fn output_names_up_to_name_max_work() {
    let t = TempDir::new("out-long");
    for len in [230, 255] {
        let dir = t.path().join("d".repeat(len));
        let o = bundle_to(&dir, &[]);
        assert_eq!(code(&o), 0, "{len}: {}", stderr(&o));
        let o = bundle_to(&dir, &["--force"]);
        assert_eq!(code(&o), 0, "{len}: {}", stderr(&o));
        let file = t.path().join("f".repeat(len));
        let o = recipe_to(&file);
        assert_eq!(code(&o), 0, "{len}: {}", stderr(&o));
        assert!(is_recipe(&std::fs::read(&file).unwrap()));
    }
    assert_eq!(entries(t.path()).len(), 4, "no temporary left");
}
