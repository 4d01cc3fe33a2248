//! Lint rules: each fixture under `tests/fixtures/check/lint-*` is run by `check_fixtures`;
//! here, that the silencing comments do the silencing, that `fmt` keeps them, and SARIF.

use crate::support::*;
use serde_json::Value;

fn codes(args: &[&std::ffi::OsStr]) -> Vec<String> {
    let out = run(galley().arg("check").args(args).args(["--format", "json"]));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("check JSON");
    assert_eq!(doc["version"], 1);
    let mut codes: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

#[test]
fn without_the_allow_comments_the_silenced_findings_come_back() {
    let src = root().join("tests/fixtures/check/lint-allowed");
    let tmp = TempDir::new("lint-allowed");
    std::fs::create_dir_all(tmp.path().join("overlays")).unwrap();
    for f in files_with_ext(&src, &["ovl"]) {
        let text = std::fs::read_to_string(&f).unwrap();
        let stripped: String = text
            .lines()
            .map(|l| match l.find("// galley:") {
                Some(i) => l[..i].trim_end().to_string(),
                None => l.to_string(),
            })
            .map(|l| l + "\n")
            .collect();
        std::fs::write(
            tmp.path().join("overlays").join(f.file_name().unwrap()),
            stripped,
        )
        .unwrap();
    }
    assert_eq!(
        codes(&["--data".as_ref(), src.as_os_str()]),
        Vec::<String>::new()
    );
    assert_eq!(
        codes(&["--data".as_ref(), tmp.path().as_os_str()]),
        [
            "galley::lint::looser-constraint",
            "galley::lint::no-op",
            "galley::lint::no-performance-validation",
            "galley::lint::replaced-overlay",
        ]
    );
}

#[test]
fn fmt_keeps_the_allow_comments() {
    let src = root().join("tests/fixtures/check/lint-allowed");
    let out = run(galley().arg("fmt").arg("--check").arg(&src));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tmp = TempDir::new("lint-fmt");
    let file = tmp.path().join("a.ovl");
    std::fs::write(
        &file,
        "overlay   a   {\n  when service = oke   // galley: allow(no-op)\n  // galley: allow(shadowed)\n  component gpu-operator { version v1 }\n}\n",
    )
    .unwrap();
    let out = run(galley().arg("fmt").arg(&file));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("// galley: allow(no-op)"), "{text}");
    assert!(
        text.contains("// galley: allow(shadowed)\n  component"),
        "{text}"
    );
}

#[test]
fn sarif_lists_rules_and_results_with_locations() {
    let out = run(galley().args([
        "check",
        "--format",
        "sarif",
        "--data",
        "tests/fixtures/check/lint-looser-constraint",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), galley::diag::Code::ALL.len());
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], "galley::lint::looser-constraint");
    assert_eq!(r["level"], "warning");
    assert_eq!(
        rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
        r["ruleId"]
    );
    let loc = &r["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("oke.ovl")
    );
    assert_eq!(loc["region"]["startLine"], 10);
    assert_eq!(
        r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    // An error fixture: level error, exit 1.
    let out = run(galley().args([
        "check",
        "--format",
        "sarif",
        "--data",
        "tests/fixtures/check/unknown-value",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"][0]["results"][0]["level"], "error");
}

#[test]
fn lints_do_not_run_on_a_library_with_errors() {
    let out = run(galley().args([
        "check",
        "--format",
        "json",
        "--data",
        "tests/fixtures/check/unknown-value",
    ]));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| !d["code"].as_str().unwrap().starts_with("galley::lint::"))
    );
}

/// The lints resolve on every core; what they find, and in which order, does not depend on
/// how many there are. The embedded library with its allow comments stripped has no-op and
/// no-performance-validation findings (both read resolved recipes; so does `shadowed`).
#[test]
fn findings_do_not_depend_on_the_thread_count() {
    let tmp = TempDir::new("lint-threads");
    for f in files_with_ext(&root().join("recipes/overlays"), &["ovl"]) {
        let text = std::fs::read_to_string(&f).unwrap();
        let stripped = text.replace("galley: allow", "galley: said");
        std::fs::create_dir_all(tmp.path().join("overlays")).unwrap();
        std::fs::write(
            tmp.path().join("overlays").join(f.file_name().unwrap()),
            stripped,
        )
        .unwrap();
    }
    let report = |threads: &str| {
        let out = galley()
            .env("GALLEY_THREADS", threads)
            .args(["check", "--format", "json", "--data"])
            .arg(tmp.path())
            .output()
            .expect("galley runs");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("check JSON");
        doc["diagnostics"].clone()
    };
    let one = report("1");
    let codes: std::collections::BTreeSet<&str> = one
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    for code in ["no-op", "no-performance-validation"] {
        assert!(
            codes.contains(format!("galley::lint::{code}").as_str()),
            "{codes:?}"
        );
    }
    for threads in ["2", "4"] {
        assert_eq!(report(threads), one, "{threads} threads");
    }
}
