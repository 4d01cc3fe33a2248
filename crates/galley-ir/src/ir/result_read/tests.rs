use super::*;
use crate::ir::result_view::{ReadRecipe, RecipeDoc};

fn codes(text: &str, strict: bool) -> Vec<(Code, Severity)> {
    match read(FileId(0), text, strict) {
        Ok(r) => r.warnings.iter().map(|d| (d.code, d.severity)).collect(),
        Err(diags) => diags.iter().map(|d| (d.code, d.severity)).collect(),
    }
}

#[test]
fn reads_constraints_and_phases() {
    let text = "kind: RecipeResult\nconstraints:\n  - name: OS.release.VERSION_ID\n    value: 24.04\nvalidation:\n  performance:\n    constraints:\n      - {name: nccl-all-reduce-bw, value: \">= 300\"}\n    checks: [nccl-all-reduce-bw]\n";
    let doc = RecipeDoc::from_doc(&read(FileId(0), text, false).unwrap().doc);
    assert_eq!(doc.constraints[0].value, "24.04");
    let perf = doc.validation.performance.unwrap();
    assert_eq!(perf.constraints[0].value, ">= 300");
    assert_eq!(perf.checks, ["nccl-all-reduce-bw"]);
}

#[test]
fn reads_component_fields_by_their_keys() {
    let text = "kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\ncomponentRefs:\n  - name: a\n    type: Helm\n    version: 1.10\n    dependencyRefs: [b]\n    healthCheckAsserts: x.yaml\n    overrides: {k: 1}\n    cleanup: true\n    expectedResources: [{kind: Deployment, name: d}]\n";
    let doc = read(FileId(0), text, false).unwrap().doc;
    let c = &doc.components[0];
    assert_eq!(c.text("version").as_deref(), Some("1.10"));
    assert_eq!(c.list("dependencyRefs"), ["b"]);
    assert_eq!(c.text("healthCheckAsserts").as_deref(), Some("x.yaml"));
    assert!(c.cleanup);
    assert_eq!(c.expected_resources[0].kind, "Deployment");
    let diff = ReadRecipe::from_doc(&doc);
    assert_eq!(diff.components["a"].scalars["type"], "Helm");
    assert!(diff.components["a"].overrides.is_some());
}

#[test]
fn an_empty_or_missing_kind_and_api_version_are_accepted() {
    for text in [
        "componentRefs: []",
        "kind: ''\napiVersion: ''",
        "kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1",
    ] {
        assert!(read(FileId(0), text, false).is_ok(), "{text}");
    }
}

#[test]
fn rejects_malformed_recipes_with_one_code_per_kind_of_problem() {
    let shape = [(Code::ResultShape, Severity::Error)];
    for bad in [
        "",
        "[]",
        "~",
        "kind: Snapshot",
        "kind: [RecipeResult]",
        "apiVersion: aicr.nvidia.com/v2",
        "constraints: {}",
        "constraints: [1]",
        "constraints: [{value: x}]",
        "constraints: [{name: ' ', value: x}]",
        "constraints: [{name: a, value: [1]}]",
        "validation: {deployment: {checks: [[]]}}",
        "validation: []",
        "componentRefs: [{version: '1'}]",
        "componentRefs: [{name: a}, {name: a}]",
        "componentRefs: [{name: a, type: Chart}]",
        "componentRefs: [{name: a, overrides: [1]}]",
        "componentRefs: [{name: a, cleanup: maybe}]",
        "componentRefs: [{name: a, expectedResources: [{kind: Pod}]}]",
        "validation: {deployment: {nodeSelection: {maxNodes: many}}}",
    ] {
        assert_eq!(codes(bad, false), shape, "{bad:?}");
    }
    assert_eq!(codes("a: [", false), [(Code::ResultParse, Severity::Error)]);
    assert_eq!(
        codes("\0\u{1}binary", false),
        [(Code::ResultParse, Severity::Error)]
    );
}

#[test]
fn unknown_fields_warn_and_are_errors_under_strict() {
    for text in [
        "kind: RecipeResult\nextra: 1",
        "metadata: {bogus: 1}",
        "validation: {bogus: {}}",
        "constraints: [{name: a, value: x, weight: 1}]",
        "componentRefs: [{name: a, enabled: false}]",
        "criteria: {gpus: h100}",
    ] {
        assert_eq!(
            codes(text, false),
            [(Code::YamlUnknownField, Severity::Warning)],
            "{text}"
        );
        assert_eq!(
            codes(text, true),
            [(Code::YamlUnknownField, Severity::Error)],
            "{text}"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = "constraints: [{value: x}]\ncomponentRefs: [{name: a, type: x}, {name: a}]\n";
    assert_eq!(codes(text, false).len(), 3);
}

#[test]
fn every_key_the_writer_emits_is_a_field_the_reader_knows() {
    use crate::ir::result::ComponentRef;
    let full = ComponentRef {
        name: "a".into(),
        namespace: Some("n".into()),
        chart: Some("c".into()),
        kind: "Helm",
        source: "s".into(),
        version: Some("1".into()),
        tag: Some("t".into()),
        values_file: Some("v.yaml".into()),
        overrides: Some(Value::Map(Default::default())),
        patches: vec!["p".into()],
        dependency_refs: vec!["b".into()],
        manifest_files: vec!["m".into()],
        path: Some("p".into()),
        cleanup: true,
        expected_resources: vec![ExpectedResource {
            kind: "Pod".into(),
            name: "p".into(),
            namespace: None,
        }],
        health_check_asserts: Some("h".into()),
        values: Some(Value::Map(Default::default())),
    };
    let json = serde_json::to_value(&full).unwrap();
    let written: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let known: Vec<&str> = COMPONENT_FIELDS.iter().filter_map(|f| f.key).collect();
    let mut sorted = known.clone();
    sorted.sort_unstable();
    let mut written_sorted = written.clone();
    written_sorted.sort_unstable();
    assert_eq!(written_sorted, sorted);
}
