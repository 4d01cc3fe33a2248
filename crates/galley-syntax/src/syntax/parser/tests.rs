use super::*;
use crate::diag::Code;

const F: FileId = FileId(0);

/// Parses text that must be free of errors.
fn ok(text: &str) -> SourceUnit {
    let (unit, diags) = parse(F, text);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for\n{text}\n{diags:#?}"
    );
    unit
}

fn errs(text: &str) -> Vec<Diagnostic> {
    parse(F, text).1
}

/// The items' debug text without spans: AST nodes' `span` fields take part in their derived
/// `PartialEq` (only `Spanned` ignores its span), so layout-independent equality compares this.
pub(crate) fn shape(items: &[Item]) -> String {
    let debug = format!("{items:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("Span { file: ") {
        out.push_str(&rest[..i]);
        out.push('_');
        rest = &rest[i..];
        rest = &rest[rest.find('}').map_or(rest.len(), |n| n + 1)..];
    }
    out.push_str(rest);
    out
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.range()]
}

fn overlay(unit: &SourceUnit) -> &Overlay {
    match &unit.items[0] {
        Item::Overlay(o) => o,
        other => panic!("not an overlay: {other:?}"),
    }
}

fn component(unit: &SourceUnit) -> &ComponentRef {
    overlay(unit).components().next().expect("a component")
}

/// The examples of docs/language.md, one per construct.
pub(crate) const SPEC_EXAMPLES: &[&str] = &[
    r#"// recipes/overlays/h100-eks-training.ovl
overlay h100-eks-training extends eks-training {
  when service = eks, accelerator = h100, intent = training

  require K8s.server.version >= 1.32.4

  component gpu-operator {
    needs cert-manager, kube-prometheus-stack, skyhook-customizations
    set {
      cdi.enabled = true
      gdrcopy.enabled = true
    }
  }
}
"#,
    r#"overlay monitoring-hpa priority 5 {
  when intent = any          // matches every target (a mixin such as monitoring-hpa)
}
overlay eight { when nodes = 8 }
overlay everything { when any }
"#,
    r#"overlay c {
  require K8s.server.version >= 1.32.4
  require OS.release.ID = ubuntu
  require OS.release.VERSION_ID = "24.04"
  require OS.sysctl["/proc/sys/kernel/osrelease"] >= 6.8
  require SystemD["containerd.service"].ActiveState = active
  require K8s.server.version >= 1.30 {
    severity warning
    remediation "upgrade the control plane"
    unit "version"
  }
  require a == 1
  require a != 1
  require a <= 1
  require a < 1
  require a > 1
}
"#,
    r#"overlay x {
component gpu-operator {
  type helm                                   // helm (default) or kustomize
  source "https://helm.ngc.nvidia.com/nvidia" // Helm repository, oci:// URL, or Kustomize source
  chart gpu-operator
  version v25.10.1
  namespace gpu-operator
  values "components/gpu-operator/values.yaml"
  manifests "components/gpu-operator/manifests/dcgm-exporter.yaml"
  needs cert-manager, kube-prometheus-stack
  enabled false
  cleanup true
  expect Deployment gpu-operator in gpu-operator
  health-asserts "apiVersion: v1\nkind: Pod\n..."
  set {
    cdi.enabled = true
    driver.version = "580.65.06"
    daemonsets.tolerations = [{ key = "nvidia.com/gpu", operator = "Exists" }]
    "nvidia.com/gpu.deploy" = { operands = true }
    storageSpec.emptyDir = null               // null is a value, as in Helm
  }
  unset driver.rdma                           // deletion
}
component k {
  type kustomize
  tag "v1.2.0"
  path "config/default"
  patches "patch.yaml", "b.yaml"
  expect Service k
}
}
"#,
    r#"overlay p {
validate performance {
  timeout 30m
  checks nccl-all-reduce-bw
  require nccl-all-reduce-bw >= 300
  node-selector "nvidia.com/gpu.present" = "true"
  max-nodes 8
  exclude-nodes "node-a", "node-b"
  infrastructure nccl-operator
}
}
"#,
    r#"dimension service = eks | gke | aks | oke | kind {
  alias self-managed, self, vanilla = any
}
dimension os = ubuntu | rhel | cos | amazonlinux {
  alias al2, al2023 = amazonlinux
}
dimension nodes : count
dimension accelerator += h200      // in a user's data directory: add a value
"#,
    r#"measurement K8s.server.version : version
