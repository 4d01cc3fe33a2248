use super::*;
use crate::diag::{Code, Severity};
use crate::source::Files;
use crate::source::Span;
use crate::syntax::ast::{ComponentDecl, RegistryStmt, ValidatorDecl, ValidatorStmt};
use proptest::prelude::*;

/// The embedded library as `galley export --format aicr` writes it: the AICR YAML these
/// tests read (the repository carries no copy of the reference's files).
fn exported() -> &'static std::collections::BTreeMap<String, Vec<u8>> {
    static FILES: std::sync::OnceLock<std::collections::BTreeMap<String, Vec<u8>>> =
        std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let data = galley::data::DataSet::new(vec![
            galley::data::Root::embedded_stdlib(),
            galley::data::Root::embedded_recipes(),
        ]);
        let (library, diags) = galley::check::check(data);
        assert!(!diags.has_errors(), "the embedded library has errors");
        let out = galley::export::export_aicr(&library);
        assert!(!out.has_errors(), "{:?}", out.diagnostics);
        out.files
    })
}

/// A lowered file with its file table, for locations.
struct Lowered {
    files: Files,
    out: AicrLowered,
}

fn lower_text(rel_path: &str, text: &str) -> Lowered {
    let mut files = Files::new();
    let id = files.add(rel_path, text);
    let out = lower(id, text, rel_path);
    Lowered { files, out }
}

/// A file of the export (see [`exported`]).
fn read(rel_path: &str) -> Option<String> {
    let bytes = exported()
        .get(rel_path)
        .unwrap_or_else(|| panic!("the export has no `{rel_path}`"));
    Some(String::from_utf8(bytes.clone()).expect("UTF-8"))
}

fn lower_file(rel_path: &str) -> Option<Lowered> {
    read(rel_path).map(|text| lower_text(rel_path, &text))
}

impl Lowered {
    fn items(&self) -> &[Item] {
        self.out.unit.as_ref().map_or(&[], |u| u.items.as_slice())
    }

    fn overlay(&self) -> &Overlay {
        match self.items() {
            [Item::Overlay(o)] => o,
            other => panic!(
                "expected one overlay, got {other:?} / {:?}",
                self.out.diagnostics
            ),
        }
    }

    fn errors(&self) -> Vec<&Diagnostic> {
        self.out
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect()
    }

    fn codes(&self) -> Vec<Code> {
        self.out.diagnostics.iter().map(|d| d.code).collect()
    }

    fn line(&self, span: Span) -> String {
        self.files.location(span)
    }

    /// The location `column` bytes into the one line that starts with `line`.
    fn at(&self, line: &str, column: usize) -> String {
        let file = crate::source::FileId(0);
        let text = self.files.text(file);
        let mut found = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with(line));
        let (n, _) = found.next().unwrap_or_else(|| panic!("no line `{line}`"));
        assert!(found.next().is_none(), "more than one line `{line}`");
        format!("{}:{}:{}", self.files.name(file), n + 1, column + 1)
    }
}

fn component<'a>(o: &'a Overlay, name: &str) -> &'a ComponentRef {
    o.components()
        .find(|c| c.name.node == name)
        .expect("component")
}

