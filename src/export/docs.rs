//! The AICR YAML documents `export` writes, built from the syntax tree.
//!
//! Each builder is a pure function of one AST node, and the same builders run on the tree
//! galley checked and on the tree the written YAML reads back into, so comparing the two
//! documents says whether the YAML carries everything (see `super::verify`). Fields are
//! declared in the order the reference's files write them; empty ones are left out, as
//! there. A [`Dotted`] name (a measurement or Helm value path) is written joined with `.`
//! but compared by its segments, so a segment with a dot in it is caught, not merged.
//!
//! What a builder cannot express at all (`priority`, `unset`, a registry namespace for a
//! manifest-only component) it reports through [`Lost`]; the caller decides whether that
//! is an error or a warning.

use crate::resolve::literal;
use crate::source::Span;
use crate::syntax::ast::{
    BundleCheck, ComponentDecl, ComponentRef, ComponentStmt, Constraint, ExpectedResource, Overlay,
    Phase, PhaseStmt, RegistryStmt, SchedulingBlock, SourceBlock, ValidatorDecl, ValidatorStmt,
    ValueKind, ValuePath,
};
use crate::value::{Map, Value};
use indexmap::IndexMap;
use serde::{Serialize, Serializer};

pub const API_VERSION: &str = "aicr.nvidia.com/v1alpha1";
pub const CATALOG_API_VERSION: &str = "aicr.nvidia.com/v1";

/// Something the tree says that the document cannot: where, and what.
#[derive(Clone, Debug)]
pub struct Lost {
    pub span: Span,
    pub what: String,
}

/// A dotted name: written joined, compared by segments.
#[derive(Clone, Debug, PartialEq)]
pub struct Dotted(pub Vec<String>);

impl Serialize for Dotted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.join("."))
    }
}

fn dotted(p: &ValuePath) -> Dotted {
    Dotted(p.keys().map(String::from).collect())
}