measurement GPU.smi.gpu-count : int
measurement OS.sysctl[*] : string            // a keyed family: any key
measurement SystemD[*].ActiveState : string
measurement nccl-all-reduce-bw : number { unit "GB/s" }
measurement flag : bool
"#,
    r#"component gpu-operator {
  display-name "gpu-operator"
  aliases gpuoperator
  helm {
    repository "https://helm.ngc.nvidia.com/nvidia"
    chart "nvidia/gpu-operator"
    version v25.10.1
    namespace gpu-operator
  }
  health-check "checks/gpu-operator/health-check.yaml"
  system {
    node-selector operator.nodeSelector, node-feature-discovery.gc.nodeSelector
    tolerations operator.tolerations
  }
  accelerated {
    node-selector daemonsets.nodeSelector
    tolerations daemonsets.tolerations
    taints a.path
    taint-string controllerManager.manager.env.runtimeRequiredTaint
  }
  node-count estimatedNodeCount
  workload-selector workloadSelector
  bundle-check CheckWorkloadSelectorMissing warning when intent = training "message"
}
component kyverno {
  kustomize { source "github.com/x/y" path "config" tag v1 namespace kyverno }
}
component crds { namespace kube-system }
"#,
    r#"validator nccl-all-reduce-bw {
  phase performance
  description "Verify NCCL All Reduce Bus Bandwidth meets threshold"
  image "ghcr.io/nvidia/aicr-validators/performance:latest"
  timeout 30m
  args "nccl-all-reduce-bw"
  env NCCL_DEBUG = "INFO"
}
"#,
];

#[test]
fn every_spec_example_parses() {
    for text in SPEC_EXAMPLES {
        let unit = ok(text);
        assert!(!unit.items.is_empty());
        assert_eq!(unit.syntax, Syntax::Ovl);
    }
}

#[test]
fn overlay_header_and_criteria() {
    let text = SPEC_EXAMPLES[0];
    let unit = ok(text);
    let o = overlay(&unit);
    assert_eq!(o.name.node, "h100-eks-training");
    assert_eq!(slice(text, o.name.span), "h100-eks-training");
    assert_eq!(
        o.extends.as_ref().map(|e| e.node.as_str()),
        Some("eks-training")
    );
    let c = o.criteria().expect("when");
    let terms: Vec<_> = c
        .terms
        .iter()
        .map(|t| (t.dimension.as_str(), t.value.as_str()))
        .collect();
    assert_eq!(
        terms,
        [
            ("service", "eks"),
            ("accelerator", "h100"),
            ("intent", "training")
        ]
    );
    assert_eq!(
        slice(text, c.span),
        "when service = eks, accelerator = h100, intent = training"
    );
    assert_eq!(slice(text, c.terms[1].span), "accelerator = h100");
    assert!(slice(text, o.span).starts_with("overlay h100") && slice(text, o.span).ends_with('}'));
    assert_eq!(unit.comments.len(), 1);
    assert_eq!(
        unit.comments[0].text,
        " recipes/overlays/h100-eks-training.ovl"
    );
}

#[test]
fn when_any_has_no_terms_and_priority_is_kept() {
    let unit = ok(SPEC_EXAMPLES[1]);
    let Item::Overlay(everything) = &unit.items[2] else {
        panic!()
    };
    assert!(everything.criteria().expect("when").terms.is_empty());
    assert_eq!(overlay(&unit).priority.map(|p| p.node), Some(5));
    let Item::Overlay(eight) = &unit.items[1] else {
        panic!()
    };
    assert_eq!(eight.criteria().unwrap().terms[0].value.node, "8");
}

