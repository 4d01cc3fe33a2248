//! The resolved recipe: what the emitters and the constraint checker consume.
//!
//! A [`Recipe`] is one target's merged overlays: criteria, components with hydrated values,
//! constraints, deployment order, validation phases, the overlays applied, where every value
//! came from, and a fingerprint of every input. It serialises to the reference's
//! `RecipeResult` (`result.rs`) with the reference's field names and order.

pub mod expr;
pub mod query;
pub mod read;
pub mod result;
pub mod result_read;
pub mod result_view;

use crate::resolve::criteria::Query;
use crate::source::Span;
use crate::syntax::ast::ComponentType;
use crate::value::Value;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct Recipe {
    pub criteria: Query,
    /// `base` first, then the other overlays, parents before children.
    pub applied_overlays: Vec<String>,
    /// Sorted by name.
    pub constraints: Vec<Constraint>,
    /// Sorted by name.
    pub components: Vec<Component>,
    pub deployment_order: Vec<String>,
    pub validation: Validation,
    pub provenance: Provenance,
    /// SHA-256 over every input that shaped the recipe (overlays and files), hex.
    pub fingerprint: String,
    /// Every parameter the applied overlays declare, its value and where it came from,
    /// sorted by name (`resolve::params`).
    pub params: Vec<crate::params::Setting>,
}

impl Recipe {
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Constraint {
    pub name: String,
    /// The reference's value string: `>= 1.32.4`, or a bare value for an exact match.
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    pub name: String,
    pub kind: ComponentType,
    pub source: String,
    pub chart: Option<String>,
    pub version: Option<String>,
    pub namespace: Option<String>,
    pub tag: Option<String>,
    pub path: Option<String>,
    pub patches: Vec<String>,
    /// Every values file that contributes, lowest first.
    pub values_files: Vec<String>,
    /// The inline `set` values of every layer, merged.
    pub overrides: std::sync::Arc<Value>,
    /// Values files, then inline values: what Helm receives (shared when it is exactly one
    /// values file's content).
    pub values: std::sync::Arc<Value>,
    pub dependency_refs: Vec<String>,
    pub manifest_files: Vec<String>,
    pub cleanup: bool,
    pub expected_resources: Vec<ExpectedResource>,
    pub health_check_asserts: Option<String>,
}

impl Component {
    /// A component is disabled when its values say `enabled: false` (the reference's rule).
    pub fn enabled(&self) -> bool {
        !matches!(
            self.values.as_map().and_then(|m| m.get("enabled")),
            Some(Value::Bool(false))
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExpectedResource {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Validation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Phase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Phase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performance: Option<Phase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conformance: Option<Phase>,
}

impl Validation {
    pub fn is_empty(&self) -> bool {
        self.readiness.is_none()
            && self.deployment.is_none()
            && self.performance.is_none()
            && self.conformance.is_none()
    }

    pub fn slot(&mut self, phase: &str) -> Option<&mut Option<Phase>> {
        match phase {
            "readiness" => Some(&mut self.readiness),
            "deployment" => Some(&mut self.deployment),
            "performance" => Some(&mut self.performance),
            "conformance" => Some(&mut self.conformance),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Phase {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_selection: Option<NodeSelection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub infrastructure: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSelection {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude_nodes: Vec<String>,
}

/// Where a value came from: an overlay (or a values file it names) and the span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The overlay's name, or `registry` for a registry default.
    pub overlay: std::sync::Arc<str>,
    pub span: Span,
}

/// Why a contribution lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shadow {
    /// The winner's overlay outranks this one (it extends it, is more specific, or has a
    /// higher priority).
    Outranked,
    /// Inline `set` values outrank values files.
    FileBelowSet,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Shadowed {
    pub origin: Origin,
    pub value: Option<Value>,
    pub why: Shadow,
}

/// Provenance of one resolved path.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub winner: Origin,
    pub shadowed: Vec<Shadowed>,
}

/// Recomputes the provenance of a component's values on demand (values have many paths;
/// resolving records what is needed to trace them, not every trace).
pub trait ValueTracer: Send + Sync + std::fmt::Debug {
    /// Every resolved value path under `component.values`, with its trace.
    fn traces(&self) -> BTreeMap<String, Trace>;
}

/// Every resolved path's provenance: `component.field` (`gpu-operator.version`),
/// `component.values.a.b`, `constraints.NAME`, `validation.PHASE`.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Fields, constraints and phases.
    pub paths: BTreeMap<String, Trace>,
    /// Per component, the tracer for its values.
    pub values: BTreeMap<String, std::sync::Arc<dyn ValueTracer>>,
}

impl Provenance {
    /// Every trace whose path is `prefix` or below it, values included.
    pub fn under(&self, prefix: &str) -> BTreeMap<String, Trace> {
        let dotted = format!("{prefix}.");
        let below = |p: &str| p == prefix || p.starts_with(&dotted);
        // `prefix` sorts first among the paths it covers, and every one of them before the
        // first path that is not below it.
        let mut out: BTreeMap<String, Trace> = self
            .paths
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(p, _)| below(p) || p.as_str() < dotted.as_str())
            .filter(|(p, _)| below(p))
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        let component = prefix.split('.').next().unwrap_or(prefix);
        if let Some(tracer) = self.values.get(component) {
            out.extend(tracer.traces().into_iter().filter(|(p, _)| below(p)));
        }
        out
    }
}
