//! Lowering the reference's YAML into the overlay AST.
//!
//! In: one file's text and its path relative to the data root. Out: an [`AicrLowered`], a
//! [`SourceUnit`] of [`Syntax::AicrYaml`] whose spans point into the YAML, plus diagnostics.
//! Only the first document is read, as the reference's loader does.
//!
//! Dispatch is on `kind`: `RecipeMetadata` (or no kind, with `metadata` or `spec`) is an
//! overlay (its `spec.mixins` the mixins it includes), `RecipeMixin` a mixin, `ComponentRegistry` (or `registry.yaml` at the data root) a list of registry
//! components (`decls`), `ValidatorCatalog` a list of validators (`decls`). Any other kind
//! is not ours: no unit and no diagnostic, as the reference skips it.
//! `fields` holds the typed getters every lowering shares.
//!
//! The reference decodes with Go's yaml.v3 into typed structs, and galley keeps its
//! leniency where that is harmless:
//! - an unknown field is a *warning* (`galley::yaml::unknown-field`) with a did-you-mean,
//!   because the reference ignores it (the CLI's `--strict` makes it an error);
//! - a scalar where text is expected is read as written (`version: 1.10` is `"1.10"`), as
//!   yaml.v3 does for a string field; null is the same as absent;
//! - a field of the wrong shape (a list for `criteria`, a map for `dependencyRefs`, a missing
//!   name) is an error (`galley::yaml::shape`): the reference fails on those too.
//!
//! Overlay rules (recipe-engine §2.2):
//! - `overlays/base.yaml` is the root overlay `base` whatever `metadata.name` says, and
//!   extends nothing; elsewhere `spec.base` `""`/`base` means "extends the root" (`None`).
//! - `criteria` absent or null: no `when`; `{}`: a `when` with no terms. A criterion whose
//!   value is empty (or `nodes: 0`) is a wildcard in the reference and is left out.
//! - Fields whose empty value means "inherit" in the reference's merge (`source: ""`,
//!   `dependencyRefs: []`, `cleanup: false`, `overrides: {}`) produce no statement.
//! - `overrides` becomes one `set` block of leaf assignments; `enabled` stays in it.
//! - Statements come in a fixed order: `when`, constraints, components, validation phases.

mod decls;
mod fields;

use std::ops::Range;

use crate::diag::Diagnostic;
use crate::source::{FileId, Spanned};
use crate::syntax::ast::{
    Assign, ComponentRef, ComponentStmt, ComponentType, Constraint, Criteria, Criterion,
    ExpectedResource, Item, MeasurementPath, Mixin, Name, Op, Overlay, OverlayStmt, Phase,
    PhaseStmt, SetBlock, SourceUnit, Str, Syntax, Value, ValueKind, ValuePath,
};
use crate::syntax::yaml::{self, Node, NodeKind};