#[test]
fn constraints() {
    let text = SPEC_EXAMPLES[2];
    let unit = ok(text);
    let cs: Vec<_> = overlay(&unit).constraints().collect();
    assert_eq!(cs[0].path.aicr_name(), "K8s.server.version");
    assert_eq!(cs[0].aicr_value(), ">= 1.32.4");
    assert_eq!(cs[1].op.node, Op::Exact);
    assert_eq!(cs[2].value.node, "24.04");
    assert_eq!(slice(text, cs[2].value.span), "\"24.04\"");
    assert_eq!(cs[3].path.segments[2].node, "/proc/sys/kernel/osrelease");
    assert_eq!(
        cs[4].path.aicr_name(),
        "SystemD.containerd.service.ActiveState"
    );
    assert_eq!(
        slice(text, cs[4].path.span),
        "SystemD[\"containerd.service\"].ActiveState"
    );
    assert_eq!(cs[5].severity.as_ref().unwrap().node, "warning");
    assert_eq!(
        cs[5].remediation.as_ref().unwrap().node,
        "upgrade the control plane"
    );
    assert_eq!(cs[5].unit.as_ref().unwrap().node, "version");
    let ops: Vec<_> = cs[6..].iter().map(|c| c.op.node).collect();
    assert_eq!(ops, [Op::Eq, Op::Ne, Op::Le, Op::Lt, Op::Gt]);
    assert_eq!(slice(text, cs[6].op.span), "==");
}

#[test]
fn component_statements() {
    let text = SPEC_EXAMPLES[3];
    let unit = ok(text);
    let c = component(&unit);
    let keywords: Vec<_> = c.body.iter().map(ComponentStmt::keyword).collect();
    assert_eq!(
        keywords,
        [
            "type",
            "source",
            "chart",
            "version",
            "namespace",
            "values",
            "manifests",
            "needs",
            "enabled",
            "cleanup",
            "expect",
            "health-asserts",
            "set",
            "unset"
        ]
    );
    let ComponentStmt::HealthAsserts(h) = &c.body[11] else {
        panic!()
    };
    assert_eq!(h.node, "apiVersion: v1\nkind: Pod\n...");
    let ComponentStmt::Expect(e) = &c.body[10] else {
        panic!()
    };
    assert_eq!(
        (e.kind.as_str(), e.name.as_str()),
        ("Deployment", "gpu-operator")
    );
    assert_eq!(e.namespace.as_ref().unwrap().node, "gpu-operator");
    let ComponentStmt::Needs(n) = &c.body[7] else {
        panic!()
    };
    assert_eq!(
        slice(text, n.span),
        "needs cert-manager, kube-prometheus-stack"
    );
    let ComponentStmt::Set(set) = &c.body[12] else {
        panic!()
    };
    assert_eq!(set.entries.len(), 5);
    assert!(slice(text, set.span).starts_with("set {") && slice(text, set.span).ends_with('}'));
    let keys: Vec<Vec<&str>> = set
        .entries
        .iter()
        .map(|a| a.path.keys().collect())
        .collect();
    assert_eq!(keys[3], ["nvidia.com/gpu.deploy"]);
    assert_eq!(keys[0], ["cdi", "enabled"]);
    assert_eq!(
        slice(text, set.entries[1].span),
        "driver.version = \"580.65.06\""
    );
    let ValueKind::List(l) = &set.entries[2].value.kind else {
        panic!()
    };
    let ValueKind::Map(m) = &l[0].kind else {
        panic!()
    };
    assert_eq!(m.len(), 2);
    assert_eq!(m[1].value.kind, ValueKind::String("Exists".into()));
    assert_eq!(set.entries[4].value.kind, ValueKind::Null);
    let Item::Overlay(o) = &unit.items[0] else {
        panic!()
    };
    let k = o.components().nth(1).unwrap();
    assert!(matches!(&k.body[0], ComponentStmt::Type(t) if t.node == ComponentType::Kustomize));
    assert!(matches!(&k.body[4], ComponentStmt::Expect(e) if e.namespace.is_none()));
}

#[test]
fn phase_statements() {
    let unit = ok(SPEC_EXAMPLES[4]);
    let phase = overlay(&unit).phases().next().unwrap();
    assert_eq!(phase.name.node, "performance");
    assert_eq!(phase.body.len(), 7);
    let PhaseStmt::NodeSelector(a) = &phase.body[3] else {
        panic!()
    };
    assert_eq!(a.path.segments[0].node, "nvidia.com/gpu.present");
    assert!(matches!(&phase.body[4], PhaseStmt::MaxNodes(n) if n.node == 8));
    assert!(matches!(&phase.body[2], PhaseStmt::Require(c) if c.value.node == "300"));
}

