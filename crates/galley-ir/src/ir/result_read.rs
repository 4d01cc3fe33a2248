//! The one reader of a `RecipeResult` document (YAML or JSON, galley's or the reference's).
//!
//! It reads the whole document into a spanned [`ResultDoc`] and applies the same envelope
//! checks for every command: the text parses, the top level is a mapping, `kind` is
//! `RecipeResult` (or empty, as the reference allows), `apiVersion` is the reference's (or
//! empty), every field galley reads has its shape, constraints and component references
//! have their names, no component is listed twice. A field galley does not know is a
//! warning (the reference ignores it), an error under `--strict`. Each consumer then takes
//! its projection: hydration for `bundle -r` (`read.rs`), constraints and phases for
//! `validate` and fields for `diff` (`result_view.rs`).

use crate::diag::{Code, Diagnostic, Severity, suggestion};
use crate::ir::result::API_VERSION;
use crate::ir::{ExpectedResource, NodeSelection};
use crate::source::{FileId, Span};
use crate::syntax::ast::{COMPONENT_FIELDS, ComponentType, DIMENSIONS, FieldShape, PHASES};
use crate::syntax::yaml::{self, Node};
use crate::value::Value;
use std::collections::BTreeMap;

const TOP_FIELDS: [&str; 8] = [
    "kind",
    "apiVersion",
    "metadata",
    "criteria",
    "constraints",
    "componentRefs",
    "deploymentOrder",
    "validation",
];
const METADATA_FIELDS: [&str; 6] = [
    "version",
    "appliedOverlays",
    "excludedOverlays",
    "constraintWarnings",
    "params",
    "setValues",
];
const CONSTRAINT_FIELDS: [&str; 5] = ["name", "value", "severity", "remediation", "unit"];
const PHASE_FIELDS: [&str; 5] = [
    "timeout",
    "constraints",
    "checks",
    "nodeSelection",
    "infrastructure",
];
const SELECTION_FIELDS: [&str; 3] = ["selector", "maxNodes", "excludeNodes"];
const RESOURCE_FIELDS: [&str; 3] = ["kind", "name", "namespace"];

/// A `RecipeResult` as written, with the spans its consumers point at.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultDoc {
    pub span: Span,
    /// `(dimension, value, span of the value)`; `gpu` is read as `accelerator`.
    pub criteria: Vec<(String, String, Span)>,
    pub applied_overlays: Vec<String>,
    /// galley's `metadata.params`: every parameter, its value and where it came from.
    pub params: Vec<crate::params::Setting>,
    pub constraints: Vec<ConstraintDoc>,
    /// In document order; no name twice.
    pub components: Vec<ComponentDoc>,
    pub deployment_order: Vec<String>,
    pub validation: Vec<PhaseDoc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintDoc {
    pub constraint: crate::ir::Constraint,
    pub span: Span,
    pub value_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PhaseDoc {
    /// One of [`PHASES`].
    pub name: String,
    pub timeout: Option<String>,
    pub constraints: Vec<ConstraintDoc>,
    pub checks: Vec<String>,
    pub node_selection: Option<NodeSelection>,
    pub infrastructure: Option<String>,
    /// The phase as written (what `diff` compares).
    pub value: Value,
}

impl PhaseDoc {
    pub fn phase(&self) -> crate::ir::Phase {
        crate::ir::Phase {
            timeout: self.timeout.clone(),
            constraints: self
                .constraints
                .iter()
                .map(|c| c.constraint.clone())
                .collect(),
            checks: self.checks.clone(),
            node_selection: self.node_selection.clone(),
            infrastructure: self.infrastructure.clone(),
        }
    }
}

/// One entry of `componentRefs`, its fields keyed by their `RecipeResult` key.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentDoc {
    pub name: String,
    pub span: Span,
    pub kind: ComponentType,
    /// Text fields as written (empty ones included), with their spans.
    pub text: BTreeMap<&'static str, (String, Span)>,
    pub lists: BTreeMap<&'static str, Vec<String>>,
    /// `overrides` and galley's hydrated `values`, when given as mappings.
    pub maps: BTreeMap<&'static str, Value>,
    pub cleanup: bool,
    pub expected_resources: Vec<ExpectedResource>,
}