/// The result of lowering one YAML file.
#[derive(Debug)]
pub struct AicrLowered {
    /// `None` when the file is not one of the reference's kinds (or did not parse).
    pub unit: Option<SourceUnit>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn lower(file: FileId, text: &str, rel_path: &str) -> AicrLowered {
    let doc = match yaml::parse_document(file, text) {
        // An empty or null first document decodes to an empty struct in the reference.
        Ok(Some(doc)) if !doc.is_null() => doc,
        Ok(_) => {
            return AicrLowered {
                unit: None,
                diagnostics: Vec::new(),
            };
        }
        Err(d) => {
            return AicrLowered {
                unit: None,
                diagnostics: vec![d],
            };
        }
    };
    let mut cx = Lowerer {
        text,
        diags: Vec::new(),
    };
    let items = cx.document(&doc, rel_path);
    AicrLowered {
        unit: items.map(|items| SourceUnit {
            file,
            syntax: Syntax::AicrYaml,
            items,
            comments: Vec::new(),
        }),
        diagnostics: cx.diags,
    }
}

use crate::syntax::ast::{DIMENSIONS, PHASES};
const CONSTRAINT_FIELDS: &[&str] = &["name", "value", "severity", "remediation", "unit"];
const COMPONENT_REF_FIELDS: &[&str] = &[
    "name",
    "namespace",
    "chart",
    "type",
    "source",
    "version",
    "tag",
    "valuesFile",
    "overrides",
    "patches",
    "dependencyRefs",
    "manifestFiles",
    "path",
    "cleanup",
    "expectedResources",
    "healthCheckAsserts",
];

/// A text field of a component reference and the statement it becomes.
type TextField = (&'static str, fn(Str) -> ComponentStmt);

struct Lowerer<'t> {
    text: &'t str,
    diags: Vec<Diagnostic>,
}

/// A file's shape, decided by `kind` (and the registry's path).
enum DocKind {
    Overlay,
    Mixin,
    Registry,
    Catalog,
    Foreign,
}

impl Lowerer<'_> {
    fn document(&mut self, doc: &Node, rel_path: &str) -> Option<Vec<Item>> {
        if doc.as_map().is_none() {
            let message = format!(
                "expected a map at the top of the file, found {}",
                doc.kind_name()
            );
            self.shape(doc.span, message, "expected `kind`, `metadata` and `spec`");
            return Some(Vec::new());
        }
        let items = match self.doc_kind(doc, rel_path) {
            DocKind::Overlay => self
                .overlay(doc, rel_path)
                .map(Item::Overlay)
                .into_iter()
                .collect(),
            DocKind::Mixin => self.mixin(doc).map(Item::Mixin).into_iter().collect(),
            DocKind::Registry => self.registry(doc),
            DocKind::Catalog => self.catalog(doc),
            DocKind::Foreign => return None,
        };
        Some(items)
    }

    fn doc_kind(&mut self, doc: &Node, rel_path: &str) -> DocKind {
        let kind = self.text_field(doc, "kind", "the top level");
        match kind.as_ref().map_or("", |k| k.node.as_str()) {
            "RecipeMetadata" => DocKind::Overlay,
            "RecipeMixin" => DocKind::Mixin,
            "ComponentRegistry" => DocKind::Registry,
            "ValidatorCatalog" => DocKind::Catalog,
            "" if rel_path == "registry.yaml" => DocKind::Registry,
            "" if doc.get("metadata").is_some() || doc.get("spec").is_some() => DocKind::Overlay,
            _ => DocKind::Foreign,
        }
    }

    // -----------------------------------------------------------------------------------
    // Overlays
    // -----------------------------------------------------------------------------------

    fn overlay(&mut self, doc: &Node, rel_path: &str) -> Option<Overlay> {
        self.unknown_fields(
            doc,
            &["kind", "apiVersion", "metadata", "spec"],
            "the top level",
        );
        let metadata = self.map_field(doc, "metadata", "the top level");
        if let Some(m) = metadata {
            self.unknown_fields(m, &["name"], "metadata");
        }
        let name = metadata
            .and_then(|m| self.text_field(m, "name", "metadata"))
            .filter(|n| !n.node.is_empty());
        let is_base = is_base_path(rel_path);
        let name = match name {
            _ if is_base => Spanned::new("base".to_string(), name.map_or(doc.span, |n| n.span)),
            Some(name) => name,
            None => {
                let at = doc.entry("metadata").map_or(doc.span, |(k, _)| k.span);
                self.shape(
                    at,
                    "missing `metadata.name`".into(),
                    "this overlay has no name",
                );
                return None;
            }
        };
        let spec = self.map_field(doc, "spec", "the top level");
        let extends = match spec {
            Some(spec) if !is_base => self
                .text_field(spec, "base", "spec")
                .filter(|b| !b.node.is_empty() && b.node != "base"),
            _ => None,
        };
        let body = spec.map(|s| self.overlay_body(s)).unwrap_or_default();
        let mixins = spec.map(|s| self.mixin_names(s)).unwrap_or_default();
        Some(Overlay {
            span: doc.span,
            name,
            extends,
            mixins,
            priority: None,
            body,
        })
    }