#[test]
fn declarations() {
    let unit = ok(SPEC_EXAMPLES[5]);
    let dims: Vec<_> = unit
        .items
        .iter()
        .map(|i| match i {
            Item::Dimension(d) => d,
            _ => panic!(),
        })
        .collect();
    assert_eq!(dims[0].values.len(), 5);
    assert_eq!(dims[0].aliases[0].names.len(), 3);
    assert_eq!(dims[0].aliases[0].target.node, "any");
    assert!(dims[2].count && dims[2].values.is_empty());
    assert!(dims[3].extend && dims[3].values[0].node == "h200");

    let unit = ok(SPEC_EXAMPLES[6]);
    let Item::Measurement(m) = &unit.items[2] else {
        panic!()
    };
    assert_eq!(m.pattern[2].node, PatternSeg::Any);
    assert_eq!(m.ty.node, MeasureType::String);
    let Item::Measurement(m) = &unit.items[4] else {
        panic!()
    };
    assert_eq!(m.unit.as_ref().unwrap().node, "GB/s");

    let unit = ok(SPEC_EXAMPLES[7]);
    let Item::Component(c) = &unit.items[0] else {
        panic!()
    };
    assert_eq!(c.body.len(), 9);
    let RegistryStmt::Helm(h) = &c.body[2] else {
        panic!()
    };
    assert_eq!(h.fields[1].0.node, "chart");
    assert_eq!(h.fields[1].1.node, "nvidia/gpu-operator");
    let RegistryStmt::Scheduling(s) = &c.body[5] else {
        panic!()
    };
    assert_eq!(s.role.node, "accelerated");
    assert_eq!(s.fields[3].0.node, "taint-string");
    let RegistryStmt::BundleCheck(b) = &c.body[8] else {
        panic!()
    };
    assert_eq!(b.conditions[0].0.node, "intent");
    assert_eq!(b.message.node, "message");

    let unit = ok(SPEC_EXAMPLES[8]);
    let Item::Validator(v) = &unit.items[0] else {
        panic!()
    };
    assert!(matches!(&v.body[5], ValidatorStmt::Env(a) if a.path.segments[0].node == "NCCL_DEBUG"));
}

#[test]
fn values_literals() {
    let text = r#"overlay v { component c { set {
  a = -12, b = 1.5e-3
  c = [1, "two", [true, false], {}]
  d = { x.y = { z = 0.25 } }
  e = "tab\there \"q\" \\ \u{1F600}"
  f = -9223372036854775808
} } }"#;
    let unit = ok(text);
    let ComponentStmt::Set(set) = &component(&unit).body[0] else {
        panic!()
    };
    let kinds: Vec<_> = set.entries.iter().map(|e| &e.value.kind).collect();
    assert_eq!(kinds[0], &ValueKind::Int(-12));
    assert_eq!(kinds[1], &ValueKind::Float(1.5e-3));
    assert!(matches!(kinds[2], ValueKind::List(l) if l.len() == 4));
    assert!(matches!(kinds[3], ValueKind::Map(m) if m[0].path.segments.len() == 2));
    assert_eq!(
        kinds[4],
        &ValueKind::String("tab\there \"q\" \\ \u{1F600}".into())
    );
    assert_eq!(kinds[5], &ValueKind::Int(i64::MIN));
}

#[test]
fn layout_does_not_change_the_ast() {
    let a = ok("overlay a { when any component c { set { x = 1, y = [1, 2] } } }");
    let b = ok(
        "overlay a {\n  when any\n  component c {\n    set {\n      x = 1\n      y = [\n        1,\n        2,\n      ]\n    }\n  }\n}\n",
    );
    assert_eq!(shape(&a.items), shape(&b.items));
    assert_ne!(
        a.items, b.items,
        "spans differ, and take part in derived equality"
    );
}

#[test]
fn keywords_need_a_word_boundary() {
    let unit = ok("overlay o { component c { set { settings = 1, set = 2 } enabled true } }");
    let ComponentStmt::Set(set) = &component(&unit).body[0] else {
        panic!()
    };
    assert_eq!(set.entries[0].path.segments[0].node, "settings");
    assert_eq!(set.entries[1].path.segments[0].node, "set");
}

