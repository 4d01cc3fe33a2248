//! `galley export --format aicr`: the embedded library written as AICR YAML reads back into
//! the same recipes, and what AICR YAML cannot say is refused, with nothing written.

use crate::support::*;
use galley::check::Library;
use galley::data::{DataSet, Root};
use std::path::Path;

const SERVICES: [&str; 6] = ["any", "eks", "gke", "aks", "oke", "kind"];
const ACCELERATORS: [&str; 6] = ["any", "h100", "gb200", "b200", "a100", "l40"];
const INTENTS: [&str; 3] = ["any", "training", "inference"];
const OSES: [&str; 5] = ["any", "ubuntu", "rhel", "cos", "amazonlinux"];
const PLATFORMS: [&str; 3] = ["any", "dynamo", "kubeflow"];

fn checked(roots: Vec<Root>) -> Library {
    let (library, diags) = galley::check::check(DataSet::new(roots));
    let errors: Vec<&str> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    library
}

fn dir_root(dir: &Path) -> Root {
    let dir = camino::Utf8Path::from_path(dir).expect("UTF-8 path");
    Root::from_dir(dir).expect("readable")
}

/// Every target's hydrated `RecipeResult` (JSON), or the resolution's error messages.
fn recipes(library: &Library) -> Vec<(String, serde_json::Value)> {
    let resolver = galley::resolve::Resolver::new(library);
    let mut out = Vec::new();
    for s in SERVICES {
        for a in ACCELERATORS {
            for i in INTENTS {
                for o in OSES {
                    for p in PLATFORMS {
                        let target = [("service", s), ("accelerator", a), ("intent", i)];
                        let target = [target[0], target[1], target[2], ("os", o), ("platform", p)];
                        let mut q = galley::resolve::criteria::Query::any();
                        for (dim, value) in target {
                            q.set(&library.stdlib.dimensions, dim, value)
                                .expect("value");
                        }
                        let name = format!("{s}/{a}/{i}/{o}/{p}");
                        let doc = match resolver.resolve(&q) {
                            Ok(recipe) => {
                                let doc = galley::ir::result::RecipeResult::new(&recipe, true);
                                serde_json::to_value(&doc).expect("serialises")
                            }
                            Err(diags) => serde_json::json!(
                                diags.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
                            ),
                        };
                        out.push((name, doc));
                    }
                }
            }
        }
    }
    out
}

/// The one thing AICR YAML cannot carry for the shipped library: `gke-nccl-tcpxo`'s registry
/// namespace (`docs/compat.md`). Removed from `ours` where `theirs` lacks it; returns whether
/// it was.
fn forgive_manifest_namespace(ours: &mut serde_json::Value, theirs: &serde_json::Value) -> bool {
    let lacks = |doc: &serde_json::Value| {
        doc["componentRefs"].as_array().is_some_and(|refs| {
            refs.iter()
                .any(|c| c["name"] == "gke-nccl-tcpxo" && c.get("namespace").is_none())
        })
    };
    if !lacks(theirs) || lacks(ours) {
        return false;
    }
    let refs = ours["componentRefs"].as_array_mut().expect("componentRefs");
    let c = refs
        .iter_mut()
        .find(|c| c["name"] == "gke-nccl-tcpxo")
        .expect("gke-nccl-tcpxo");
    c.as_object_mut().expect("a map").shift_remove("namespace") == Some("kube-system".into())
}

