//! `galley diff`: targets, data directories and `RecipeResult` files.

use crate::support::*;
use serde_json::Value;

const TRAINING: &str = "service=eks,accelerator=h100,intent=training,os=ubuntu";
const INFERENCE: &str = "service=eks,accelerator=h100,intent=inference,os=ubuntu";

fn json_diff(args: &[&str]) -> (Value, Option<i32>) {
    let out = run(galley().arg("diff").args(args).args(["--format", "json"]));
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("diff JSON: {e}\n{}", stderr(&out)));
    (doc, out.status.code())
}

#[test]
fn training_against_inference_lists_components_and_values_with_overlays() {
    let (d, code) = json_diff(&["--from", TRAINING, "--to", INFERENCE]);
    assert_eq!(code, Some(1));
    assert_eq!(d["equal"], false);
    let added: Vec<&str> = d["components_added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["kgateway", "kgateway-crds"]);
    let values = d["values"].as_array().unwrap();
    let intent = values
        .iter()
        .find(|v| v["path"] == "skyhook-customizations.values.intent")
        .expect("the skyhook intent changes");
    assert_eq!(intent["from"], "multiNodeTraining");
    assert_eq!(intent["to"], "inference");
    assert_eq!(intent["from_overlay"], "h100-eks-training");
    assert_eq!(intent["to_overlay"], "h100-eks-inference");
    let cdi = values
        .iter()
        .find(|v| v["path"] == "gpu-operator.values.cdi.default")
        .expect("training's CDI settings go");
    assert_eq!(cdi["from_overlay"], "eks-training");
    assert!(cdi["to"].is_null());
    assert!(
        d["validation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["path"] == "performance" && v["to"].is_null())
    );

    let out = run(galley().args(["diff", "--from", TRAINING, "--to", INFERENCE]));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("  + kgateway "), "{text}");
    assert!(
        text.contains(
            "skyhook-customizations.values.intent: \"multiNodeTraining\" (h100-eks-training) -> \"inference\" (h100-eks-inference)"
        ),
        "{text}"
    );
}

#[test]
fn a_target_against_itself_is_equal() {
    let (d, code) = json_diff(&["--from", TRAINING, "--to", TRAINING]);
    assert_eq!(code, Some(0));
    assert_eq!(d["equal"], true);
    let out = run(galley().args(["diff", "--from", TRAINING]));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("the recipes are equal"));
}

fn write(dir: &std::path::Path, version: &str) {
    std::fs::create_dir_all(dir.join("overlays")).unwrap();
    std::fs::write(
        dir.join("overlays/pin.ovl"),
        format!(
            "overlay eks-cert-pin extends eks {{\n  when service = eks, accelerator = h100\n\n  component cert-manager {{\n    version {version}\n  }}\n}}\n"
        ),
    )
    .unwrap();
}

#[test]
fn two_data_directories_differing_by_one_bump_report_exactly_that_bump() {
    let tmp = TempDir::new("diff-bump");
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    write(&old, "v1.17.2");
    write(&new, "v1.17.3");
    let (d, code) = json_diff(&[
        "--from",
        "service=eks,accelerator=h100",
        "--from-data",
        old.to_str().unwrap(),
        "--to-data",
        new.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        d["versions"],
        serde_json::json!([{
            "component": "cert-manager", "field": "version", "from": "v1.17.2", "to": "v1.17.3",
            "verdict": "patch", "from_overlay": "eks-cert-pin", "to_overlay": "eks-cert-pin",
        }])
    );
    for key in [
        "components_added",
        "components_removed",
        "fields",
        "constraints",
        "validation",
        "values",
    ] {
        assert_eq!(d[key], serde_json::json!([]), "{key}");
    }
    assert!(d.get("deployment_order").is_none());
    // Backwards it is a downgrade.
    let (d, _) = json_diff(&[
        "--from",
        "service=eks,accelerator=h100",
        "--from-data",
        new.to_str().unwrap(),
        "--to-data",
        old.to_str().unwrap(),
    ]);
    assert_eq!(d["versions"][0]["verdict"], "downgrade");
}

#[test]
fn recipe_result_files_compare_without_provenance() {
    let tmp = TempDir::new("diff-files");
    let (a, b) = (tmp.path().join("a.yaml"), tmp.path().join("b.json"));
    for (path, criteria, format) in [(&a, TRAINING, "yaml"), (&b, INFERENCE, "json")] {
        let flags: Vec<String> = criteria
            .split(',')
            .flat_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                [format!("--{k}"), v.to_string()]
            })
            .collect();
        let out = run(galley()
            .arg("recipe")
            .args(&flags)
            .args(["--format", format, "-o"])
            .arg(path));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let (d, code) = json_diff(&[a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_eq!(d["components_added"][0]["name"], "kgateway");
    assert!(d["components_added"][0].get("overlay").is_none());
    let (_, code) = json_diff(&[
        "--from-file",
        a.to_str().unwrap(),
        "--to-file",
        a.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0));
}

#[test]
fn errors_exit_2() {
    let tmp = TempDir::new("diff-bad");
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, "kind: RecipeResult\ncomponentRefs: {a: 1}\n").unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec![],
        vec!["--from".into(), "service=nope".into()],
        vec!["--from".into(), "service".into()],
        vec![
            "--from".into(),
            "service=eks".into(),
            "--from-data".into(),
            "/nonexistent".into(),
        ],
        vec![bad.to_str().unwrap().into(), bad.to_str().unwrap().into()],
        vec!["/nonexistent.yaml".into(), "/nonexistent.yaml".into()],
        vec![
            "--from".into(),
            "service=oke,accelerator=a100,intent=training".into(),
            "--data".into(),
            "tests/fixtures/resolve/conflict".into(),
        ],
    ];
    for args in cases {
        let out = run(galley().arg("diff").args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    let out = run(galley().args(["diff", bad.to_str().unwrap(), bad.to_str().unwrap()]));
    assert!(
        stderr(&out).contains("galley::result::shape"),
        "{}",
        stderr(&out)
    );
}
