//! `galley bundle --set` / `--set-string`: a value keeps the type of the value it replaces,
//! numbers that would not print back as written stay strings, quotes make a string, and
//! hostile paths are refused.

use crate::support::{KUBEFLOW, TempDir, galley, run, stderr, stdout};
use std::path::Path;
use std::process::Output;

fn bundle(out: &Path, sets: &[&str]) -> Output {
    run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .arg("-o")
        .arg(out)
        .args(sets)
        .env("COLUMNS", "1000"))
}

/// The component's `values.yaml` in a Helm bundle.
fn values(out: &Path, component: &str) -> String {
    let dir = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.get(4..) == Some(component))
        })
        .unwrap_or_else(|| panic!("no folder for {component}"));
    std::fs::read_to_string(dir.join("values.yaml")).unwrap()
}

#[track_caller]
fn refused(o: &Output, out: &Path, expect: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(stderr(o).contains(expect), "{}", stderr(o));
    assert!(!out.exists(), "a refused bundle writes nothing");
}

#[test]
fn a_set_value_keeps_the_type_of_the_value_it_replaces() {
    let t = TempDir::new("set-types");
    let out = t.path().join("b");
    let o = bundle(
        &out,
        &[
            // driver.version is a string in the recipe: `570.10` must not become 570.1.
            "--set",
            "gpu-operator:driver.version=570.10",
            // driver.maxParallelUpgrades is an integer, driver.enabled a boolean.
            "--set",
            "gpu-operator:driver.maxParallelUpgrades=3",
            "--set",
            "gpu-operator:driver.enabled=false",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v = values(&out, "gpu-operator");
    assert!(v.contains("    version: \"570.10\"\n"), "{v}");
    assert!(v.contains("    maxParallelUpgrades: 3\n"), "{v}");
    assert!(v.contains("driver:\n    enabled: false\n"), "{v}");
}

#[test]
fn new_values_are_numbers_only_when_they_print_back_as_written() {
    let t = TempDir::new("set-new");
    let out = t.path().join("b");
    let mut sets = Vec::new();
    let cases = [
        ("v570", "570.10", "\"570.10\""),
        ("e", "1e3", "\"1e3\""),
        ("octal", "007", "\"007\""),
        ("hex", "0x1F", "\"0x1F\""),
        ("half", ".5", "\".5\""),
        ("count", "8", "8"),
        ("neg", "-3", "-3"),
        ("ratio", "1.5", "1.5"),
        ("flag", "true", "true"),
    ];
    let flags: Vec<String> = cases
        .iter()
        .map(|(k, v, _)| format!("gpu-operator:custom.{k}={v}"))
        .collect();
    for f in &flags {
        sets.extend(["--set", f.as_str()]);
    }
    let o = bundle(&out, &sets);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = values(&out, "gpu-operator");
    for (key, _, written) in cases {
        assert!(v.contains(&format!("    {key}: {written}\n")), "{key}: {v}");
    }
}

#[test]
fn quotes_make_a_string_and_set_string_takes_the_text_verbatim() {
    let t = TempDir::new("set-quotes");
    let out = t.path().join("b");
    let o = bundle(
        &out,
        &[
            "--set",
            "gpu-operator:driver.repository=\"nvcr.io/nvidia\"",
            "--set",
            "gpu-operator:custom.count='8'",
            "--set-string",
            "gpu-operator:custom.flag=true",
            "--set-string",
            "gpu-operator:custom.quoted=\"x\"",
            // --set-string applies after every --set, whatever the order on the line.
            "--set-string",
            "gpu-operator:custom.n=9",
            "--set",
            "gpu-operator:custom.n=10",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v = values(&out, "gpu-operator");
    assert!(v.contains("    repository: nvcr.io/nvidia\n"), "{v}");
    assert!(!v.contains("'\"nvcr.io"), "{v}");
    assert!(v.contains("    count: \"8\"\n"), "{v}");
    assert!(v.contains("    flag: \"true\"\n"), "{v}");
    assert!(v.contains("    quoted: '\"x\"'\n"), "{v}");
    assert!(v.contains("    \"n\": \"9\"\n"), "{v}");
}

#[test]
fn a_value_that_does_not_fit_or_a_stray_quote_is_refused() {
    let t = TempDir::new("set-refused");
    let out = t.path().join("a");
    let o = bundle(&out, &["--set", "gpu-operator:driver.enabled=yes"]);
    refused(&o, &out, "galley::bundle::flag");
    assert!(stderr(&o).contains("replaces a boolean"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--set-string gpu-operator:driver.enabled=yes"),
        "{}",
        stderr(&o)
    );
    let o = bundle(
        &out,
        &["--set", "gpu-operator:driver.maxParallelUpgrades=5x"],
    );
    refused(&o, &out, "replaces a number");
    let o = bundle(&out, &["--set", "gpu-operator:driver.repository=\"nvcr.io"]);
    refused(&o, &out, "has a `\"` at one end only");
    let o = bundle(&out, &["--set-string", "gpu-operator:enabled=false"]);
    refused(&o, &out, "`enabled` takes true or false");
}

#[test]
fn a_set_path_deeper_than_the_nesting_limit_is_refused() {
    let t = TempDir::new("set-deep");
    let out = t.path().join("b");
    let deep = format!("cert-manager:{}=1", vec!["a"; 20_000].join("."));
    let o = bundle(&out, &["--set", &deep]);
    refused(
        &o,
        &out,
        "the path has 20000 segments; at most 255 are allowed",
    );
    assert!(stderr(&o).len() < 2000, "{}", stderr(&o));
    let ok = format!("cert-manager:{}=1", vec!["a"; 255].join("."));
    let o = bundle(&out, &["--set", &ok]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn help_says_how_a_set_value_is_typed() {
    let o = run(galley().args(["bundle", "--help"]).env("COLUMNS", "1000"));
    let help = stdout(&o);
    assert!(help.contains("--set-string"), "{help}");
    assert!(
        help.contains("keeps the type of the value it replaces"),
        "{help}"
    );
    assert!(help.contains("prints back exactly as written"), "{help}");
}