// ---------------------------------------------------------------------------------------
// Overlays (`kind: RecipeMetadata`)
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OverlayDoc {
    pub kind: &'static str,
    pub api_version: &'static str,
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Metadata {
    pub name: String,
}

#[derive(Serialize, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criteria: Option<IndexMap<String, Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<ConstraintDoc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub component_refs: Vec<ComponentDoc>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub validation: IndexMap<String, PhaseDoc>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct ConstraintDoc {
    pub name: Dotted,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Serialize, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComponentDoc {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values_file: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub manifest_files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub overrides: Map,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependency_refs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_resources: Vec<ResourceDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_asserts: Option<String>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct ResourceDoc {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Serialize, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PhaseDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<ConstraintDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_selection: Option<NodeSelection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub infrastructure: Option<String>,
}

#[derive(Serialize, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodeSelection {
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub selector: Map,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude_nodes: Vec<String>,
}

/// The overlay as a `RecipeMetadata` document; `priority` and `unset` are lost.
pub fn overlay(o: &Overlay, lost: &mut Vec<Lost>) -> OverlayDoc {
    if let Some(p) = &o.priority {
        lost.push(Lost {
            span: p.span,
            what: format!("`priority {}`: AICR overlays have no priority", p.node),
        });
    }
    for d in o.params() {
        lost.push(Lost {
            span: d.span,
            what: format!("`param {}`: AICR overlays have no parameters", d.name.node),
        });
    }
    OverlayDoc {
        kind: "RecipeMetadata",
        api_version: API_VERSION,
        metadata: Metadata {
            name: o.name.node.clone(),
        },
        spec: spec(o, lost),
    }
}

pub fn spec(o: &Overlay, lost: &mut Vec<Lost>) -> Spec {
    let mut spec = Spec {
        base: o
            .extends
            .as_ref()
            .map(|e| e.node.clone())
            .filter(|e| e != "base"),
        ..Spec::default()
    };
    spec.criteria = o.criteria().map(|c| {
        c.terms
            .iter()
            .map(|t| {
                let text = &t.value.node;
                let value = match (t.dimension.node.as_str(), text.parse::<i64>()) {
                    ("nodes", Ok(n)) => Value::Int(n),
                    _ => Value::String(text.clone()),
                };
                (t.dimension.node.clone(), value)
            })
            .collect()
    });
    spec.constraints = o.constraints().map(constraint).collect();
    spec.component_refs = o.components().map(|c| component(c, lost)).collect();
    spec.validation = o
        .phases()
        .map(|p| (p.name.node.clone(), phase(p)))
        .collect();
    spec
}

fn constraint(c: &Constraint) -> ConstraintDoc {
    ConstraintDoc {
        name: Dotted(c.path.segments.iter().map(|s| s.node.clone()).collect()),
        value: c.aicr_value(),
        severity: c.severity.as_ref().map(|s| s.node.clone()),
        remediation: c.remediation.as_ref().map(|s| s.node.clone()),
        unit: c.unit.as_ref().map(|s| s.node.clone()),
    }
}

fn component(c: &ComponentRef, lost: &mut Vec<Lost>) -> ComponentDoc {
    let mut doc = ComponentDoc {
        name: c.name.node.clone(),
        ..ComponentDoc::default()
    };
    let mut overrides = Value::Map(Map::new());
    for stmt in &c.body {
        let text = |s: &crate::syntax::ast::Str| Some(s.node.clone());
        match stmt {
            ComponentStmt::Type(t) => doc.kind = Some(t.node.as_str()),
            ComponentStmt::Source(s) => doc.source = text(s),
            ComponentStmt::Chart(s) => doc.chart = text(s),
            ComponentStmt::Version(s) => doc.version = text(s),
            ComponentStmt::Namespace(s) => doc.namespace = text(s),
            ComponentStmt::Tag(s) => doc.tag = text(s),
            ComponentStmt::Path(s) => doc.path = text(s),
            ComponentStmt::Values(s) => doc.values_file = text(s),
            ComponentStmt::HealthAsserts(s) => doc.health_check_asserts = text(s),
            ComponentStmt::Patches(l) => {
                doc.patches = l.node.iter().map(|s| s.node.clone()).collect()
            }
            ComponentStmt::Manifests(l) => {
                doc.manifest_files
                    .extend(l.node.iter().map(|s| s.node.clone()));
            }
            ComponentStmt::Needs(l) => {
                doc.dependency_refs = l.node.iter().map(|s| s.node.clone()).collect();
            }
            ComponentStmt::Cleanup(b) => doc.cleanup = Some(b.node),
            ComponentStmt::Expect(e) => doc.expected_resources.push(resource(e)),
            ComponentStmt::Enabled(b) => set(&mut overrides, &["enabled"], Value::Bool(b.node)),
            ComponentStmt::Set(block) => {
                for e in &block.entries {
                    let keys: Vec<&str> = e.path.keys().collect();
                    set(&mut overrides, &keys, literal(&e.value));
                }
            }
            ComponentStmt::Unset(paths) => lost.push(Lost {
                span: paths.span,
                what: format!(
                    "`unset` in component `{}`: AICR `overrides` cannot delete a value",
                    c.name.node
                ),
            }),
        }
    }
    if let Value::Map(m) = overrides {
        doc.overrides = m;
    }
    doc
}

/// `set a.b = v` into an overrides map, as the resolver applies it: a map merges key by
/// key, anything else replaces.
fn set(root: &mut Value, keys: &[&str], leaf: Value) {
    let mut wrapped = leaf;
    for key in keys.iter().rev() {
        wrapped = Value::Map([(key.to_string(), wrapped)].into_iter().collect());
    }
    root.merge_from(&wrapped);
}

fn resource(e: &ExpectedResource) -> ResourceDoc {
    ResourceDoc {
        kind: e.kind.node.clone(),
        name: e.name.node.clone(),
        namespace: e.namespace.as_ref().map(|n| n.node.clone()),
    }
}

fn phase(p: &Phase) -> PhaseDoc {
    let mut doc = PhaseDoc::default();
    let mut selection = NodeSelection::default();
    for stmt in &p.body {
        match stmt {
            PhaseStmt::Timeout(t) => doc.timeout = Some(t.node.clone()),
            PhaseStmt::Checks(c) => doc.checks = c.node.iter().map(|s| s.node.clone()).collect(),
            PhaseStmt::Require(c) => doc.constraints.push(constraint(c)),
            PhaseStmt::NodeSelector(a) => {
                let key = a.path.keys().collect::<Vec<_>>().join(".");
                selection.selector.insert(key, literal(&a.value));
            }
            PhaseStmt::MaxNodes(n) => selection.max_nodes = Some(n.node),
            PhaseStmt::ExcludeNodes(l) => {
                selection.exclude_nodes = l.node.iter().map(|s| s.node.clone()).collect();
            }
            PhaseStmt::Infrastructure(i) => doc.infrastructure = Some(i.node.clone()),
        }
    }
    if selection != NodeSelection::default() {
        doc.node_selection = Some(selection);
    }
    doc
}

// ---------------------------------------------------------------------------------------
// The registry (`kind: ComponentRegistry`)
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryDoc {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub components: Vec<RegistryComponentDoc>,
}

#[derive(Serialize, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RegistryComponentDoc {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_override_keys: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheckDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm: Option<IndexMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<IndexMap<String, String>>,
    /// Written as the reference writes it, though its reader ignores it (`docs/compat.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<IndexMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_scheduling: Option<NodeSchedulingDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_scheduling: Option<PodSchedulingDoc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub validations: Vec<BundleCheckDoc>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckDoc {
    pub assert_file: String,
}