#[test]
fn names_and_words_may_be_quoted() {
    let unit = ok(r#"overlay "odd.name" extends base { component "x.y" { version "1 2" } }"#);
    assert_eq!(overlay(&unit).name.node, "odd.name");
    assert_eq!(component(&unit).name.node, "x.y");
}

#[test]
fn comments_are_collected_outside_strings() {
    let text = "// a\noverlay o { // b  \n  component c { source \"http://x//y\" } //c\r\n}\n//";
    let unit = ok(text);
    let texts: Vec<_> = unit.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, [" a", " b", "c", ""]);
    assert_eq!(slice(text, unit.comments[1].span), "// b");
    assert_eq!(slice(text, unit.comments[3].span), "//");
}

// -----------------------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------------------

#[test]
fn three_independent_errors_three_diagnostics() {
    let text = "overlay a {
  when service eks
  component x {
    enabled maybe
    set {
      a = eks
    }
  }
}
";
    let diags = errs(text);
    assert_eq!(diags.len(), 3, "{diags:#?}");
    assert!(diags.iter().all(|d| d.code == Code::SyntaxError));
    let at: Vec<_> = diags
        .iter()
        .map(|d| slice(text, d.primary_span().unwrap()))
        .collect();
    assert_eq!(at, ["eks", "maybe", "eks"]);
    assert_eq!(diags[0].message, "expected `=`, found `eks`");
    assert_eq!(
        diags[1].message,
        "expected `true` or `false`, found `maybe`"
    );
    assert_eq!(
        diags[2].message,
        "expected a value (strings are quoted), found `eks`"
    );
    // The rest of the file is still there.
    let (unit, _) = parse(F, text);
    assert_eq!(component(&unit).name.node, "x");
}

#[test]
fn three_mistakes_fixture() {
    let text = "// Three independent mistakes; each is reported.
overlay oke-broken {
  when service = oke

  require K8s.server.version >>= 1.30

  component gpu-operator {
    versoin v25.10.1
    set {
      driver.enabled = yes
    }
  }
}
";
    let diags = errs(text);
    let at: Vec<_> = diags
        .iter()
        .map(|d| slice(text, d.primary_span().unwrap()))
        .collect();
    assert_eq!(at, [">", "versoin", "yes"], "{diags:#?}");
    assert!(diags.iter().all(|d| d.code == Code::SyntaxError));
    assert_eq!(diags[1].help.as_deref(), Some("did you mean `version`?"));
}

#[test]
fn errors_in_items_and_statements_are_independent() {
    let text = "overlay a extnds b {
  when service = eks
}
dimension x == y
overlay c {
  component d {
    sorce \"x\"
  }
  require K8s.v ~ 3
}
measurement m : strng
";
    let diags = errs(text);
    let at: Vec<_> = diags
        .iter()
        .map(|d| slice(text, d.primary_span().unwrap()))
        .collect();
    assert_eq!(at, ["extnds", "=", "sorce", "~", "strng"], "{diags:#?}");
    assert!(
        diags[0].message.starts_with("expected "),
        "{}",
        diags[0].message
    );
    assert_eq!(diags[2].help.as_deref(), Some("did you mean `source`?"));
    assert!(diags[2].message.contains("`type`, `source`, `chart`"));
    assert!(diags[3].message.contains("an operator such as `>=`"));
    let (unit, _) = parse(F, text);
    assert_eq!(unit.items.len(), 1, "overlay c survives");
}

#[test]
fn messages_never_show_rule_names() {
    let inputs = [
        "overlay",
        "overlay a {",
        "overlay a { when }",
        "overlay a { require }",
        "component",
        "dimension d",
        "dimension d = ",
        "measurement",
        "measurement a :",
        "validator v { env }",
        "overlay a { component b { set { a. = 1 } } }",
        "overlay a { component b { type x } }",
        "overlay a { validate p { max-nodes x } }",
        "}",
        "overlay a { component b { set { x = [1,",
        "component c { helm { foo 1 } system { bar x } bundle-check a b when c \"m\" }",
    ];
    for text in inputs {
        for d in errs(text) {
            let m = &d.message;
            for bad in ["_", "ident", "stmt", "EOI", "kw", "rule"] {
                let words: Vec<&str> = m
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .collect();
                assert!(
                    !words.iter().any(|w| *w == bad || w.contains("_")),
                    "`{bad}` in message {m:?} for {text:?}"
                );
            }
            assert!(!m.ends_with('.'), "{m}");
            assert_eq!(
                m.chars().next().map(|c| c.is_lowercase()),
                Some(true),
                "{m}"
            );
        }
    }
}