impl ComponentDoc {
    /// A text field by key, `None` when absent or empty.
    pub fn text(&self, key: &str) -> Option<String> {
        self.text
            .get(key)
            .map(|(s, _)| s.clone())
            .filter(|s| !s.is_empty())
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        self.lists.get(key).cloned().unwrap_or_default()
    }
}

/// A document read, with the warnings about it.
#[derive(Clone, Debug)]
pub struct Read {
    pub doc: ResultDoc,
    pub warnings: Vec<Diagnostic>,
}

/// Read `text` (the file `file`) as a `RecipeResult`. With `strict`, a field galley does not
/// know is an error. On failure every diagnostic comes back, warnings included.
pub fn read(file: FileId, text: &str, strict: bool) -> Result<Read, Vec<Diagnostic>> {
    let node = match yaml::parse_recipe_document(file, text) {
        Ok(Some(node)) => node,
        Ok(None) => {
            return Err(vec![
                Diagnostic::error(
                    Code::ResultShape,
                    "the file is empty; expected a `RecipeResult` document",
                )
                .with_label(Span::new(file, 0..0), "empty")
                .with_help(WRITE_ONE),
            ]);
        }
        Err(mut d) => {
            d.code = Code::ResultParse;
            return Err(vec![d]);
        }
    };
    let mut r = Reader {
        text,
        diags: Vec::new(),
    };
    let doc = r.document(&node);
    let mut diags = r.diags;
    if strict {
        diags.iter_mut().for_each(crate::check::strict::promote);
    }
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(diags);
    }
    match doc {
        Some(doc) => Ok(Read {
            doc,
            warnings: diags,
        }),
        None => Err(diags),
    }
}

const WRITE_ONE: &str = "give a file written by `galley recipe -o FILE` or `aicr recipe`";

