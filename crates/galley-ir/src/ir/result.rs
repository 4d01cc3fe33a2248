//! The reference's `RecipeResult` document: field names and order as AICR writes them, so
//! AICR's own tools read galley's output (`recipe-engine.md` §5).

use crate::ir::{Constraint, ExpectedResource, Recipe, Validation};
use crate::resolve::criteria::ResultCriteria;
use crate::value::Value;
use serde::Serialize;

pub const API_VERSION: &str = "aicr.nvidia.com/v1alpha1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecipeResult {
    pub kind: &'static str,
    pub api_version: &'static str,
    pub metadata: Metadata,
    pub criteria: ResultCriteria,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    pub component_refs: Vec<ComponentRef>,
    pub deployment_order: Vec<String>,
    #[serde(skip_serializing_if = "Validation::is_empty")]
    pub validation: Validation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applied_overlays: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excluded_overlays: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraint_warnings: Vec<ConstraintWarning>,
    /// galley's extension: every parameter, its value and where it came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<crate::params::Setting>,
    /// galley's extension, in a bundle's `recipe.yaml`: the `--set` and `--set-string`
    /// flags the bundle applied, as given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set_values: Vec<String>,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ConstraintWarning {
    pub overlay: String,
    pub constraint: String,
    pub expected: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    pub reason: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependency_refs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub manifest_files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cleanup: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_resources: Vec<ExpectedResource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_asserts: Option<String>,
    /// galley's extension with `--hydrate`: the values Helm receives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Value>,
}

fn non_empty_map(v: &Value) -> Option<Value> {
    match v {
        Value::Map(m) if m.is_empty() => None,
        other => Some(other.sorted()),
    }
}

impl RecipeResult {
    pub fn new(recipe: &Recipe, hydrate: bool) -> RecipeResult {
        RecipeResult {
            kind: "RecipeResult",
            api_version: API_VERSION,
            metadata: Metadata {
                version: env!("CARGO_PKG_VERSION").to_string(),
                applied_overlays: recipe.applied_overlays.clone(),
                excluded_overlays: Vec::new(),
                constraint_warnings: Vec::new(),
                params: recipe.params.clone(),
                set_values: Vec::new(),
            },
            criteria: recipe.criteria.to_result(),
            constraints: recipe.constraints.clone(),
            component_refs: recipe
                .components
                .iter()
                .map(|c| ComponentRef {
                    name: c.name.clone(),
                    namespace: c.namespace.clone(),
                    chart: c
                        .chart
                        .clone()
                        .filter(|_| c.kind == crate::syntax::ast::ComponentType::Helm),
                    kind: c.kind.as_str(),
                    source: c.source.clone(),
                    version: c.version.clone(),
                    tag: c.tag.clone(),
                    values_file: c.values_files.last().cloned(),
                    overrides: non_empty_map(&c.overrides),
                    patches: c.patches.clone(),
                    dependency_refs: c.dependency_refs.clone(),
                    manifest_files: c.manifest_files.clone(),
                    path: c.path.clone(),
                    cleanup: c.cleanup,
                    expected_resources: c.expected_resources.clone(),
                    health_check_asserts: c.health_check_asserts.clone(),
                    values: hydrate.then(|| c.values.sorted()),
                })
                .collect(),
            deployment_order: recipe.deployment_order.clone(),
            validation: recipe.validation.clone(),
        }
    }
}
