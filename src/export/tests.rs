use super::*;
use crate::data::{DataSet, Root};
use std::sync::Arc;

fn library(extra: &[(&str, &str)]) -> Library {
    let mut roots = vec![Root::embedded_stdlib(), Root::embedded_recipes()];
    if !extra.is_empty() {
        roots.push(Root {
            label: "data".into(),
            dir: None,
            embedded: false,
            files: extra
                .iter()
                .map(|(k, v)| (k.to_string(), Entry::Text(Arc::from(*v))))
                .collect(),
        });
    }
    let (lib, diags) = crate::check::check(DataSet::new(roots));
    assert!(
        !diags.has_errors(),
        "{:?}",
        diags.iter().collect::<Vec<_>>()
    );
    lib
}

#[test]
fn the_embedded_library_exports_with_one_warning() {
    let out = export_aicr(&library(&[]));
    let messages: Vec<(Severity, &str)> = out
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.message.as_str()))
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].0, Severity::Warning);
    assert!(messages[0].1.contains("gke-nccl-tcpxo"), "{messages:?}");
    assert_eq!((out.overlays, out.components, out.validators), (38, 19, 16));
    assert!(out.files.contains_key("overlays/base.yaml"));
    assert!(
        out.files
            .contains_key("checks/gpu-operator/health-check.yaml")
    );
}

#[test]
fn a_values_file_stacks_its_ancestors_files_for_aicr() {
    let out = export_aicr(&library(&[]));
    let text =
        String::from_utf8(out.files["components/gpu-operator/values-aks-training.yaml"].clone())
            .unwrap();
    let own = crate::data::Root::embedded_recipes();
    let Some(Entry::Text(parent)) = own.files.get("components/gpu-operator/values-aks.yaml") else {
        panic!("values-aks.yaml is embedded")
    };
    // Every top-level key of the parent's file reaches the child's exported file.
    for line in parent
        .lines()
        .filter(|l| !l.starts_with([' ', '#']) && l.contains(':'))
    {
        let key = line.split(':').next().unwrap();
        assert!(text.contains(&format!("\n{key}:")), "{key} in\n{text}");
    }
}

#[test]
fn a_values_file_shared_by_different_ancestors_is_refused() {
    let parent = |name: &str, acc: &str, file: &str| {
        format!(
            "overlay {name} {{\n  when service = oke, accelerator = {acc}\n  component gpu-operator {{\n    values \"{file}\"\n  }}\n}}\n"
        )
    };
    let child = |name: &str, of: &str, acc: &str| {
        format!(
            "overlay {name} extends {of} {{\n  when service = oke, accelerator = {acc}, intent = training\n  component gpu-operator {{\n    values \"components/gpu-operator/shared.yaml\"\n  }}\n}}\n"
        )
    };
    let (p1, p2) = (
        parent("p1", "a100", "components/gpu-operator/p1.yaml"),
        parent("p2", "l40", "components/gpu-operator/p2.yaml"),
    );
    let (c1, c2) = (child("c1", "p1", "a100"), child("c2", "p2", "l40"));
    let lib = library(&[
        ("overlays/p1.ovl", &p1),
        ("overlays/p2.ovl", &p2),
        ("overlays/c1.ovl", &c1),
        ("overlays/c2.ovl", &c2),
        ("components/gpu-operator/p1.yaml", "a: 1\n"),
        ("components/gpu-operator/p2.yaml", "a: 2\n"),
        ("components/gpu-operator/shared.yaml", "b: 3\n"),
    ]);
    let out = export_aicr(&lib);
    assert!(out.has_errors());
    let shared: Vec<&Diagnostic> = out
        .diagnostics
        .iter()
        .filter(|d| {
            d.message
                .contains("values file `components/gpu-operator/shared.yaml`")
        })
        .collect();
    assert_eq!(shared.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(shared[0].code, Code::ExportUnsupported);
}

#[test]
fn a_dotted_segment_in_a_measurement_name_is_caught() {
    let a = docs::Dotted(vec!["OS".into(), "sysctl".into(), "a.b".into()]);
    let b = docs::Dotted(vec!["OS".into(), "sysctl".into(), "a".into(), "b".into()]);
    assert_ne!(a, b);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}