struct Reader<'t> {
    text: &'t str,
    diags: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn shape(&mut self, node: &Node, what: &str, expected: &str) {
        self.diags.push(
            Diagnostic::error(
                Code::ResultShape,
                format!("{what} must be {expected}, found {}", node.kind_name()),
            )
            .with_label(node.span, format!("expected {expected}")),
        );
    }

    fn missing(&mut self, node: &Node, message: String) {
        self.diags.push(
            Diagnostic::error(Code::ResultShape, message).with_label(node.span, "this entry"),
        );
    }

    /// Warn about every key of `map` not in `known`.
    fn unknown(&mut self, map: &[(Node, Node)], known: &[&str], place: &str) {
        for (key, _) in map {
            let name = key.key_text();
            if known.contains(&name.as_ref()) {
                continue;
            }
            self.diags.push(
                Diagnostic::warning(
                    Code::YamlUnknownField,
                    format!("unknown field `{name}` in {place}; the reference ignores it"),
                )
                .with_label(key.span, "ignored")
                .with_help(suggestion(&name, known.iter().copied())),
            );
        }
    }

    /// A mapping's entries; null reads as empty, anything else is an error.
    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        match node.as_map() {
            Some(m) => Some(m),
            None if node.is_null() => Some(&[]),
            None => {
                self.shape(node, what, "a mapping");
                None
            }
        }
    }

    fn seq<'n>(&mut self, node: Option<&'n Node>, what: &str) -> &'n [Node] {
        let Some(node) = node else { return &[] };
        match node.as_seq() {
            Some(items) => items,
            None if node.is_null() => &[],
            None => {
                self.shape(node, what, "a list");
                &[]
            }
        }
    }

    /// A scalar as text (the reference reads these into Go strings, so `1.10` stays `1.10`).
    fn string(&mut self, node: Option<&Node>, what: &str) -> Option<String> {
        let node = node?;
        match node.scalar_text(self.text) {
            Some(s) => Some(s.into_owned()),
            None if node.is_null() => None,
            None => {
                self.shape(node, what, "a string");
                None
            }
        }
    }

    fn strings(&mut self, node: Option<&Node>, what: &str) -> Vec<String> {
        let items = self.seq(node, what);
        items
            .iter()
            .filter_map(|n| self.string(Some(n), what))
            .collect()
    }

    fn document(&mut self, node: &Node) -> Option<ResultDoc> {
        let Some(top) = node.as_map() else {
            self.diags.push(
                Diagnostic::error(
                    Code::ResultShape,
                    format!(
                        "a `RecipeResult` must be a mapping, found {}",
                        node.kind_name()
                    ),
                )
                .with_label(node.span, "expected a mapping")
                .with_help(WRITE_ONE),
            );
            return None;
        };
        if !self.envelope(node) {
            return None;
        }
        self.unknown(top, &TOP_FIELDS, "a `RecipeResult`");
        let (applied_overlays, params) = self.metadata(node.get("metadata"));
        let criteria = self.criteria(node.get("criteria"));
        let constraints = self.constraints(node.get("constraints"), "`constraints`");
        let components = self.components(node.get("componentRefs"));
        let deployment_order = self.strings(node.get("deploymentOrder"), "`deploymentOrder`");
        let validation = self.validation(node.get("validation"));
        Some(ResultDoc {
            span: node.span,
            criteria,
            applied_overlays,
            params,
            constraints,
            components,
            deployment_order,
            validation,
        })
    }

    /// `kind` and `apiVersion`: the reference's, or empty. False when this is not a recipe.
    fn envelope(&mut self, node: &Node) -> bool {
        if let Some(kind) = self.string(node.get("kind"), "`kind`")
            && !kind.is_empty()
            && kind != "RecipeResult"
        {
            let at = node.get("kind").map_or(node.span, |k| k.span);
            self.diags.push(
                Diagnostic::error(
                    Code::ResultShape,
                    format!("expected a `RecipeResult` document, found kind `{kind}`"),
                )
                .with_label(at, "not a RecipeResult")
                .with_help(WRITE_ONE),
            );
            return false;
        }
        if let Some(version) = self.string(node.get("apiVersion"), "`apiVersion`")
            && !version.is_empty()
            && version != API_VERSION
        {
            let at = node.get("apiVersion").map_or(node.span, |k| k.span);
            self.diags.push(
                Diagnostic::error(
                    Code::ResultShape,
                    format!("unsupported `apiVersion` `{version}`; expected `{API_VERSION}`"),
                )
                .with_label(at, "not a version galley reads")
                .with_help(WRITE_ONE),
            );
            return false;
        }
        true
    }

    /// `metadata`: the applied overlays and galley's recorded parameters (`setValues`, the
    /// `--set` flags a bundle was made with, is checked for shape and otherwise a record).
    fn metadata(&mut self, node: Option<&Node>) -> (Vec<String>, Vec<crate::params::Setting>) {
        let Some(node) = node else {
            return (Vec::new(), Vec::new());
        };
        let Some(entries) = self.map(node, "`metadata`") else {
            return (Vec::new(), Vec::new());
        };
        self.unknown(entries, &METADATA_FIELDS, "`metadata`");
        self.strings(node.get("setValues"), "`metadata.setValues`");
        let applied = self.strings(node.get("appliedOverlays"), "`metadata.appliedOverlays`");
        (applied, self.params(node.get("params")))
    }

    /// `metadata.params`, as `galley recipe` records them.
    fn params(&mut self, node: Option<&Node>) -> Vec<crate::params::Setting> {
        let Some(node) = node else { return Vec::new() };
        let Some(items) = node.as_seq() else {
            self.diags.push(
                Diagnostic::error(Code::ResultShape, "`metadata.params` must be a list")
                    .with_label(node.span, "expected a list")
                    .with_help(WRITE_ONE),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for n in items {
            match crate::params::recorded(n) {
                Ok(s) => out.push(s),
                Err(e) => self.diags.push(
                    Diagnostic::error(Code::ResultShape, format!("`metadata.params`: {e}"))
                        .with_label(n.span, "this entry")
                        .with_help(WRITE_ONE),
                ),
            }
        }
        out
    }

    fn criteria(&mut self, node: Option<&Node>) -> Vec<(String, String, Span)> {
        let Some(node) = node else { return Vec::new() };
        let Some(entries) = self.map(node, "`criteria`") else {
            return Vec::new();
        };
        let mut known: Vec<&str> = DIMENSIONS.to_vec();
        known.push("gpu");
        self.unknown(entries, &known, "`criteria`");
        let mut out = Vec::new();
        for (k, v) in entries {
            let key = k.key_text();
            let dim = if key == "gpu" { "accelerator" } else { &key };
            if !DIMENSIONS.contains(&dim) {
                continue;
            }
            if let Some(value) = self.string(Some(v), &format!("criteria `{key}`")) {
                out.push((dim.to_string(), value, v.span));
            }
        }
        out
    }

    fn constraints(&mut self, node: Option<&Node>, what: &str) -> Vec<ConstraintDoc> {
        let items = self.seq(node, what);
        items.iter().filter_map(|c| self.constraint(c)).collect()
    }

    fn constraint(&mut self, item: &Node) -> Option<ConstraintDoc> {
        let entries = self.map(item, "a constraint")?;
        self.unknown(entries, &CONSTRAINT_FIELDS, "a constraint");
        let name = self.string(item.get("name"), "a constraint's `name`");
        let value = self.string(item.get("value"), "a constraint's `value`");
        let severity = self.string(item.get("severity"), "a constraint's `severity`");
        let remediation = self.string(item.get("remediation"), "a constraint's `remediation`");
        let unit = self.string(item.get("unit"), "a constraint's `unit`");
        match (name.filter(|n| !n.trim().is_empty()), value) {
            (Some(name), Some(value)) => Some(ConstraintDoc {
                constraint: crate::ir::Constraint {
                    name,
                    value,
                    severity,
                    remediation,
                    unit,
                },
                span: item.span,
                value_span: item.get("value").map_or(item.span, |v| v.span),
            }),
            _ => {
                if item.get("name").is_none_or(Node::is_scalar)
                    && item.get("value").is_none_or(Node::is_scalar)
                {
                    self.missing(item, "a constraint needs a `name` and a `value`".into());
                }
                None
            }
        }
    }

    fn components(&mut self, node: Option<&Node>) -> Vec<ComponentDoc> {
        let mut out: Vec<ComponentDoc> = Vec::new();
        for item in self.seq(node, "`componentRefs`") {
            let Some(c) = self.component(item) else {
                continue;
            };
            if out.iter().any(|o| o.name == c.name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::ResultShape,
                        format!("component `{}` is listed twice in `componentRefs`", c.name),
                    )
                    .with_label(item.span, "second entry")
                    .with_help("list each component once"),
                );
                continue;
            }
            out.push(c);
        }
        out
    }

    fn component(&mut self, node: &Node) -> Option<ComponentDoc> {
        let entries = self.map(node, "a component reference")?;
        let known: Vec<&str> = COMPONENT_FIELDS.iter().filter_map(|f| f.key).collect();
        self.unknown(entries, &known, "a component reference");
        let Some(name) = self
            .string(node.get("name"), "a component's `name`")
            .filter(|n| !n.is_empty())
        else {
            self.missing(node, "a component reference needs a `name`".into());
            return None;
        };
        let mut c = ComponentDoc {
            name,
            span: node.span,
            kind: ComponentType::Helm,
            text: BTreeMap::new(),
            lists: BTreeMap::new(),
            maps: BTreeMap::new(),
            cleanup: false,
            expected_resources: Vec::new(),
        };
        for field in &COMPONENT_FIELDS {
            let Some(key) = field.key.filter(|k| *k != "name") else {
                continue;
            };
            let Some(value) = node.get(key) else { continue };
            self.field(&mut c, key, field.shape, value);
        }
        c.kind = self.component_type(&c);
        Some(c)
    }

    fn field(&mut self, c: &mut ComponentDoc, key: &'static str, shape: FieldShape, node: &Node) {
        let what = format!("`{key}` of `{}`", c.name);
        match shape {
            FieldShape::Text => {
                if let Some(s) = self.string(Some(node), &what) {
                    c.text.insert(key, (s, node.span));
                }
            }
            FieldShape::List => {
                let items = self.strings(Some(node), &what);
                c.lists.insert(key, items);
            }
            FieldShape::Map => {
                if node.is_null() {
                    // Null reads as absent: `values: null` is hydrated like no `values`.
                } else if node.as_map().is_some() {
                    c.maps.insert(key, node.to_value());
                } else {
                    self.shape(node, &what, "a mapping");
                }
            }
            FieldShape::Bool => match node.as_bool() {
                Some(b) => c.cleanup = b,
                None if node.is_null() => {}
                None => self.shape(node, &what, "true or false"),
            },
            FieldShape::Resources => {
                for r in self.seq(Some(node), &what) {
                    if let Some(res) = self.resource(r) {
                        c.expected_resources.push(res);
                    }
                }
            }
        }
    }

    fn resource(&mut self, node: &Node) -> Option<ExpectedResource> {
        let entries = self.map(node, "an expected resource")?;
        self.unknown(entries, &RESOURCE_FIELDS, "an expected resource");
        let kind = self.string(node.get("kind"), "an expected resource's `kind`");
        let name = self.string(node.get("name"), "an expected resource's `name`");
        let namespace = self.string(node.get("namespace"), "an expected resource's `namespace`");
        match (kind, name) {
            (Some(kind), Some(name)) => Some(ExpectedResource {
                kind,
                name,
                namespace,
            }),
            _ if !node.get("kind").is_none_or(Node::is_scalar)
                || !node.get("name").is_none_or(Node::is_scalar) =>
            {
                None
            }
            _ => {
                self.missing(
                    node,
                    "an expected resource needs a `kind` and a `name`".into(),
                );
                None
            }
        }
    }

    fn component_type(&mut self, c: &ComponentDoc) -> ComponentType {
        match c.text.get("type").map(|(s, span)| (s.as_str(), *span)) {
            None | Some(("" | "Helm" | "helm", _)) => ComponentType::Helm,
            Some(("Kustomize" | "kustomize", _)) => ComponentType::Kustomize,
            Some((other, span)) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::ResultShape,
                        format!(
                            "component `{}` has type `{other}`; expected Helm or Kustomize",
                            c.name
                        ),
                    )
                    .with_label(span, "unknown type"),
                );
                ComponentType::Helm
            }
        }
    }

    fn validation(&mut self, node: Option<&Node>) -> Vec<PhaseDoc> {
        let Some(node) = node else { return Vec::new() };
        let Some(entries) = self.map(node, "`validation`") else {
            return Vec::new();
        };
        self.unknown(entries, &PHASES, "`validation`");
        let mut out = Vec::new();
        for (k, body) in entries {
            let name = k.key_text();
            if PHASES.contains(&name.as_ref())
                && let Some(phase) = self.phase(&name, body)
            {
                out.push(phase);
            }
        }
        out
    }

    fn phase(&mut self, name: &str, node: &Node) -> Option<PhaseDoc> {
        let entries = self.map(node, &format!("validation phase `{name}`"))?;
        self.unknown(
            entries,
            &PHASE_FIELDS,
            &format!("validation phase `{name}`"),
        );
        Some(PhaseDoc {
            name: name.to_string(),
            timeout: self.string(node.get("timeout"), "a phase's `timeout`"),
            constraints: self.constraints(node.get("constraints"), "a phase's `constraints`"),
            checks: self.strings(node.get("checks"), "a phase's `checks`"),
            node_selection: node.get("nodeSelection").and_then(|n| self.selection(n)),
            infrastructure: self.string(node.get("infrastructure"), "a phase's `infrastructure`"),
            value: node.to_value(),
        })
    }

    fn selection(&mut self, node: &Node) -> Option<NodeSelection> {
        let entries = self.map(node, "`nodeSelection`")?;
        self.unknown(entries, &SELECTION_FIELDS, "`nodeSelection`");
        let mut sel = NodeSelection::default();
        if let Some(m) = node.get("selector")
            && let Some(pairs) = self.map(m, "`nodeSelection.selector`")
        {
            for (k, v) in pairs {
                if let Some(val) = self.string(Some(v), "a node selector value") {
                    sel.selector.insert(k.key_text().into_owned(), val);
                }
            }
        }
        if let Some(n) = node.get("maxNodes").filter(|n| !n.is_null()) {
            match n.as_i64() {
                Some(v) => sel.max_nodes = Some(v),
                None => self.shape(n, "`nodeSelection.maxNodes`", "an integer"),
            }
        }
        sel.exclude_nodes = self.strings(node.get("excludeNodes"), "`nodeSelection.excludeNodes`");
        Some(sel)
    }
}

#[cfg(test)]
mod tests;