#[derive(Serialize, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodeSchedulingDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<IndexMap<String, Vec<Dotted>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accelerated: Option<IndexMap<String, Vec<Dotted>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_count_paths: Option<Vec<Dotted>>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct PodSchedulingDoc {
    pub workload: WorkloadDoc,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadDoc {
    pub workload_selector_paths: Vec<Dotted>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct BundleCheckDoc {
    pub function: String,
    pub severity: String,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub conditions: IndexMap<String, Vec<String>>,
    pub message: String,
}

const HELM_KEYS: &[(&str, &str)] = &[
    ("repository", "defaultRepository"),
    ("chart", "defaultChart"),
    ("version", "defaultVersion"),
    ("namespace", "defaultNamespace"),
];
const KUSTOMIZE_KEYS: &[(&str, &str)] = &[
    ("source", "defaultSource"),
    ("path", "defaultPath"),
    ("tag", "defaultTag"),
    ("namespace", "defaultNamespace"),
];
const SCHEDULING_KEYS: &[(&str, &str)] = &[
    ("node-selector", "nodeSelectorPaths"),
    ("tolerations", "tolerationPaths"),
    ("taints", "taintPaths"),
    ("taint-string", "taintStrPaths"),
];

/// A registry entry. A manifest-only component's `namespace` is written where the
/// reference's registry writes it (`manifest.defaultNamespace`) and reported as lost,
/// because the reference never reads that key.
pub fn registry_component(c: &ComponentDecl, lost: &mut Vec<Lost>) -> RegistryComponentDoc {
    let mut doc = RegistryComponentDoc {
        name: c.name.node.clone(),
        ..RegistryComponentDoc::default()
    };
    for stmt in &c.body {
        match stmt {
            RegistryStmt::DisplayName(s) => doc.display_name = Some(s.node.clone()),
            RegistryStmt::Aliases(a) => {
                doc.value_override_keys = Some(a.node.iter().map(|n| n.node.clone()).collect());
            }
            RegistryStmt::HealthCheck(p) => {
                doc.health_check = Some(HealthCheckDoc {
                    assert_file: p.node.clone(),
                });
            }
            RegistryStmt::Helm(b) => doc.helm = Some(source_block(b, HELM_KEYS)),
            RegistryStmt::Kustomize(b) => doc.kustomize = Some(source_block(b, KUSTOMIZE_KEYS)),
            RegistryStmt::Namespace(n) => {
                lost.push(Lost {
                    span: n.span,
                    what: format!(
                        "`namespace {}` of manifest-only component `{}`: written as \
                         `manifest.defaultNamespace`, a key the reference does not read",
                        n.node, c.name.node
                    ),
                });
                let entry = [("defaultNamespace".to_string(), n.node.clone())];
                doc.manifest = Some(entry.into_iter().collect());
            }
            RegistryStmt::Scheduling(b) => scheduling(&mut doc, b),
            RegistryStmt::NodeCount(p) => {
                doc.node_scheduling
                    .get_or_insert_with(Default::default)
                    .node_count_paths = Some(p.node.iter().map(dotted).collect());
            }
            RegistryStmt::WorkloadSelector(p) => {
                doc.pod_scheduling = Some(PodSchedulingDoc {
                    workload: WorkloadDoc {
                        workload_selector_paths: p.node.iter().map(dotted).collect(),
                    },
                });
            }
            RegistryStmt::BundleCheck(b) => doc.validations.push(bundle_check(b)),
        }
    }
    doc
}

fn source_block(b: &SourceBlock, keys: &[(&str, &str)]) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    for &(field, yaml_key) in keys {
        if let Some((_, v)) = b.fields.iter().find(|(k, _)| k.node == field) {
            out.insert(yaml_key.to_string(), v.node.clone());
        }
    }
    out
}

