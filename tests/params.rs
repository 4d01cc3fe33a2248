//! Typed parameters (docs/language.md, "Parameters"): declarations checked, values given by
//! `--param` and a criteria file's `spec.params` checked and recorded, references replaced,
//! and the record carried through `bundle -r`.

use crate::support::*;
use serde_json::Value;
use std::path::PathBuf;

const LIB: &str = "tests/fixtures/params/lib";

fn target(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["--data", LIB, "--service", "oke", "--accelerator", "a100"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn recipe_json(extra: &[&str]) -> Value {
    let out = run(galley()
        .current_dir(root())
        .arg("recipe")
        .args(target(extra))
        .args(["--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("recipe JSON")
}

fn param<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["metadata"]["params"]
        .as_array()
        .expect("metadata.params")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no parameter `{name}` in {doc}"))
}

fn overrides(doc: &Value) -> &Value {
    let refs = doc["componentRefs"].as_array().expect("componentRefs");
    &refs
        .iter()
        .find(|c| c["name"] == "gpu-operator")
        .expect("gpu-operator")["overrides"]
}

/// The codes `galley recipe` reports (rendered on stderr), and its exit code.
fn recipe_codes(extra: &[&str]) -> (Option<i32>, String) {
    let out = run(galley()
        .current_dir(root())
        .arg("recipe")
        .args(target(extra)));
    (out.status.code(), stderr(&out))
}

fn criteria_file(dir: &TempDir, params: &str) -> PathBuf {
    let path = dir.path().join("criteria.yaml");
    let text = format!(
        "kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nspec:\n  service: oke\n  accelerator: a100\n  params:\n{params}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn values_are_typed_replaced_and_recorded_with_their_source() {
    let doc = recipe_json(&["--param", "label=gpu-node", "--param", "gpu_count=16"]);
    let o = overrides(&doc);
    assert_eq!(o["devicePlugin"]["replicas"], 16, "an int stays an int");
    assert_eq!(o["cdi"]["enabled"], false, "a bool stays a bool");
    assert_eq!(o["driver"]["version"], "570.172.08");
    assert_eq!(o["mig"]["strategy"], "single");
    assert_eq!(o["cache"]["size"], "50Gi");
    assert_eq!(o["cache"]["labels"][0], "gpu-node");
    let k8s = doc["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "K8s.server.version")
        .expect("the constraint");
    assert_eq!(k8s["value"], ">= 1.30", "a version default keeps its text");
    let count = param(&doc, "gpu_count");
    assert_eq!(count["value"], 16);
    assert_eq!(count["type"], "int");
    assert_eq!(count["source"], "flag");
    assert_eq!(count["overlay"], "gpu-params");
    assert_eq!(param(&doc, "cache")["source"], "default");
    assert_eq!(doc["metadata"]["params"].as_array().unwrap().len(), 7);
}

#[test]
fn a_flag_wins_over_the_criteria_file_which_wins_over_the_default() {
    let tmp = TempDir::new("params-criteria");
    let file = criteria_file(
        &tmp,
        "    gpu_count: 4\n    label: from-file\n    cdi: true\n",
    );
    let file = file.to_str().unwrap();
    let doc = recipe_json(&["--criteria", file, "--param", "gpu_count=32"]);
    assert_eq!(param(&doc, "gpu_count")["value"], 32);
    assert_eq!(param(&doc, "gpu_count")["source"], "flag");
    assert_eq!(param(&doc, "label")["value"], "from-file");
    assert_eq!(param(&doc, "label")["source"], "criteria-file");
    assert_eq!(param(&doc, "cdi")["value"], true);
    assert_eq!(param(&doc, "mig_strategy")["source"], "default");
    assert_eq!(overrides(&doc)["devicePlugin"]["replicas"], 32);
}

#[test]
fn parameter_values_change_the_fingerprint() {
    let tmp = TempDir::new("params-fingerprint");
    let fingerprint = |count: &str| {
        let dir = tmp.path().join(count);
        let out = run(galley()
            .current_dir(root())
            .arg("bundle")
            .args(target(&["--param", "label=a", "--param", count]))
            .arg("-o")
            .arg(&dir));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let manifest = std::fs::read_to_string(dir.join("bundle.yaml")).unwrap();
        let line = manifest
            .lines()
            .find(|l| l.contains("fingerprint"))
            .map(str::to_string);
        line.expect("bundle.yaml names the fingerprint")
    };
    assert_ne!(fingerprint("gpu_count=2"), fingerprint("gpu_count=3"));
}

#[test]
fn each_bad_value_is_an_error_with_a_suggestion() {
    let cases: [(&str, &str, &str); 6] = [
        (
            "gpu_cont=3",
            "galley::param::unknown",
            "did you mean `gpu_count`?",
        ),
        (
            "gpu_count=65",
            "galley::param::out-of-range",
            "from `1` to `64` inclusive",
        ),
        (
            "gpu_count=eight",
            "galley::param::type",
            "an integer such as `8`",
        ),
        (
            "mig_strategy=none",
            "galley::param::out-of-range",
            "one of `single`, `mixed`",
        ),
        ("cdi=yes", "galley::param::type", "`true` or `false`"),
        (
            "cache=2Ti",
            "galley::param::out-of-range",
            "from `10Gi` to `1Ti`",
        ),
    ];
    for (flag, code, help) in cases {
        let (status, err) = recipe_codes(&["--param", "label=a", "--param", flag]);
        assert_eq!(status, Some(1), "{flag}: {err}");
        assert!(err.contains(code), "{flag}: expected {code} in {err}");
        assert!(err.contains(help), "{flag}: expected `{help}` in {err}");
    }
}

#[test]
fn a_parameter_without_default_must_be_set() {
    let (status, err) = recipe_codes(&[]);
    assert_eq!(status, Some(1), "{err}");
    assert!(err.contains("galley::param::missing"), "{err}");
    assert!(err.contains("--param label=VALUE"), "{err}");
}

#[test]
fn a_malformed_flag_or_criteria_entry_is_a_usage_error() {
    let (status, err) = recipe_codes(&["--param", "no-equals-sign"]);
    assert_eq!(status, Some(2), "{err}");
    assert!(err.contains("expected NAME=VALUE"), "{err}");
    let tmp = TempDir::new("params-criteria-bad");
    let file = criteria_file(&tmp, "    gpu_count: [1, 2]\n");
    let (status, err) = recipe_codes(&["--criteria", file.to_str().unwrap()]);
    assert_eq!(status, Some(2), "{err}");
    assert!(err.contains("`spec.params.gpu_count` must be"), "{err}");
}

#[test]
fn a_parameter_of_an_overlay_the_target_does_not_apply_is_unknown() {
    let out = run(galley().current_dir(root()).args([
        "recipe",
        "--data",
        LIB,
        "--service",
        "eks",
        "--param",
        "gpu_count=4",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("galley::param::unknown"), "{err}");
    assert!(
        err.contains("declared by overlay `gpu-params`, which this target does not apply"),
        "{err}"
    );
}

fn check_codes(dir: &str) -> Vec<String> {
    let out = run(galley()
        .current_dir(root())
        .args(["check", "--data", dir, "--format", "json"]));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("check JSON");
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
fn the_checker_reports_each_bad_declaration_and_reference() {
    assert_eq!(check_codes(LIB), Vec::<String>::new());
    assert_eq!(
        check_codes("tests/fixtures/params/bad-decl"),
        [
            "galley::check::constraint-value",
            "galley::param::declaration",
            "galley::param::declaration",
            "galley::param::declaration",
            "galley::param::declaration",
            "galley::param::out-of-range",
            "galley::param::type",
            "galley::param::unknown",
        ]
    );
}

#[test]
fn a_parameter_nothing_refers_to_is_linted() {
    assert_eq!(
        check_codes("tests/fixtures/params/unused"),
        ["galley::lint::unused-param"]
    );
}

#[test]
fn fmt_keeps_declarations_and_references() {
    let out = run(galley().current_dir(root()).args(["fmt", "--check", LIB]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn bundle_from_the_recipe_file_keeps_the_parameters_and_records_set_flags() {
    let tmp = TempDir::new("params-bundle");
    let recipe = tmp.path().join("recipe.yaml");
    let out = run(galley()
        .current_dir(root())
        .arg("recipe")
        .args(target(&["--param", "label=x", "--param", "gpu_count=12"]))
        .arg("-o")
        .arg(&recipe));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = tmp.path().join("bundle");
    let out = run(galley()
        .current_dir(root())
        .args(["bundle", "--data", LIB, "-r"])
        .arg(&recipe)
        .arg("-o")
        .arg(&dir)
        .args(["--set", "gpu-operator:driver.version=580.65.06"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.join("recipe.yaml")).unwrap();
    let original = std::fs::read_to_string(&recipe).unwrap();
    let params = |text: &str| {
        let start = text.find("  params:").expect("metadata.params");
        let end = ["  setValues:", "criteria:"]
            .iter()
            .filter_map(|m| text[start..].find(m))
            .min()
            .unwrap()
            + start;
        text[start..end].to_string()
    };
    assert_eq!(params(&written), params(&original));
    assert!(
        written.contains("  setValues:\n    - --set gpu-operator:driver.version=580.65.06\n"),
        "{written}"
    );
    let tree = read_tree(&dir);
    let replicas = tree
        .iter()
        .filter(|(p, _)| p.ends_with("-gpu-operator/values.yaml"))
        .any(|(_, b)| String::from_utf8_lossy(b).contains("replicas: 12"));
    assert!(replicas, "the parameter's value reaches the chart's values");
}

#[test]
fn param_flags_do_not_go_with_a_recipe_file() {
    let out = run(galley().current_dir(root()).args([
        "bundle",
        "-r",
        "recipe.yaml",
        "--param",
        "gpu_count=2",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn explain_shows_each_parameter_and_who_set_it() {
    let out = run(galley()
        .current_dir(root())
        .args(["explain", "params.gpu_count"])
        .args(target(&["--param", "label=a", "--param", "gpu_count=3"]))
        .args(["--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("explain JSON");
    assert_eq!(doc[0]["path"], "params.gpu_count");
    assert_eq!(doc[0]["value"], 3);
    assert_eq!(doc[0]["winner"]["overlay"], "--param");
    assert_eq!(doc[0]["shadowed"][0]["overlay"], "gpu-params");
    assert_eq!(doc[0]["shadowed"][0]["value"], 8);
    let out = run(galley()
        .current_dir(root())
        .args(["explain", "params.nope"])
        .args(target(&["--param", "label=a"])));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("it has: cache, cdi"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_criteria_file_on_a_pipe_gives_the_target_and_the_parameters() {
    let cmd = format!(
        "printf 'kind: RecipeCriteria\\nspec:\\n  service: oke\\n  accelerator: a100\\n  params:\\n    label: piped\\n' | '{}' recipe --data {LIB} --criteria /dev/stdin --format json",
        env!("CARGO_BIN_EXE_galley")
    );
    let out = run(std::process::Command::new("sh")
        .args(["-c", &cmd])
        .current_dir(root()));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("recipe JSON");
    assert_eq!(param(&doc, "label")["value"], "piped");
    assert_eq!(param(&doc, "label")["source"], "criteria-file");
}

#[test]
fn diff_of_two_recipe_files_shows_the_parameters_that_changed() {
    let tmp = TempDir::new("params-diff");
    let write = |count: &str| {
        let path = tmp.path().join(format!("{count}.yaml"));
        let out = run(galley()
            .current_dir(root())
            .arg("recipe")
            .args(target(&["--param", "label=a", "--param", count]))
            .arg("-o")
            .arg(&path));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        path
    };
    let (a, b) = (write("gpu_count=2"), write("gpu_count=4"));
    let out = run(galley()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .args(["--format", "json"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("diff JSON");
    assert_eq!(doc["params"][0]["path"], "gpu_count");
    assert_eq!(doc["params"][0]["from"], "2");
    assert_eq!(doc["params"][0]["to"], "4");
}

#[test]
fn export_to_aicr_refuses_parameters() {
    let tmp = TempDir::new("params-export");
    let out = run(galley()
        .current_dir(root())
        .args(["export", "--format", "aicr", "--data", LIB])
        .arg(tmp.path().join("out")));
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("galley::export::unsupported"), "{err}");
    assert!(
        err.contains("`param gpu_count`: AICR overlays have no parameters"),
        "{err}"
    );
}

/// A `param` in a mixin is refused, not ignored: parameters are declared by overlays.
#[test]
fn a_parameter_declared_in_a_mixin_is_an_error() {
    let out = run(galley().current_dir(root()).args([
        "check",
        "--data",
        "tests/fixtures/params/in-mixin",
    ]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("galley::param::declaration"), "{err}");
    assert!(err.contains("mixins cannot declare parameters"), "{err}");
}

/// A mixin's `$NAME` is a parameter of the overlay that includes it: set by `--param`,
/// recorded, replaced in the mixin's values; the parameter counts as used.
#[test]
fn a_mixin_reads_a_parameter_of_the_overlay_that_includes_it() {
    let lib = "tests/fixtures/params/mixin-refs";
    let out = run(galley().current_dir(root()).args(["check", "--data", lib]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("unused-param"), "{}", stderr(&out));
    let out = run(galley().current_dir(root()).args([
        "recipe",
        "--data",
        lib,
        "--service",
        "oke",
        "--accelerator",
        "a100",
        "--param",
        "replicas=5",
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("recipe JSON");
    assert_eq!(param(&doc, "replicas")["value"], 5);
    assert_eq!(param(&doc, "replicas")["source"], "flag");
    let text = doc.to_string();
    assert!(!text.contains("$replicas"), "{text}");
}

/// An overlay that includes a mixin reading `$NAME` but declares no such parameter is an
/// error at the mixin's reference, naming the overlay; reported once.
#[test]
fn a_mixin_reference_the_including_overlay_does_not_declare_is_an_error() {
    let out = run(galley().current_dir(root()).args([
        "check",
        "--data",
        "tests/fixtures/params/mixin-refs-bad",
    ]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("galley::param::unknown"), "{err}");
    assert!(
        err.contains("mixin `sized` refers to parameter `replicas`, which overlay `forgets`"),
        "{err}"
    );
    assert_eq!(err.matches("mixin `sized` refers to").count(), 1, "{err}");
}