#[test]
fn unclosed_block_is_one_diagnostic() {
    let text = "overlay a {\n  component b {\n    enabled true\n";
    let diags = errs(text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].message, "unclosed `{`");
    assert_eq!(diags[0].labels.len(), 3);
    let (unit, _) = parse(F, text);
    assert_eq!(component(&unit).body.len(), 1);
}

#[test]
fn unclosed_block_recovers_at_next_item() {
    let text = "overlay a {\n  component b {\n    enabled true\n}\noverlay c {\n  when any\n}\n";
    let diags = errs(text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let (unit, _) = parse(F, text);
    assert_eq!(unit.items.len(), 2);
    let opener = diags[0].primary_span().unwrap();
    assert_eq!(opener.start, 10);
}

#[test]
fn missing_component_brace_recovers_inside_overlay() {
    let text = "overlay a {\n  component x {\n    enabled true\n  component y {\n    enabled false\n  }\n}\n";
    let diags = errs(text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let (unit, _) = parse(F, text);
    assert_eq!(overlay(&unit).components().count(), 2);
}

#[test]
fn bad_escape_is_invalid_string() {
    let text = r#"overlay a { component b { source "a\qb" version "\u{110000}" } }"#;
    let diags = errs(text);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(diags.iter().all(|d| d.code == Code::InvalidString));
    assert_eq!(slice(text, diags[0].primary_span().unwrap()), "\\q");
    assert_eq!(slice(text, diags[1].primary_span().unwrap()), "\\u{110000}");
}

#[test]
fn unterminated_string() {
    let text = "overlay a {\n  component b {\n    source \"abc\n  }\n}\n";
    let diags = errs(text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].message, "unterminated string");
    assert_eq!(slice(text, diags[0].primary_span().unwrap()), "\"abc");
}

#[test]
fn integer_out_of_range() {
    let text = "overlay a priority 9223372036854775808 { component b { set { x = 99999999999999999999 y = 1.0e999 } } }";
    let diags = errs(text);
    assert_eq!(diags.len(), 3, "{diags:#?}");
    assert!(diags.iter().all(|d| d.code == Code::InvalidNumber));
}

#[test]
fn duplicate_constraint_fields() {
    let diags = errs("overlay a { require x >= 1 { unit a unit b } }");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, Code::DuplicateField);
}

#[test]
fn empty_and_comment_only_files() {
    assert!(ok("").items.is_empty());
    let unit = ok("// just a comment\n\n// another\n");
    assert_eq!(unit.comments.len(), 2);
}

#[test]
fn stray_closing_brace_and_garbage() {
    let text = "}\noverlay a { when any }\n@@@\n";
    let diags = errs(text);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    let (unit, _) = parse(F, text);
    assert_eq!(unit.items.len(), 1);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = parse(F, &text);
        }

        #[test]
        fn tokens_soup_never_panics(parts in proptest::collection::vec(
            prop::sample::select(vec![
                "overlay", "component", "set", "{", "}", "[", "]", "=", ">=", ",", "\"", "\\",
                "a", "1", "1.5", "\n", " ", "//", "when", "any", "require", ".", "x.y", "\"s\"",
                "dimension", "|", "+=", ":", "count", "measurement", "[*]", "validator", "env",
            ]), 0..60)) {
            let text: String = parts.concat();
            let _ = parse(F, &text);
        }

        #[test]
        fn mutations_of_a_valid_file_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<bool>(), any::<char>()), 1..6)
        ) {
            let mut text = SPEC_EXAMPLES[3].to_string();
            for (at, delete, c) in edits {
                let mut i = at.index(text.len() + 1);
                while !text.is_char_boundary(i) { i -= 1; }
                if delete && i < text.len() {
                    text.remove(i);
                } else {
                    text.insert(i, c);
                }
            }
            let _ = parse(F, &text);
        }
    }
}
