//! Unknown AICR YAML fields: a warning wherever a library is read (also `recipe --data`),
//! an error under `--strict` (issue 12 §3). `spec.mixins` and `kind: RecipeMixin` are read
//! (issue 16); a mixin's `spec.criteria` is a field AICR ignores.

use crate::support::{TempDir, galley, run, stderr};

const FIXTURE: &str = "tests/fixtures/check/yaml-mixins";

fn codes(out: &std::process::Output) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn recipe_with_data_warns_about_unknown_fields() {
    let out = run(galley().args(["recipe", "--service", "oke", "--data", FIXTURE]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("galley::yaml::unknown-field"), "{err}");
    assert!(err.contains("did you mean `version`?"), "{err}");
    assert!(err.contains("unknown field `criteria` in `spec`"), "{err}");
    assert!(!err.contains("unknown mixin"), "the mixins are read: {err}");
}

#[test]
fn strict_makes_unknown_fields_errors_for_check_and_recipe() {
    let out = run(galley().args(["check", "--format", "json", "--data", FIXTURE]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let unknown = |c: &(String, String)| c.0 == "galley::yaml::unknown-field";
    let found: Vec<_> = codes(&out).into_iter().filter(unknown).collect();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|c| c.1 == "warning"));

    let out = run(galley().args(["check", "--strict", "--format", "json", "--data", FIXTURE]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found: Vec<_> = codes(&out).into_iter().filter(unknown).collect();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|c| c.1 == "error"), "{found:?}");

    let out = run(galley().args(["recipe", "--strict", "--service", "oke", "--data", FIXTURE]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn strict_import_writes_nothing() {
    let dir = TempDir::new("green-strict");
    let target = dir.path().join("out");
    let out = run(galley()
        .args(["import", "--strict", FIXTURE, "--out"])
        .arg(&target));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!target.exists());
    let out = run(galley().args(["import", FIXTURE, "--out"]).arg(&target));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn strict_is_refused_where_no_aicr_yaml_is_read() {
    let out = run(galley().args(["fmt", "--strict", "--check", "recipes/overlays/base.ovl"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--strict applies to"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_embedded_library_passes_strict() {
    let out = run(galley().args(["check", "--strict"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
