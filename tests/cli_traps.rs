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
    assert_eq!(err.matches(help).count(), 2, "both errors point at --data: {err}");
    assert!(!err.contains("expected one of: my-eks"), "{err}");
    let ok = run(galley().current_dir(tmp.path()).args(["check", "--data", "mylib"]));
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
    assert!(!err.contains("--data"), "no embedded overlay is named: {err}");
}