    fn overlay_body(&mut self, spec: &Node) -> Vec<OverlayStmt> {
        let known = [
            "base",
            "criteria",
            "constraints",
            "componentRefs",
            "validation",
            "mixins",
        ];
        self.unknown_fields(spec, &known, "spec");
        let mut body = Vec::new();
        body.extend(self.criteria(spec).map(OverlayStmt::When));
        for item in self.list_field(spec, "constraints", "spec") {
            body.extend(
                self.constraint(item, "spec.constraints")
                    .map(OverlayStmt::Require),
            );
        }
        for item in self.list_field(spec, "componentRefs", "spec") {
            body.extend(self.component_ref(item).map(OverlayStmt::Component));
        }
        if let Some(validation) = self.map_field(spec, "validation", "spec") {
            self.unknown_fields(validation, &PHASES, "spec.validation");
            for &phase in &PHASES {
                if let Some((key, node)) = validation.entry(phase) {
                    body.extend(self.phase(key, node).map(OverlayStmt::Validate));
                }
            }
        }
        body
    }

    /// `spec.mixins: [NAME, ...]`: the `RecipeMixin` documents an overlay includes.
    fn mixin_names(&mut self, spec: &Node) -> Vec<Name> {
        let mut names = Vec::new();
        for item in self.list_field(spec, "mixins", "spec") {
            match item.scalar_text(self.text) {
                Some(t) if !t.is_empty() => names.push(Spanned::new(t.to_string(), item.span)),
                _ => self.shape(
                    item.span,
                    format!("expected a mixin name, found {}", item.kind_name()),
                    "each entry of `spec.mixins` names a `RecipeMixin`",
                ),
            }
        }
        names
    }

    /// `kind: RecipeMixin`: a `metadata.name` and a `spec` of `constraints` and
    /// `componentRefs` (no criteria, no validation).
    fn mixin(&mut self, doc: &Node) -> Option<Mixin> {
        self.unknown_fields(
            doc,
            &["kind", "apiVersion", "metadata", "spec"],
            "the top level",
        );
        let metadata = self.map_field(doc, "metadata", "the top level");
        if let Some(m) = metadata {
            self.unknown_fields(m, &["name"], "metadata");
        }
        let Some(name) = metadata
            .and_then(|m| self.text_field(m, "name", "metadata"))
            .filter(|n| !n.node.is_empty())
        else {
            let at = doc.entry("metadata").map_or(doc.span, |(k, _)| k.span);
            self.shape(
                at,
                "missing `metadata.name`".into(),
                "this mixin has no name",
            );
            return None;
        };
        let mut body = Vec::new();
        if let Some(spec) = self.map_field(doc, "spec", "the top level") {
            self.unknown_fields(spec, &["constraints", "componentRefs"], "spec");
            for item in self.list_field(spec, "constraints", "spec") {
                body.extend(
                    self.constraint(item, "spec.constraints")
                        .map(OverlayStmt::Require),
                );
            }
            for item in self.list_field(spec, "componentRefs", "spec") {
                body.extend(self.component_ref(item).map(OverlayStmt::Component));
            }
        }
        Some(Mixin {
            span: doc.span,
            name,
            mixins: Vec::new(),
            body,
        })
    }