fn scheduling(doc: &mut RegistryComponentDoc, b: &SchedulingBlock) {
    let mut fields = IndexMap::new();
    for &(field, yaml_key) in SCHEDULING_KEYS {
        if let Some((_, paths)) = b.fields.iter().find(|(k, _)| k.node == field) {
            fields.insert(
                yaml_key.to_string(),
                paths.node.iter().map(dotted).collect(),
            );
        }
    }
    let node = doc.node_scheduling.get_or_insert_with(Default::default);
    match b.role.node.as_str() {
        "system" => node.system = Some(fields),
        _ => node.accelerated = Some(fields),
    }
}

fn bundle_check(b: &BundleCheck) -> BundleCheckDoc {
    BundleCheckDoc {
        function: b.function.node.clone(),
        severity: b.severity.node.clone(),
        conditions: b
            .conditions
            .iter()
            .map(|(d, vs)| {
                let values = vs.iter().map(|v| v.node.clone()).collect();
                (d.node.clone(), values)
            })
            .collect(),
        message: b.message.node.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// The validator catalog (`kind: ValidatorCatalog`)
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogDoc {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: Metadata,
    pub validators: Vec<ValidatorDoc>,
}

#[derive(Serialize, Debug, PartialEq, Default)]
pub struct ValidatorDoc {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvDoc>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct EnvDoc {
    pub name: String,
    pub value: String,
}

/// A catalog entry; an `env` value that is not a scalar is lost.
pub fn validator(v: &ValidatorDecl, lost: &mut Vec<Lost>) -> ValidatorDoc {
    let mut doc = ValidatorDoc {
        name: v.name.node.clone(),
        ..ValidatorDoc::default()
    };
    for stmt in &v.body {
        match stmt {
            ValidatorStmt::Phase(s) => doc.phase = Some(s.node.clone()),
            ValidatorStmt::Description(s) => doc.description = Some(s.node.clone()),
            ValidatorStmt::Image(s) => doc.image = Some(s.node.clone()),
            ValidatorStmt::Timeout(s) => doc.timeout = Some(s.node.clone()),
            ValidatorStmt::Args(a) => doc.args = a.node.iter().map(|s| s.node.clone()).collect(),
            ValidatorStmt::Env(a) => {
                let name = a.path.keys().collect::<Vec<_>>().join(".");
                let value = match &a.value.kind {
                    ValueKind::String(s) => s.clone(),
                    ValueKind::Int(i) => i.to_string(),
                    ValueKind::Float(f) => f.to_string(),
                    ValueKind::Bool(b) => b.to_string(),
                    ValueKind::Null => String::new(),
                    ValueKind::List(_) | ValueKind::Map(_) => {
                        lost.push(Lost {
                            span: a.span,
                            what: format!(
                                "`env {name}` of validator `{}`: an environment variable holds text, not a {}",
                                v.name.node,
                                literal(&a.value).type_name()
                            ),
                        });
                        continue;
                    }
                };
                doc.env.push(EnvDoc { name, value });
            }
        }
    }
    doc
}
