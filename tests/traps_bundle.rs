//! Bundle trees say what they hold (issue 12 §4): folder numbers are consecutive, and every
//! README entry and `bundle.yaml` folder names something the bundle really has, for every
//! deployer.

use crate::support::*;
use galley::source::FileId;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const DEPLOYERS: [&str; 4] = ["helm", "argocd", "flux", "helmfile"];

/// KUBEFLOW has a component without a chart (manifests only); the dynamo target has remote
/// manifests (a `-pre` folder).
fn targets() -> [Vec<&'static str>; 2] {
    [
        KUBEFLOW.to_vec(),
        vec![
            "--service", "eks", "--accelerator", "h100", "--intent", "inference", "--os",
            "ubuntu", "--platform", "dynamo",
        ],
    ]
}

pub fn write_bundle(dir: &Path, deployer: &str, target: &[&str]) -> BTreeMap<String, String> {
    let out = run(galley()
        .arg("bundle")
        .args(target)
        .args(["--deployer", deployer, "--repo", "https://example.com/r.git", "-o"])
        .arg(dir));
    assert!(out.status.success(), "{deployer}: {}", stderr(&out));
    files_with_ext(dir, &["yaml", "md", "sh", "txt", "tpl"])
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn yaml_docs(text: &str) -> Vec<Json> {
    galley::syntax::yaml::parse_documents(FileId(0), text)
        .unwrap_or_else(|d| panic!("{}\n{text}", d.message))
        .iter()
        .map(|n| serde_json::to_value(n.to_value()).unwrap())
        .collect()
}

/// The table rows of a Markdown section (header and separator left out).
fn table(readme: &str, heading: &str) -> Vec<Vec<String>> {
    readme
        .lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect()
}

fn names_list(cell: &str) -> BTreeSet<String> {
    cell.split(", ").filter(|c| *c != "-").map(str::to_string).collect()
}

fn folders(tree: &BTreeMap<String, String>) -> BTreeSet<String> {
    tree.keys().filter_map(|k| k.split_once('/')).map(|(d, _)| d.to_string()).collect()
}

#[test]
fn folder_numbers_are_consecutive_and_bundle_yaml_names_real_folders() {
    let tmp = TempDir::new("traps-numbers");
    for (i, target) in targets().iter().enumerate() {
        for deployer in DEPLOYERS {
            let tree = write_bundle(&tmp.path().join(format!("{deployer}-{i}")), deployer, target);
            let dirs = folders(&tree);
            let numbers: Vec<usize> = dirs
                .iter()
                .filter_map(|d| d.get(..3).and_then(|n| n.parse().ok()))
                .collect();
            let expected: Vec<usize> = (1..=numbers.len()).collect();
            assert_eq!(numbers, expected, "{deployer} {target:?}: {dirs:?}");
            let manifest = &yaml_docs(&tree["bundle.yaml"])[0];
            for c in manifest["components"].as_array().unwrap() {
                if let Some(folder) = c["folder"].as_str() {
                    assert!(dirs.contains(folder), "{deployer}: bundle.yaml names `{folder}`");
                }
            }
        }
    }
}

/// Name → dependencies of every Flux object in the tree.
fn flux_objects(tree: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (path, text) in tree.iter().filter(|(p, _)| p.contains('/') && !p.starts_with("sources/")) {
        if !path.ends_with(".yaml") || path.contains("/templates/") {
            continue;
        }
        for doc in yaml_docs(text) {
            if matches!(doc["kind"].as_str(), Some("HelmRelease" | "Kustomization"))
                && doc["apiVersion"].as_str().is_some_and(|a| a.contains("fluxcd.io"))
            {
                let deps = doc["spec"]["dependsOn"]
                    .as_array()
                    .map(|l| l.iter().map(|d| d["name"].as_str().unwrap().to_string()).collect())
                    .unwrap_or_default();
                out.insert(doc["metadata"]["name"].as_str().unwrap().to_string(), deps);
            }
        }
    }
    out
}

/// Name → needs of every release in `helmfile.yaml`.
fn helmfile_releases(tree: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let doc = &yaml_docs(&tree["helmfile.yaml"])[0];
    doc["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let needs = r["needs"]
                .as_array()
                .map(|l| l.iter().map(|n| n.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (r["name"].as_str().unwrap().to_string(), needs)
        })
        .collect()
}

fn argocd_applications(tree: &BTreeMap<String, String>) -> BTreeSet<String> {
    tree.iter()
        .filter(|(p, _)| p.ends_with("/application.yaml"))
        .map(|(_, t)| yaml_docs(t)[0]["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_readme_entry_names_something_the_bundle_has() {
    let tmp = TempDir::new("traps-readme");
    for (i, target) in targets().iter().enumerate() {
        for deployer in DEPLOYERS {
            let tree = write_bundle(&tmp.path().join(format!("{deployer}-{i}")), deployer, target);
            let readme = &tree["README.md"];
            let dirs = folders(&tree);
            for quoted in readme.split('`').skip(1).step_by(2) {
                if quoted.len() > 4 && quoted.as_bytes()[..3].iter().all(u8::is_ascii_digit) {
                    assert!(dirs.contains(quoted), "{deployer}: README names `{quoted}`");
                }
            }
            match deployer {
                "flux" => {
                    let objects = flux_objects(&tree);
                    let rows = table(readme, "## Resources");
                    let listed: BTreeMap<String, BTreeSet<String>> =
                        rows.iter().map(|r| (r[0].clone(), names_list(&r[4]))).collect();
                    assert_eq!(listed, objects, "flux README vs. objects");
                }
                "helmfile" => {
                    let releases = helmfile_releases(&tree);
                    let rows = table(readme, "## Releases");
                    let listed: BTreeMap<String, BTreeSet<String>> =
                        rows.iter().map(|r| (r[0].clone(), names_list(&r[4]))).collect();
                    assert_eq!(listed, releases, "helmfile README vs. helmfile.yaml");
                }
                "argocd" => {
                    let apps = argocd_applications(&tree);
                    let listed: BTreeSet<String> = table(readme, "## Applications")
                        .into_iter()
                        .map(|r| r[1].clone())
                        .collect();
                    assert_eq!(listed, apps, "argocd README vs. Applications");
                }
                _ => {
                    let listed = table(readme, "## Components");
                    assert!(!listed.is_empty());
                    for r in listed {
                        assert!(dirs.contains(r[0].trim_matches('`')), "helm README: {r:?}");
                    }
                }
            }
        }
    }
}