    fn criteria(&mut self, spec: &Node) -> Option<Criteria> {
        let (key, node) = spec.entry("criteria")?;
        let entries = self.expect_map(node, "criteria", "spec")?;
        self.unknown_fields(node, &DIMENSIONS, "spec.criteria");
        let mut terms = Vec::new();
        for (k, v) in entries {
            let dimension = k.key_text();
            if !DIMENSIONS.contains(&dimension.as_ref()) {
                continue;
            }
            let value = if dimension == "nodes" {
                self.nodes_value(v)
            } else {
                self.scalar_text(v, &dimension, "spec.criteria")
            };
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                terms.push(Criterion {
                    span: k.span.to(v.span),
                    dimension: Spanned::new(dimension.into_owned(), k.span),
                    value: Spanned::new(value, v.span),
                });
            }
        }
        Some(Criteria {
            span: key.span.to(node.span),
            terms,
        })
    }

    /// `nodes` as decimal text; `0` (the reference's wildcard) and null give nothing.
    fn nodes_value(&mut self, v: &Node) -> Option<String> {
        match v.kind {
            NodeKind::Null | NodeKind::Int(0) => None,
            NodeKind::Int(n) => Some(n.to_string()),
            _ => {
                let message = format!(
                    "`nodes` in `spec.criteria` must be an integer, found {}",
                    v.kind_name()
                );
                self.shape(v.span, message, "expected a node count such as `8`");
                None
            }
        }
    }

    fn constraint(&mut self, item: &Node, ctx: &str) -> Option<Constraint> {
        self.expect_map(item, "each entry", ctx)?;
        self.unknown_fields(item, CONSTRAINT_FIELDS, ctx);
        let name = self.required_text(item, "name", ctx)?;
        let name_node = item.get("name")?;
        let (op, value) = match item.get("value") {
            Some(node) => {
                let text = self.scalar_text(node, "value", ctx).unwrap_or_default();
                self.split_operator(node, &text)
            }
            None => (
                Spanned::new(Op::Exact, name.span),
                Spanned::new(String::new(), name.span),
            ),
        };
        Some(Constraint {
            span: item.span,
            path: self.measurement_path(name_node, &name.node),
            op,
            value,
            severity: self.text_field(item, "severity", ctx),
            remediation: self.text_field(item, "remediation", ctx),
            unit: self.text_field(item, "unit", ctx),
        })
    }

    /// `">= 1.32.4"` → (`>=`, `1.32.4`); a value without an operator is an exact match.
    fn split_operator(&self, node: &Node, text: &str) -> (Spanned<Op>, Str) {
        let lead = text.len() - text.trim_start().len();
        let trimmed = text.trim();
        for op in Op::PREFIXES {
            let token = op.as_str();
            if let Some(rest) = trimmed.strip_prefix(token) {
                let at = lead + token.len() + (rest.len() - rest.trim_start().len());
                let value = rest.trim();
                return (
                    Spanned::new(op, self.sub_span(node, text, lead..lead + token.len())),
                    Spanned::new(
                        value.to_string(),
                        self.sub_span(node, text, at..at + value.len()),
                    ),
                );
            }
        }
        let span = self.sub_span(node, text, lead..lead + trimmed.len());
        (
            Spanned::new(Op::Exact, span),
            Spanned::new(trimmed.to_string(), span),
        )
    }

    /// `Type.subtype.key`: the key keeps its dots (`GPU.smi.gpu.model`), except for
    /// `SystemD`, whose unit name holds the dots (`SystemD.containerd.service.ActiveState`).
    fn measurement_path(&self, node: &Node, name: &str) -> MeasurementPath {
        let ranges = path_ranges(name);
        let segments = ranges
            .into_iter()
            .map(|r| Spanned::new(name[r.clone()].to_string(), self.sub_span(node, name, r)))
            .collect();
        MeasurementPath {
            span: node.span,
            segments,
        }
    }

    // -----------------------------------------------------------------------------------
    // Component references
    // -----------------------------------------------------------------------------------

    fn component_ref(&mut self, item: &Node) -> Option<ComponentRef> {
        let ctx = "spec.componentRefs";
        self.expect_map(item, "each entry", ctx)?;
        self.unknown_fields(item, COMPONENT_REF_FIELDS, ctx);
        self.amend_unknown(item, "enabled", |d| {
            d.help = Some("to disable a component, set `overrides.enabled: false`".into());
        });
        let name = self.required_text(item, "name", ctx)?;
        let mut body = Vec::new();
        body.extend(self.component_type(item).map(ComponentStmt::Type));
        let texts: [TextField; 6] = [
            ("source", ComponentStmt::Source),
            ("chart", ComponentStmt::Chart),
            ("version", ComponentStmt::Version),
            ("namespace", ComponentStmt::Namespace),
            ("tag", ComponentStmt::Tag),
            ("path", ComponentStmt::Path),
        ];
        self.push_texts(item, ctx, &texts, &mut body);
        body.extend(
            self.nonempty_texts(item, "patches", ctx)
                .map(ComponentStmt::Patches),
        );
        self.push_texts(
            item,
            ctx,
            &[("valuesFile", ComponentStmt::Values)],
            &mut body,
        );
        body.extend(
            self.nonempty_texts(item, "manifestFiles", ctx)
                .map(ComponentStmt::Manifests),
        );
        body.extend(
            self.nonempty_texts(item, "dependencyRefs", ctx)
                .map(ComponentStmt::Needs),
        );
        let cleanup = self.bool_field(item, "cleanup", ctx).filter(|c| c.node);
        body.extend(cleanup.map(ComponentStmt::Cleanup));
        for resource in self.list_field(item, "expectedResources", ctx) {
            body.extend(self.expected_resource(resource).map(ComponentStmt::Expect));
        }
        self.push_texts(
            item,
            ctx,
            &[("healthCheckAsserts", ComponentStmt::HealthAsserts)],
            &mut body,
        );
        body.extend(self.set_block(item, ctx).map(ComponentStmt::Set));
        Some(ComponentRef {
            span: item.span,
            name,
            body,
        })
    }

    /// One statement per present, non-empty text field.
    fn push_texts(
        &mut self,
        item: &Node,
        ctx: &str,
        fields: &[TextField],
        body: &mut Vec<ComponentStmt>,
    ) {
        for &(key, make) in fields {
            if let Some(text) = self
                .text_field(item, key, ctx)
                .filter(|t| !t.node.is_empty())
            {
                body.push(make(text));
            }
        }
    }

    fn nonempty_texts(&mut self, item: &Node, key: &str, ctx: &str) -> Option<Spanned<Vec<Str>>> {
        self.text_list(item, key, ctx)
            .filter(|l| !l.node.is_empty())
    }

    fn component_type(&mut self, item: &Node) -> Option<Spanned<ComponentType>> {
        let text = self.text_field(item, "type", "spec.componentRefs")?;
        let ty = match text.node.to_ascii_lowercase().as_str() {
            "" => return None,
            "helm" => ComponentType::Helm,
            "kustomize" => ComponentType::Kustomize,
            _ => {
                let message = format!("unknown component type `{}`", text.node);
                self.shape(text.span, message, "expected `Helm` or `Kustomize`");
                return None;
            }
        };
        Some(Spanned::new(ty, text.span))
    }

    fn expected_resource(&mut self, item: &Node) -> Option<ExpectedResource> {
        let ctx = "expectedResources";
        self.expect_map(item, "each entry", ctx)?;
        self.unknown_fields(item, &["kind", "name", "namespace"], ctx);
        let kind = self.required_text(item, "kind", ctx);
        let name = self.required_text(item, "name", ctx);
        let namespace = self
            .text_field(item, "namespace", ctx)
            .filter(|n| !n.node.is_empty());
        Some(ExpectedResource {
            span: item.span,
            kind: kind?,
            name: name?,
            namespace,
        })
    }

    /// `overrides` as one `set` block of leaf paths.
    fn set_block(&mut self, item: &Node, ctx: &str) -> Option<SetBlock> {
        let (key, node) = item.entry("overrides")?;
        self.expect_map(node, "overrides", ctx)?;
        let mut entries = Vec::new();
        flatten(node, &mut Vec::new(), &mut entries);
        (!entries.is_empty()).then(|| SetBlock {
            span: key.span.to(node.span),
            entries,
        })
    }

    // -----------------------------------------------------------------------------------
    // Validation phases
    // -----------------------------------------------------------------------------------

    fn phase(&mut self, key: &Node, node: &Node) -> Option<Phase> {
        let name = key.key_text().into_owned();
        let ctx = format!("spec.validation.{name}");
        self.expect_map(node, &name, "spec.validation")?;
        let known = [
            "timeout",
            "checks",
            "constraints",
            "nodeSelection",
            "infrastructure",
        ];
        self.unknown_fields(node, &known, &ctx);
        let mut body = Vec::new();
        body.extend(
            self.text_field(node, "timeout", &ctx)
                .map(PhaseStmt::Timeout),
        );
        body.extend(
            self.nonempty_texts(node, "checks", &ctx)
                .map(PhaseStmt::Checks),
        );
        for item in self.list_field(node, "constraints", &ctx) {
            body.extend(
                self.constraint(item, &format!("{ctx}.constraints"))
                    .map(PhaseStmt::Require),
            );
        }
        if let Some(selection) = self.map_field(node, "nodeSelection", &ctx) {
            self.node_selection(selection, &format!("{ctx}.nodeSelection"), &mut body);
        }
        body.extend(
            self.text_field(node, "infrastructure", &ctx)
                .map(PhaseStmt::Infrastructure),
        );
        Some(Phase {
            span: key.span.to(node.span),
            name: Spanned::new(name, key.span),
            body,
        })
    }

    fn node_selection(&mut self, node: &Node, ctx: &str, body: &mut Vec<PhaseStmt>) {
        self.unknown_fields(node, &["selector", "maxNodes", "excludeNodes"], ctx);
        if let Some(selector) = self.map_field(node, "selector", ctx) {
            for (k, v) in selector.as_map().unwrap_or_default() {
                body.push(PhaseStmt::NodeSelector(assign(k, v)));
            }
        }
        body.extend(
            self.int_field(node, "maxNodes", ctx)
                .map(PhaseStmt::MaxNodes),
        );
        body.extend(
            self.nonempty_texts(node, "excludeNodes", ctx)
                .map(PhaseStmt::ExcludeNodes),
        );
    }
}