/// Each target's recipe from `theirs` equals the embedded library's, byte for byte as JSON,
/// but for the manifest-only namespace; returns on how many targets that one applied.
fn assert_same_recipes(theirs: &Library, what: &str) -> usize {
    static EMBEDDED: std::sync::OnceLock<Vec<(String, serde_json::Value)>> =
        std::sync::OnceLock::new();
    let ours = EMBEDDED
        .get_or_init(|| {
            recipes(&checked(vec![
                Root::embedded_stdlib(),
                Root::embedded_recipes(),
            ]))
        })
        .clone();
    let theirs = recipes(theirs);
    assert_eq!(ours.len(), 1620);
    let mut forgiven = 0;
    let mut differ = Vec::new();
    for ((target, mut a), (_, b)) in ours.into_iter().zip(theirs) {
        forgiven += usize::from(forgive_manifest_namespace(&mut a, &b));
        let (a, b) = (a.to_string(), b.to_string());
        if a != b {
            let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
            let from = at.saturating_sub(120);
            differ.push(format!(
                "{target}:\n  embedded: …{:.240}\n  {what}: …{:.240}",
                &a[from..],
                &b[from..]
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} targets differ:\n{}",
        differ.len(),
        differ[..differ.len().min(5)].join("\n")
    );
    forgiven
}

#[test]
fn the_export_alone_gives_every_target_the_same_recipe() {
    let export = aicr_recipes();
    let library = checked(vec![Root::embedded_stdlib(), dir_root(&export)]);
    assert_eq!(library.overlays.len(), 38);
    assert!(
        library
            .overlays
            .values()
            .all(|o| o.syntax == galley::syntax::ast::Syntax::AicrYaml),
        "every overlay comes from the export's YAML"
    );
    let forgiven = assert_same_recipes(&library, "export");
    assert_eq!(forgiven, 3, "the three gke/h100/training/cos targets");
}

#[test]
fn the_export_imported_back_gives_every_target_the_same_recipe() {
    let tmp = TempDir::new("export-import");
    let out = run(galley()
        .arg("import")
        .arg(aicr_recipes())
        .arg("--out")
        .arg(tmp.path().join("ovl")));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let library = checked(vec![
        Root::embedded_stdlib(),
        dir_root(&tmp.path().join("ovl")),
    ]);
    assert!(
        library
            .overlays
            .values()
            .all(|o| o.syntax == galley::syntax::ast::Syntax::Ovl)
    );
    assert_eq!(assert_same_recipes(&library, "import"), 3);
}

#[test]
fn the_export_as_data_replaces_every_overlay_and_component() {
    let out = run(galley()
        .args(["check", "--format", "json", "--data"])
        .arg(aicr_recipes()));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let count = |key: &str| report["summary"][key].as_array().map(Vec::len);
    assert_eq!(count("replaced_overlays"), Some(38));
    assert_eq!(count("replaced_components"), Some(19));
    assert_eq!(count("added_overlays"), Some(0));
    let args = [
        "recipe",
        "--hydrate",
        "--service",
        "gke",
        "--accelerator",
        "h100",
    ];
    let args = [&args[..], &["--intent", "training", "--os", "cos"]].concat();
    let embedded = run(galley().args(&args));
    let layered = run(galley().args(&args).arg("--data").arg(aicr_recipes()));
    assert_eq!(layered.status.code(), Some(0), "{}", stderr(&layered));
    let without_ns = stdout(&embedded).replacen("    namespace: kube-system\n", "", 1);
    assert_ne!(
        without_ns,
        stdout(&embedded),
        "the recipe names the namespace"
    );
    assert_eq!(stdout(&layered), without_ns);
}

#[test]
fn export_writes_an_aicr_directory_and_says_what_it_could_not_carry() {
    let tmp = TempDir::new("export-cli");
    let dir = tmp.path().join("aicr");
    let out = run(galley().args(["export", "--format", "aicr"]).arg(&dir));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("galley::export::unsupported"), "{err}");
    assert!(err.contains("manifest.defaultNamespace"), "{err}");
    assert!(err.contains("exported 38 overlays, 19 registry components and 16 validators"));
    let overlays = files_with_ext(&dir.join("overlays"), &["yaml"]);
    assert_eq!(overlays.len(), 38);
    let kubeflow =
        std::fs::read_to_string(dir.join("overlays/h100-eks-ubuntu-training-kubeflow.yaml"))
            .unwrap();
    assert!(
        kubeflow.contains("kind: RecipeMetadata\napiVersion: aicr.nvidia.com/v1alpha1\nmetadata:\n  name: h100-eks-ubuntu-training-kubeflow\nspec:\n  base: h100-eks-ubuntu-training\n"),
        "{kubeflow}"
    );
    // The parent includes the `ubuntu-2404` mixin, which the export flattens into it.
    let ubuntu =
        std::fs::read_to_string(dir.join("overlays/h100-eks-ubuntu-training.yaml")).unwrap();
    for line in [
        "    - name: OS.release.VERSION_ID\n      value: \"24.04\"\n",
        "    - name: OS.sysctl./proc/sys/kernel/osrelease\n      value: \">= 6.8\"\n",
    ] {
        assert!(ubuntu.contains(line), "{line:?} in:\n{ubuntu}");
    }
    assert!(
        !std::fs::read_to_string(dir.join("overlays/eks.yaml"))
            .unwrap()
            .contains("base:")
    );
    let registry = std::fs::read_to_string(dir.join("registry.yaml")).unwrap();
    assert!(registry.contains("kind: ComponentRegistry\n"));
    assert!(registry.contains("    manifest:\n      defaultNamespace: kube-system\n"));
    let catalog = std::fs::read_to_string(dir.join("validators/catalog.yaml")).unwrap();
    assert!(catalog.contains("kind: ValidatorCatalog\n"));
    for data in [
        "components/gpu-operator/values.yaml",
        "checks/gpu-operator/health-check.yaml",
    ] {
        assert!(dir.join(data).is_file(), "{data}");
    }
    // Values files AICR reads alone carry what galley stacks under them.
    let aks = std::fs::read_to_string(dir.join("components/gpu-operator/values-aks-training.yaml"))
        .unwrap();
    assert!(aks.starts_with("# Written by `galley export`"), "{aks}");
    assert!(
        aks.contains("`components/gpu-operator/values-aks.yaml`"),
        "{aks}"
    );

    // A second export into the same directory needs --force.
    let again = run(galley().arg("export").arg(&dir));
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    let forced = run(galley().arg("export").arg(&dir).arg("--force"));
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
}

/// A data layer with what AICR YAML cannot say: each is an error, and nothing is written.
#[test]
fn what_aicr_yaml_cannot_say_is_refused_and_nothing_is_written() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "priority",
            "overlay eks-first extends eks priority 5 {\n  when service = eks, accelerator = b200\n}\n",
            "`priority 5`",
        ),
        (
            "unset",
            "overlay eks-lean extends eks {\n  when service = eks, accelerator = a100\n  component gpu-operator {\n    unset driver.rdma\n  }\n}\n",
            "`unset` in component `gpu-operator`",
        ),
        (
            "dimension",
            "dimension accelerator += h200\n",
            "dimension `accelerator` is declared by a data layer",
        ),
        (
            "cleanup",
            "overlay eks-keep extends eks {\n  when service = eks, accelerator = l40\n  component gpu-operator {\n    cleanup false\n  }\n}\n",
            "overlay `eks-keep` does not read back the same from AICR YAML",
        ),
    ];
    for (tag, text, message) in cases {
        let tmp = TempDir::new(&format!("export-refuse-{tag}"));
        let data = tmp.path().join("data");
        std::fs::create_dir_all(data.join("overlays")).unwrap();
        std::fs::write(data.join("overlays/x.ovl"), text).unwrap();
        let check = run(galley().arg("check").arg("--data").arg(&data));
        assert_eq!(check.status.code(), Some(0), "{tag}: {}", stderr(&check));
        let out_dir = tmp.path().join("out");
        let out = run(galley()
            .arg("export")
            .arg(&out_dir)
            .arg("--data")
            .arg(&data));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{tag}: {err}");
        assert!(err.contains("galley::export::unsupported"), "{tag}: {err}");
        assert!(err.contains(message), "{tag}: {message:?} in {err}");
        assert!(err.contains("nothing was written"), "{tag}: {err}");
        assert!(!out_dir.exists(), "{tag}");
    }
}

#[test]
fn a_library_with_errors_is_not_exported() {
    let tmp = TempDir::new("export-broken");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("overlays")).unwrap();
    std::fs::write(
        data.join("overlays/x.ovl"),
        "overlay x extends nowhere {\n}\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let out = run(galley()
        .arg("export")
        .arg(&out_dir)
        .arg("--data")
        .arg(&data));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("galley::check::unknown-extends"));
    assert!(!out_dir.exists());
}
