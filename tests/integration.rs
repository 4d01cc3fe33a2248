//! Shell and editor integration: completion scripts, man pages, JSON Schemas.

use crate::support::*;
use serde_json::Value;

#[test]
fn completion_scripts_are_generated_and_bash_parses_them() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(galley().args(["completion", shell]));
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = stdout(&out);
        for cmd in ["coverage", "diff", "graph", "check"] {
            assert!(text.contains(cmd), "{shell} completes `{cmd}`");
        }
    }
    let tmp = TempDir::new("completion");
    let script = tmp.path().join("galley.bash");
    std::fs::write(&script, run(galley().args(["completion", "bash"])).stdout).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Sourcing it registers the completion function.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p galley", script.display()))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(galley().args(["completion", "tcsh"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_pages_render_with_man() {
    let tmp = TempDir::new("man");
    let out = run(galley().arg("man").arg("--out").arg(tmp.path()));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = tmp.path().join("galley.1");
    assert!(tmp.path().join("galley-coverage.1").is_file());
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(
        text.starts_with(".ie") || text.contains(".TH galley"),
        "{text}"
    );
    let man = std::process::Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output();
    match man {
        Ok(o) if o.status.success() => {
            let rendered = String::from_utf8_lossy(&o.stdout);
            assert!(
                rendered.contains("NAME") && rendered.contains("coverage"),
                "{rendered}"
            );
        }
        Ok(o) => panic!("man -l failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => tool_missing("`man`", "`make tools-min` installs man-db as root"),
    }
}

fn schema(name: &str) -> jsonschema::Validator {
    let out = run(galley().args(["schema", name]));
    assert_eq!(out.status.code(), Some(0));
    let shipped = std::fs::read(root().join(format!(
        "schemas/{}.schema.json",
        if name == "criteria" {
            "recipe-criteria"
        } else {
            name
        }
    )))
    .unwrap();
    assert_eq!(
        out.stdout, shipped,
        "`galley schema {name}` prints the shipped file"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    jsonschema::validator_for(&doc).expect("a valid JSON Schema")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn galley_recipe_output_validates_against_the_recipe_result_schema() {
    let v = schema("recipe-result");
    let targets: [&[&str]; 4] = [
        &KUBEFLOW,
        &[
            "--service",
            "kind",
            "--intent",
            "inference",
            "--accelerator",
            "h100",
            "--platform",
            "dynamo",
        ],
        &["--service", "gke", "--os", "cos", "--nodes", "8"],
        &["--intent", "training"],
    ];
    for t in targets {
        for hydrate in [false, true] {
            let mut cmd = galley();
            cmd.args(["recipe", "--format", "json"]).args(t);
            if hydrate {
                cmd.arg("--hydrate");
            }
            let out = run(&mut cmd);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(errors(&v, &doc), Vec::<String>::new(), "{t:?}");
        }
    }
    let mut broken: Value = serde_json::from_slice(
        &run(galley().args(["recipe", "--format", "json", "--service", "eks"])).stdout,
    )
    .unwrap();
    broken["componentRefs"][0]["type"] = "Chart".into();
    broken["surprise"] = true.into();
    assert_eq!(errors(&v, &broken).len(), 2);
}

#[test]
fn criteria_files_validate_against_the_criteria_schema() {
    let v = schema("criteria");
    let good = serde_json::json!({
        "kind": "RecipeCriteria", "apiVersion": "aicr.nvidia.com/v1alpha1",
        "spec": { "service": "eks", "gpu": "H100", "os": "al2023", "nodes": 8 }
    });
    assert_eq!(errors(&v, &good), Vec::<String>::new());
    // The same document is one galley reads.
    let tmp = TempDir::new("criteria-schema");
    let file = tmp.path().join("c.json");
    std::fs::write(&file, good.to_string()).unwrap();
    let out = run(galley().arg("recipe").arg("--criteria").arg(&file));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for bad in [
        serde_json::json!({ "kind": "Recipe" }),
        serde_json::json!({ "spec": { "cloud": "eks" } }),
        serde_json::json!({ "spec": { "nodes": -1 } }),
    ] {
        assert!(!errors(&v, &bad).is_empty(), "{bad}");
    }
}

#[test]
fn check_json_is_versioned() {
    let out = run(galley().args(["check", "--format", "json"]));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert!(doc["diagnostics"].is_array() && doc["summary"].is_object());
}
