//! Reading a `RecipeResult` document back (YAML or JSON), galley's or AICR's, for `diff`.
//!
//! Only what a comparison needs is kept: criteria, applied overlays, constraints,
//! components (scalar fields, lists, `overrides` and, when hydrated, `values`), the
//! deployment order and the validation phases. Shape errors are diagnostics pointing at the
//! node; fields galley does not know are ignored, as the reference's reader ignores them.

use crate::diag::{Code, Diagnostic};
use crate::source::FileId;
use crate::syntax::yaml::{self, Node, NodeKind};
use crate::value::Value;
use std::collections::BTreeMap;

/// Component fields that are one scalar, in the reference's order.
pub const SCALAR_FIELDS: [&str; 8] = [
    "type",
    "source",
    "chart",
    "version",
    "tag",
    "namespace",
    "path",
    "valuesFile",
];

/// Component fields that are lists of strings.
pub const LIST_FIELDS: [&str; 3] = ["dependencyRefs", "manifestFiles", "patches"];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadRecipe {
    pub criteria: BTreeMap<String, String>,
    pub applied_overlays: Vec<String>,
    /// name → the reference's value string (`>= 1.32.4`).
    pub constraints: BTreeMap<String, String>,
    pub components: BTreeMap<String, ReadComponent>,
    pub deployment_order: Vec<String>,
    /// phase → the phase as a value.
    pub validation: BTreeMap<String, Value>,
    /// galley's `metadata.params`: parameter → its value as text.
    pub params: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadComponent {
    pub scalars: BTreeMap<String, String>,
    pub lists: BTreeMap<String, Vec<String>>,
    pub overrides: Option<Value>,
    /// Present when the document was written with `--hydrate`.
    pub values: Option<Value>,
}

/// Read one `RecipeResult` document. `text` is the file `file` names.
pub fn read(file: FileId, text: &str) -> Result<ReadRecipe, Vec<Diagnostic>> {
    let doc = yaml::parse_recipe_document(file, text)
        .map_err(|d| vec![d])?
        .ok_or_else(|| {
            vec![Diagnostic::error(
                Code::YamlShape,
                "the file is empty, expected a `RecipeResult` document",
            )]
        })?;
    let mut r = Reader {
        text,
        errors: Vec::new(),
    };
    let recipe = r.recipe(&doc);
    if r.errors.is_empty() {
        Ok(recipe)
    } else {
        Err(r.errors)
    }
}

struct Reader<'t> {
    text: &'t str,
    errors: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn shape(&mut self, node: &Node, what: &str, expected: &str) {
        self.errors.push(
            Diagnostic::error(
                Code::YamlShape,
                format!("{what} is {}, expected {expected}", node.kind_name()),
            )
            .with_label(node.span, format!("expected {expected}")),
        );
    }

    fn expect_map<'n>(&mut self, node: &'n Node, what: &str) -> &'n [(Node, Node)] {
        match node.as_map() {
            Some(m) => m,
            None if node.is_null() => &[],
            None => {
                self.errors.push(
                    Diagnostic::error(
                        Code::YamlShape,
                        format!("`{what}` is {}, expected a map", node.kind_name()),
                    )
                    .with_label(node.span, "expected a map"),
                );
                &[]
            }
        }
    }

    fn expect_seq<'n>(&mut self, node: &'n Node, what: &str) -> &'n [Node] {
        match node.as_seq() {
            Some(s) => s,
            None if node.is_null() => &[],
            None => {
                self.errors.push(
                    Diagnostic::error(
                        Code::YamlShape,
                        format!("`{what}` is {}, expected a list", node.kind_name()),
                    )
                    .with_label(node.span, "expected a list"),
                );
                &[]
            }
        }
    }

    fn scalar(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.scalar_text(self.text) {
            Some(s) => Some(s.into_owned()),
            None if node.is_null() => None,
            None => {
                self.shape(node, &format!("`{what}`"), "a string");
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Vec<String> {
        let items = self.expect_seq(node, what);
        items.iter().filter_map(|i| self.scalar(i, what)).collect()
    }

    fn recipe(&mut self, doc: &Node) -> ReadRecipe {
        if !matches!(doc.kind, NodeKind::Map(_)) {
            self.errors.push(
                Diagnostic::error(
                    Code::YamlShape,
                    format!(
                        "a `RecipeResult` is a map, this document is {}",
                        doc.kind_name()
                    ),
                )
                .with_label(doc.span, "expected a map"),
            );
            return ReadRecipe::default();
        }
        if let Some(kind) = doc.get("kind")
            && kind.as_str() != Some("RecipeResult")
        {
            self.errors.push(
                Diagnostic::error(Code::YamlShape, "not a `RecipeResult` document")
                    .with_label(kind.span, "expected `kind: RecipeResult`"),
            );
        }
        let mut out = ReadRecipe::default();
        if let Some(c) = doc.get("criteria") {
            for (k, v) in self.expect_map(c, "criteria") {
                if let Some(text) = self.scalar(v, "criteria") {
                    out.criteria.insert(k.key_text().into_owned(), text);
                }
            }
        }
        if let Some(applied) = doc.get("metadata").and_then(|m| m.get("appliedOverlays")) {
            out.applied_overlays = self.strings(applied, "metadata.appliedOverlays");
        }
        if let Some(params) = doc.get("metadata").and_then(|m| m.get("params")) {
            for p in self.expect_seq(params, "metadata.params") {
                match crate::params::recorded(p) {
                    Ok(set) => {
                        let text = crate::params::scalar_text(&set.value).unwrap_or_default();
                        out.params.insert(set.name, text);
                    }
                    Err(e) => self.errors.push(
                        Diagnostic::error(Code::YamlShape, format!("`metadata.params`: {e}"))
                            .with_label(p.span, "this entry"),
                    ),
                }
            }
        }
        if let Some(list) = doc.get("constraints") {
            for c in self.expect_seq(list, "constraints") {
                let name = c
                    .get("name")
                    .and_then(|n| self.scalar(n, "constraints.name"));
                let value = c
                    .get("value")
                    .and_then(|n| self.scalar(n, "constraints.value"));
                match (name, value) {
                    (Some(n), Some(v)) => {
                        out.constraints.insert(n, v);
                    }
                    _ => self.missing(c, "a constraint needs `name` and `value`"),
                }
            }
        }
        if let Some(list) = doc.get("componentRefs") {
            for c in self.expect_seq(list, "componentRefs") {
                if let Some((name, comp)) = self.component(c) {
                    out.components.insert(name, comp);
                }
            }
        }
        if let Some(order) = doc.get("deploymentOrder") {
            out.deployment_order = self.strings(order, "deploymentOrder");
        }
        if let Some(v) = doc.get("validation") {
            for (k, phase) in self.expect_map(v, "validation") {
                out.validation
                    .insert(k.key_text().into_owned(), phase.to_value());
            }
        }
        out
    }

    fn missing(&mut self, node: &Node, message: &str) {
        self.errors.push(
            Diagnostic::error(Code::YamlShape, message.to_string())
                .with_label(node.span, "incomplete entry"),
        );
    }

    fn component(&mut self, node: &Node) -> Option<(String, ReadComponent)> {
        self.expect_map(node, "componentRefs[]");
        let Some(name) = node
            .get("name")
            .and_then(|n| self.scalar(n, "componentRefs.name"))
        else {
            self.missing(node, "a component reference needs a `name`");
            return None;
        };
        let mut c = ReadComponent::default();
        for field in SCALAR_FIELDS {
            if let Some(text) = node.get(field).and_then(|n| self.scalar(n, field)) {
                c.scalars.insert(field.to_string(), text);
            }
        }
        for field in LIST_FIELDS {
            if let Some(list) = node.get(field) {
                c.lists.insert(field.to_string(), self.strings(list, field));
            }
        }
        for (field, slot) in [("overrides", &mut c.overrides), ("values", &mut c.values)] {
            if let Some(v) = node.get(field) {
                if v.as_map().is_none() && !v.is_null() {
                    self.shape(v, &format!("`{name}.{field}`"), "a map");
                }
                *slot = Some(v.to_value());
            }
        }
        Some((name, c))
    }
}