fn sets(c: &ComponentRef) -> Vec<(String, ValueKind)> {
    c.body
        .iter()
        .filter_map(|s| match s {
            ComponentStmt::Set(b) => Some(b),
            _ => None,
        })
        .flat_map(|b| &b.entries)
        .map(|a| {
            (
                a.path.keys().collect::<Vec<_>>().join("."),
                a.value.kind.clone(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The reference library
// ---------------------------------------------------------------------------------------

#[test]
fn every_reference_overlay_lowers_without_errors() {
    let mut names: Vec<String> = exported()
        .keys()
        .filter_map(|k| k.strip_prefix("overlays/"))
        .filter(|n| n.ends_with(".yaml"))
        .map(String::from)
        .collect();
    names.sort();
    assert_eq!(names.len(), 38);
    for name in &names {
        let rel = format!("overlays/{name}");
        let Some(l) = lower_file(&rel) else { return };
        let overlay = l.overlay();
        assert!(l.errors().is_empty(), "{rel}: {:?}", l.errors());
        for d in &l.out.diagnostics {
            assert_eq!(d.code, Code::YamlUnknownField, "{rel}: {d:?}");
            eprintln!("{rel}: warning: {}", d.message);
        }
        let expected = name.trim_end_matches(".yaml");
        assert_eq!(overlay.name.node, expected);
    }
}

#[test]
fn base_is_the_root_whatever_its_name() {
    let Some(l) = lower_file("overlays/base.yaml") else {
        return;
    };
    let o = l.overlay();
    assert_eq!(o.name.node, "base");
    assert!(o.extends.is_none() && o.criteria().is_none());
    assert_eq!(o.components().count(), 8);
    let renamed = lower_text(
        "overlays/base.yaml",
        "kind: RecipeMetadata\nmetadata: {name: root}\n",
    );
    assert_eq!(renamed.overlay().name.node, "base");
    let elsewhere = lower_text(
        "overlays/x.yaml",
        "kind: RecipeMetadata\nmetadata: {name: base}\n",
    );
    assert_eq!(elsewhere.overlay().name.node, "base");
}

#[test]
fn h100_eks_training_lowers_with_spans_on_the_right_lines() {
    let Some(l) = lower_file("overlays/h100-eks-training.yaml") else {
        return;
    };
    let o = l.overlay();
    assert_eq!(
        o.extends.as_ref().map(|e| e.node.as_str()),
        Some("eks-training")
    );
    assert_eq!(
        l.line(o.extends.as_ref().expect("extends").span),
        l.at("  base: eks-training", 8)
    );
    let when = o.criteria().expect("criteria");
    let terms: Vec<(&str, &str)> = when
        .terms
        .iter()
        .map(|t| (t.dimension.node.as_str(), t.value.node.as_str()))
        .collect();
    assert_eq!(
        terms,
        [
            ("service", "eks"),
            ("accelerator", "h100"),
            ("intent", "training")
        ]
    );
    assert_eq!(l.line(when.terms[1].span), l.at("    accelerator: h100", 4));
    let c = o.constraints().next().expect("constraint");
    assert_eq!((c.op.node, c.value.node.as_str()), (Op::Ge, "1.32.4"));
    assert_eq!(l.files.slice(c.op.span), ">=");
    assert_eq!(l.files.slice(c.value.span), "1.32.4");
    assert_eq!(l.line(c.value.span), l.at("      value: \">= 1.32.4\"", 17));
    assert_eq!(c.aicr_value(), ">= 1.32.4");
    let gpu = component(o, "gpu-operator");
    assert_eq!(l.line(gpu.name.span), l.at("    - name: gpu-operator", 12));
    match &gpu.body[0] {
        ComponentStmt::Needs(n) => assert_eq!(n.node.len(), 3),
        other => panic!("expected needs, got {other:?}"),
    }
    assert_eq!(
        sets(gpu),
        [
            ("cdi.enabled".to_string(), ValueKind::Bool(true)),
            ("gdrcopy.enabled".into(), ValueKind::Bool(true))
        ]
    );
}

#[test]
fn constraint_names_become_measurement_paths() {
    let Some(l) = lower_file("overlays/h100-eks-ubuntu-training.yaml") else {
        return;
    };
    let o = l.overlay();
    let paths: Vec<Vec<&str>> = o
        .constraints()
        .map(|c| c.path.segments.iter().map(|s| s.node.as_str()).collect())
        .collect();
    // The export flattens the `ubuntu-2404` mixin into the overlay (`export::flatten`).
    let at = |name: &str| {
        o.constraints()
            .position(|c| c.path.aicr_name() == name)
            .unwrap_or_else(|| panic!("{name} in {paths:?}"))
    };
    let sysctl_at = at("OS.sysctl./proc/sys/kernel/osrelease");
    assert_eq!(
        paths[sysctl_at],
        ["OS", "sysctl", "/proc/sys/kernel/osrelease"]
    );
    let version_id = o
        .constraints()
        .nth(at("OS.release.VERSION_ID"))
        .expect("VERSION_ID");
    assert_eq!(
        (version_id.op.node, version_id.value.node.as_str()),
        (Op::Exact, "24.04")
    );
    let sysctl = &o
        .constraints()
        .nth(sysctl_at)
        .expect("sysctl")
        .path
        .segments[2];
    assert_eq!(l.files.slice(sysctl.span), "/proc/sys/kernel/osrelease");
    let deployment = o
        .phases()
        .find(|p| p.name.node == "deployment")
        .expect("phase");
    let Some(PhaseStmt::Require(c)) = deployment
        .body
        .iter()
        .find(|s| matches!(s, PhaseStmt::Require(_)))
    else {
        panic!("no phase constraint")
    };
    assert_eq!(c.path.aicr_name(), "Deployment.gpu-operator.version");
    assert_eq!(c.path.segments.len(), 3);
    assert_eq!(
        o.phases().map(|p| p.name.node.as_str()).collect::<Vec<_>>(),
        ["deployment", "performance", "conformance"]
    );
}

#[test]
fn measurement_path_rules() {
    fn split(name: &str) -> Vec<&str> {
        path_ranges(name).into_iter().map(|r| &name[r]).collect()
    }
    assert_eq!(split("nccl-all-reduce-bw"), ["nccl-all-reduce-bw"]);
    assert_eq!(split("GPU.smi.gpu.model"), ["GPU", "smi", "gpu.model"]);
    assert_eq!(split("K8s.server.version"), ["K8s", "server", "version"]);
    assert_eq!(
        split("SystemD.containerd.service.ActiveState"),
        ["SystemD", "containerd.service", "ActiveState"]
    );
    assert_eq!(split("SystemD.x"), ["SystemD", "x"]);
    assert_eq!(split("OS.release"), ["OS", "release"]);
}

#[test]
fn operators_are_split_in_order() {
    let l = lower_text(
        "overlays/x.yaml",
        concat!(
            "kind: RecipeMetadata\nmetadata: {name: x}\nspec:\n  constraints:\n",
            "  - {name: a, value: '<= 2'}\n  - {name: b, value: '!=3'}\n",
            "  - {name: c, value: '== v1'}\n  - {name: d, value: '> 1'}\n",
            "  - {name: e, value: '<1'}\n  - {name: f, value: 300}\n",
        ),
    );
    let ops: Vec<(Op, &str)> = l
        .overlay()
        .constraints()
        .map(|c| (c.op.node, c.value.node.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            (Op::Le, "2"),
            (Op::Ne, "3"),
            (Op::Eq, "v1"),
            (Op::Gt, "1"),
            (Op::Lt, "1"),
            (Op::Exact, "300")
        ]
    );
}

#[test]
fn monitoring_hpa_keeps_any_and_extends_the_root() {
    let Some(l) = lower_file("overlays/monitoring-hpa.yaml") else {
        return;
    };
    let o = l.overlay();
    assert!(o.extends.is_none());
    let terms = &o.criteria().expect("criteria").terms;
    assert_eq!(
        (
            terms[0].dimension.node.as_str(),
            terms[0].value.node.as_str()
        ),
        ("intent", "any")
    );
}

#[test]
fn kind_overrides_flatten_to_leaves() {
    let Some(l) = lower_file("overlays/kind.yaml") else {
        return;
    };
    let o = l.overlay();
    let gpu = sets(component(o, "gpu-operator"));
    let get = |path: &str| gpu.iter().find(|(p, _)| p == path).map(|(_, v)| v.clone());
    assert_eq!(get("driver.enabled"), Some(ValueKind::Bool(false)));
    assert_eq!(get("driver.rdma.enabled"), Some(ValueKind::Bool(false)));
    assert_eq!(
        get("dcgmExporter.config.name"),
        Some(ValueKind::String(String::new()))
    );
    assert_eq!(get("devicePlugin.env"), Some(ValueKind::List(Vec::new())));
    let terms = get(
        "gfd.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
    );
    let Some(ValueKind::List(terms)) = terms else {
        panic!("nodeSelectorTerms: {terms:?}")
    };
    let ValueKind::Map(entries) = &terms[0].kind else {
        panic!("a map")
    };
    assert_eq!(
        entries[0].path.keys().collect::<Vec<_>>(),
        ["matchExpressions"]
    );
    let dra = sets(component(o, "nvidia-dra-driver-gpu"));
    assert_eq!(
        dra,
        [(
            "nvidiaDriverRoot".to_string(),
            ValueKind::String("/".into())
        )]
    );
    let net = component(o, "network-operator");
    assert!(net.body.contains(&ComponentStmt::Version(Spanned::new(
        "25.1.0".into(),
        Span::default()
    ))));
}

#[test]
fn quoted_versions_stay_text() {
    let Some(l) = lower_file("overlays/base.yaml") else {
        return;
    };
    let dra = component(l.overlay(), "nvidia-dra-driver-gpu");
    let version = dra.body.iter().find_map(|s| match s {
        ComponentStmt::Version(v) => Some(v.node.as_str()),
        _ => None,
    });
    assert_eq!(version, Some("25.12.0"));
    let plain = lower_text(
        "overlays/x.yaml",
        "metadata: {name: x}\nspec:\n  componentRefs:\n  - {name: a, version: 1.10}\n",
    );
    assert!(
        component(plain.overlay(), "a")
            .body
            .contains(&ComponentStmt::Version(Spanned::new(
                "1.10".into(),
                Span::default()
            )))
    );
}

#[test]
fn registry_gives_19_components() {
    let Some(l) = lower_file("registry.yaml") else {
        return;
    };
    assert!(l.errors().is_empty(), "{:?}", l.errors());
    let decls: Vec<&ComponentDecl> = l
        .items()
        .iter()
        .filter_map(|i| match i {
            Item::Component(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(decls.len(), 19);
    for d in &l.out.diagnostics {
        eprintln!("registry.yaml: warning: {} ({:?})", d.message, d.notes);
    }
    assert_eq!(l.codes(), [Code::YamlUnknownField]);
    assert_eq!(
        l.line(l.out.diagnostics[0].labels[0].span),
        l.at("    manifest:", 4)
    );
    let skyhook = decls
        .iter()
        .find(|d| d.name.node == "skyhook-customizations")
        .expect("skyhook");
    let helm = skyhook.body.iter().find_map(|s| match s {
        RegistryStmt::Helm(b) => Some(b),
        _ => None,
    });
    let fields: Vec<(&str, &str)> = helm
        .expect("helm")
        .fields
        .iter()
        .map(|(k, v)| (k.node.as_str(), v.node.as_str()))
        .collect();
    assert_eq!(fields, [("repository", ""), ("namespace", "skyhook")]);
    assert!(
        skyhook
            .body
            .iter()
            .any(|s| matches!(s, RegistryStmt::WorkloadSelector(_)))
    );
    let bundle: Vec<_> = skyhook
        .body
        .iter()
        .filter_map(|s| match s {
            RegistryStmt::BundleCheck(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(bundle.len(), 2);
    assert_eq!(bundle[1].conditions[0].1.len(), 2);
    let gpu = decls[0];
    let scheduling: Vec<_> = gpu
        .body
        .iter()
        .filter_map(|s| match s {
            RegistryStmt::Scheduling(b) => Some(b),
            _ => None,
        })
        .collect();
    assert_eq!(scheduling.len(), 2);
    let (field, paths) = &scheduling[0].fields[0];
    assert_eq!(field.node, "node-selector");
    assert_eq!(
        paths.node[1].keys().collect::<Vec<_>>(),
        ["node-feature-discovery", "gc", "nodeSelector"]
    );
    assert_eq!(l.files.slice(paths.node[1].segments[1].span), "gc");
}

#[test]
fn catalog_gives_16_validators() {
    let Some(l) = lower_file("validators/catalog.yaml") else {
        return;
    };
    assert!(l.out.diagnostics.is_empty(), "{:?}", l.out.diagnostics);
    let validators: Vec<&ValidatorDecl> = l
        .items()
        .iter()
        .filter_map(|i| match i {
            Item::Validator(v) => Some(v),
            _ => None,
        })
        .collect();
    assert_eq!(validators.len(), 16);
    let nccl = validators
        .iter()
        .find(|v| v.name.node == "nccl-all-reduce-bw")
        .expect("nccl");
    assert!(nccl.body.contains(&ValidatorStmt::Phase(Spanned::new(
        "performance".into(),
        Span::default()
    ))));
    assert!(nccl.body.contains(&ValidatorStmt::Timeout(Spanned::new(
        "30m".into(),
        Span::default()
    ))));
    assert!(!nccl.body.iter().any(|s| matches!(s, ValidatorStmt::Env(_))));
    let env = lower_text(
        "validators/catalog.yaml",
        "kind: ValidatorCatalog\nvalidators:\n- name: v\n  env: [{name: NCCL_DEBUG, value: INFO}]\n",
    );
    let Some(Item::Validator(v)) = env.items().first() else {
        panic!("a validator")
    };
    let Some(ValidatorStmt::Env(a)) = v.body.first() else {
        panic!("env")
    };
    assert_eq!(a.path.keys().collect::<Vec<_>>(), ["NCCL_DEBUG"]);
    assert_eq!(a.value.kind, ValueKind::String("INFO".into()));
}

// ---------------------------------------------------------------------------------------
// Leniency and errors
// ---------------------------------------------------------------------------------------

#[test]
fn unknown_fields_warn_with_a_suggestion() {
    let l = lower_text(
        "overlays/ext.yaml",
        "kind: RecipeMetadata\nmetadata:\n  name: ext\nspec:\n  components:\n    - name: gpu-operator\n",
    );
    let o = l.overlay();
    assert_eq!(o.components().count(), 0);
    let [d] = l.out.diagnostics.as_slice() else {
        panic!("{:?}", l.out.diagnostics)
    };
    assert_eq!(
        (d.code, d.severity),
        (Code::YamlUnknownField, Severity::Warning)
    );
    assert_eq!(
        d.message,
        "unknown field `components` in `spec`; the reference ignores it"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `componentRefs`?"));
    assert_eq!(l.line(d.labels[0].span), "overlays/ext.yaml:5:3");
    let enabled = lower_text(
        "overlays/x.yaml",
        "metadata: {name: x}\nspec:\n  componentRefs:\n  - {name: a, enabled: false}\n",
    );
    let [d] = enabled.out.diagnostics.as_slice() else {
        panic!("one warning")
    };
    assert!(
        d.help
            .as_deref()
            .is_some_and(|h| h.contains("overrides.enabled"))
    );
}

#[test]
fn foreign_kinds_are_skipped_silently() {
    let l = lower_text("overlays/x.yaml", "kind: ConfigMap\nmetadata: {name: x}\n");
    assert!(l.out.unit.is_none() && l.out.diagnostics.is_empty());
    for text in ["# nothing\n", "---\n", "~\n"] {
        let empty = lower_text("overlays/x.yaml", text);
        assert!(
            empty.out.unit.is_none() && empty.out.diagnostics.is_empty(),
            "{text:?}"
        );
    }
    let no_kind = lower_text("overlays/x.yaml", "metadata: {name: x}\nspec: {}\n");
    assert_eq!(no_kind.overlay().name.node, "x");
}

#[test]
fn criteria_edge_cases() {
    let l = lower_text(
        "overlays/x.yaml",
        "metadata: {name: x}\nspec:\n  criteria: {}\n",
    );
    assert!(l.overlay().criteria().is_some_and(|c| c.terms.is_empty()));
    let l = lower_text(
        "overlays/x.yaml",
        "metadata: {name: x}\nspec:\n  criteria: {service: '', nodes: 8, os: any}\n",
    );
    let terms: Vec<(&str, &str)> = l
        .overlay()
        .criteria()
        .expect("criteria")
        .terms
        .iter()
        .map(|t| (t.dimension.node.as_str(), t.value.node.as_str()))
        .collect();
    assert_eq!(terms, [("nodes", "8"), ("os", "any")]);
    let l = lower_text(
        "overlays/x.yaml",
        "metadata: {name: x}\nspec:\n  base: base\n",
    );
    assert!(l.overlay().extends.is_none() && l.overlay().criteria().is_none());
}

#[test]
fn wrong_shapes_are_errors() {
    let cases = [
        "metadata: {name: x}\nspec:\n  criteria: [eks]\n",
        "metadata: {name: x}\nspec:\n  componentRefs:\n  - name: a\n    dependencyRefs: {b: c}\n",
        "metadata: {name: x}\nspec:\n  componentRefs:\n  - type: Helm\n",
        "metadata: {name: x}\nspec:\n  componentRefs:\n  - {name: a, type: Chart}\n",
        "metadata: {name: x}\nspec:\n  componentRefs:\n  - {name: a, cleanup: yes}\n",
        "metadata: {name: x}\nspec:\n  criteria: {nodes: eight}\n",
        "metadata: {name: x}\nspec:\n  componentRefs: {a: b}\n",
        "metadata: {name: x}\nspec:\n  validation:\n    deployment: [a]\n",
        "metadata: {name: x}\nspec:\n  constraints:\n  - value: '>= 1'\n",
        "kind: RecipeMetadata\nmetadata: {}\n",
        "kind: RecipeMetadata\nspec: {}\n",
        "- a\n- b\n",
    ];
    for text in cases {
        let l = lower_text("overlays/x.yaml", text);
        assert!(
            l.codes().contains(&Code::YamlShape),
            "{text:?}: {:?}",
            l.out.diagnostics
        );
        for d in l.errors() {
            assert!(d.primary_span().is_some(), "{text:?}");
        }
    }
}

#[test]
fn malformed_yaml_gives_diagnostics() {
    let mut bomb = String::from("kind: RecipeMetadata\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
        ("h", "g"),
    ] {
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    let cases = [
        "kind: RecipeMetadata\nmetadata:\n  name: x\n bad: 1\n".to_string(),
        "kind: RecipeMetadata\nmetadata:\n\tname: x\n".to_string(),
        "kind: RecipeMetadata\nmetadata: {name: x}\nmetadata: {name: y}\n".to_string(),
        bomb,
    ];
    for text in &cases {
        let l = lower_text("overlays/x.yaml", text);
        assert!(l.out.unit.is_none());
        assert_eq!(l.codes(), [Code::YamlParse], "{text:?}");
        let span = l.out.diagnostics[0].primary_span().expect("a label");
        assert!(span.end as usize <= text.len());
    }
}

proptest! {
    #[test]
    fn lowering_never_panics(text in "[ \\n:,\\-\\[\\]{}&*'\"a-z0-9.]{0,160}") {
        let _ = lower(FileId(0), &text, "overlays/x.yaml");
        let prefixed = format!("kind: RecipeMetadata\nmetadata: {{name: x}}\nspec:\n  {text}");
        let _ = lower(FileId(0), &prefixed, "overlays/x.yaml");
    }
}