fn is_base_path(rel_path: &str) -> bool {
    let rel_path = rel_path.replace('\\', "/");
    let file_name = rel_path.rsplit('/').next().unwrap_or("");
    file_name == "base.yaml" && rel_path.contains("overlays/")
}

/// Byte ranges of a measurement name's segments (see [`Lowerer::measurement_path`]).
fn path_ranges(name: &str) -> Vec<Range<usize>> {
    let Some(first) = name.find('.') else {
        return std::iter::once(0..name.len()).collect();
    };
    let rest = first + 1;
    let second = if &name[..first] == "SystemD" {
        name.rfind('.').filter(|&last| last > first)
    } else {
        name[rest..].find('.').map(|i| rest + i)
    };
    match second {
        Some(second) => vec![0..first, rest..second, second + 1..name.len()],
        None => vec![0..first, rest..name.len()],
    }
}

/// Flatten nested maps into leaf assignments; an empty map and any non-map is a leaf.
fn flatten(map: &Node, prefix: &mut Vec<Str>, out: &mut Vec<Assign>) {
    for (k, v) in map.as_map().unwrap_or_default() {
        let segment = Spanned::new(k.key_text().into_owned(), k.span);
        match &v.kind {
            NodeKind::Map(entries) if !entries.is_empty() => {
                prefix.push(segment);
                flatten(v, prefix, out);
                prefix.pop();
            }
            _ => {
                let mut segments = prefix.clone();
                segments.push(segment);
                let span = segments.first().map_or(k.span, |s| s.span).to(k.span);
                out.push(Assign {
                    span: k.span.to(v.span),
                    path: ValuePath { span, segments },
                    value: ast_value(v),
                });
            }
        }
    }
}

/// `key: value` as a one-segment assignment.
fn assign(k: &Node, v: &Node) -> Assign {
    Assign {
        span: k.span.to(v.span),
        path: ValuePath {
            span: k.span,
            segments: vec![Spanned::new(k.key_text().into_owned(), k.span)],
        },
        value: ast_value(v),
    }
}

/// A YAML node as an AST value; maps keep their entries as one-segment assignments.
fn ast_value(node: &Node) -> Value {
    let kind = match &node.kind {
        NodeKind::Null => ValueKind::Null,
        NodeKind::Bool(b) => ValueKind::Bool(*b),
        NodeKind::Int(i) => ValueKind::Int(*i),
        NodeKind::Float(f) => ValueKind::Float(*f),
        NodeKind::String(s) => ValueKind::String(s.clone()),
        NodeKind::Seq(items) => ValueKind::List(items.iter().map(ast_value).collect()),
        NodeKind::Map(entries) => {
            ValueKind::Map(entries.iter().map(|(k, v)| assign(k, v)).collect())
        }
    };
    Value {
        span: node.span,
        kind,
    }
}

#[cfg(test)]
mod tests;
