//! The layer rule of docs/architecture.md: a galley crate depends only on crates of a lower
//! layer. Crate edges make the compiler refuse an upward `use`; this test refuses an upward
//! (or sideways) edge in a Cargo.toml, read through `cargo metadata`.

use serde_json::Value;

/// Each galley crate and its layer, bottom first: the rule, written once here and once in
/// docs/architecture.md. A crate may depend only on crates of a strictly lower layer.
const LAYERS: &[(&str, u32)] = &[
    ("galley-syntax", 0),
    ("galley-check", 1),
    ("galley-ir", 2),
    ("galley-resolve", 3),
    ("galley-measure", 3),
    ("galley-analyze", 4),
    ("galley-bundle", 4),
    ("galley-validate", 4),
    ("galley", 5),
];

fn layer(name: &str) -> Option<u32> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

fn is_galley(name: &str) -> bool {
    name == "galley" || name.starts_with("galley-")
}

/// Every way `metadata` (the JSON of `cargo metadata --no-deps`) breaks the rule: a galley
/// crate missing from [`LAYERS`], or a normal or build dependency on a galley crate that is
/// not in a lower layer. Dev-dependencies are exempt (a test may use the whole pipeline).
fn violations(metadata: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    for p in &packages {
        let Some(name) = p["name"].as_str().filter(|n| is_galley(n)) else {
            continue;
        };
        let Some(own) = layer(name) else {
            out.push(format!("`{name}` is not in the layer table"));
            continue;
        };
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or_default();
            if !is_galley(dep) || d["kind"].as_str() == Some("dev") {
                continue;
            }
            match layer(dep) {
                Some(l) if l < own => {}
                Some(l) => out.push(format!(
                    "`{name}` (layer {own}) depends on `{dep}` (layer {l}), which is not below it"
                )),
                None => out.push(format!(
                    "`{name}` depends on `{dep}`, not in the layer table"
                )),
            }
        }
    }
    out
}

fn workspace_metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

#[test]
fn no_crate_depends_on_a_crate_above_it() {
    let metadata = workspace_metadata();
    let names: Vec<&str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for (name, _) in LAYERS {
        assert!(names.contains(name), "`{name}` is not a workspace member");
    }
    let found = violations(&metadata);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn an_upward_or_sideways_edge_is_refused() {
    let dep = |name: &str, kind: Option<&str>| serde_json::json!({ "name": name, "kind": kind });
    let metadata = serde_json::json!({ "packages": [
        { "name": "galley-check", "dependencies": [
            dep("galley-syntax", None), dep("galley-ir", None), dep("galley", Some("dev")),
        ] },
        { "name": "galley-bundle", "dependencies": [dep("galley-analyze", Some("build"))] },
        { "name": "galley-extra", "dependencies": [] },
        { "name": "serde", "dependencies": [dep("galley", None)] },
    ] });
    let found = violations(&metadata);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].contains("`galley-check` (layer 1) depends on `galley-ir` (layer 2)"));
    assert!(found[1].contains("`galley-bundle` (layer 4) depends on `galley-analyze` (layer 4)"));
    assert!(found[2].contains("`galley-extra` is not in the layer table"));
}
