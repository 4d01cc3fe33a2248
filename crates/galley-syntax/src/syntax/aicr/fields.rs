//! Typed access to YAML fields, with the shape errors and unknown-field warnings.
//!
//! Every getter treats null as absent. Text is read the way yaml.v3 fills a Go string field
//! (a plain `1.10` is `"1.10"`); a collection where text is expected is a shape error.

use std::ops::Range;

use super::Lowerer;
use crate::diag::{Code, Diagnostic, suggestion};
use crate::source::{Span, Spanned};
use crate::syntax::ast::Str;
use crate::syntax::yaml::{Node, NodeKind};

impl Lowerer<'_> {
    pub(super) fn shape(&mut self, span: Span, message: String, label: &str) {
        self.diags
            .push(Diagnostic::error(Code::YamlShape, message).with_label(span, label));
    }

    pub(super) fn wrong_shape(&mut self, node: &Node, key: &str, ctx: &str, expected: &str) {
        let message = format!(
            "`{key}` in {} must be {expected}, found {}",
            place(ctx),
            node.kind_name()
        );
        self.shape(node.span, message, &format!("expected {expected}"));
    }

    /// Warn about every key of `map` the reference does not read.
    pub(super) fn unknown_fields(&mut self, map: &Node, known: &[&str], ctx: &str) {
        for (key, _) in map.as_map().unwrap_or_default() {
            let name = key.key_text();
            if known.contains(&name.as_ref()) {
                continue;
            }
            let message = format!(
                "unknown field `{name}` in {}; the reference ignores it",
                place(ctx)
            );
            let d = Diagnostic::warning(Code::YamlUnknownField, message)
                .with_label(key.span, "ignored")
                .with_help(suggestion(&name, known.iter().copied()));
            self.diags.push(d);
        }
    }

    /// Adjust the unknown-field warning already given for `key` of `map`, if any.
    pub(super) fn amend_unknown(
        &mut self,
        map: &Node,
        key: &str,
        amend: impl FnOnce(&mut Diagnostic),
    ) {
        let Some((key, _)) = map.entry(key) else {
            return;
        };
        let warning = self
            .diags
            .iter_mut()
            .rev()
            .find(|d| d.code == Code::YamlUnknownField && d.primary_span() == Some(key.span));
        if let Some(d) = warning {
            amend(d);
        }
    }

    /// A map-valued node; null is absent, anything else an error.
    pub(super) fn expect_map<'n>(
        &mut self,
        node: &'n Node,
        key: &str,
        ctx: &str,
    ) -> Option<&'n [(Node, Node)]> {
        match &node.kind {
            NodeKind::Map(entries) => Some(entries),
            NodeKind::Null => None,
            _ => {
                self.wrong_shape(node, key, ctx, "a map");
                None
            }
        }
    }

    pub(super) fn map_field<'n>(
        &mut self,
        map: &'n Node,
        key: &str,
        ctx: &str,
    ) -> Option<&'n Node> {
        let node = map.get(key)?;
        self.expect_map(node, key, ctx).map(|_| node)
    }

    pub(super) fn list_field<'n>(&mut self, map: &'n Node, key: &str, ctx: &str) -> &'n [Node] {
        match map.get(key).map(|n| (n, &n.kind)) {
            Some((_, NodeKind::Seq(items))) => items,
            Some((node, kind)) if !matches!(kind, NodeKind::Null) => {
                self.wrong_shape(node, key, ctx, "a list");
                &[]
            }
            _ => &[],
        }
    }

    /// A scalar read as text, the way yaml.v3 fills a string field; null gives `None`.
    pub(super) fn scalar_text(&mut self, node: &Node, key: &str, ctx: &str) -> Option<String> {
        if !node.is_scalar() {
            self.wrong_shape(node, key, ctx, "a string");
            return None;
        }
        node.scalar_text(self.text).map(|t| t.into_owned())
    }

    pub(super) fn text_field(&mut self, map: &Node, key: &str, ctx: &str) -> Option<Str> {
        let node = map.get(key)?;
        let text = self.scalar_text(node, key, ctx)?;
        Some(Spanned::new(text, node.span))
    }

    pub(super) fn required_text(&mut self, map: &Node, key: &str, ctx: &str) -> Option<Str> {
        let text = self
            .text_field(map, key, ctx)
            .filter(|t| !t.node.is_empty());
        if text.is_none() && map.get(key).is_none_or(Node::is_scalar) {
            let at = map.get(key).map_or(map.span, |n| n.span);
            let message = format!("missing `{key}` in {}", place(ctx));
            self.shape(at, message, &format!("this entry needs a `{key}`"));
        }
        text
    }

    pub(super) fn text_list(
        &mut self,
        map: &Node,
        key: &str,
        ctx: &str,
    ) -> Option<Spanned<Vec<Str>>> {
        let (k, node) = map.entry(key)?;
        let items = match &node.kind {
            NodeKind::Seq(items) => items,
            NodeKind::Null => return None,
            _ => {
                self.wrong_shape(node, key, ctx, "a list");
                return None;
            }
        };
        let texts = items
            .iter()
            .filter_map(|item| {
                let text = self.scalar_text(item, key, ctx)?;
                Some(Spanned::new(text, item.span))
            })
            .collect();
        Some(Spanned::new(texts, k.span.to(node.span)))
    }

    pub(super) fn bool_field(&mut self, map: &Node, key: &str, ctx: &str) -> Option<Spanned<bool>> {
        let node = map.get(key)?;
        match node.kind {
            NodeKind::Bool(b) => Some(Spanned::new(b, node.span)),
            NodeKind::Null => None,
            _ => {
                self.wrong_shape(node, key, ctx, "`true` or `false`");
                None
            }
        }
    }

    pub(super) fn int_field(&mut self, map: &Node, key: &str, ctx: &str) -> Option<Spanned<i64>> {
        let node = map.get(key)?;
        match node.kind {
            NodeKind::Int(n) => Some(Spanned::new(n, node.span)),
            NodeKind::Null => None,
            _ => {
                self.wrong_shape(node, key, ctx, "an integer");
                None
            }
        }
    }

    /// The span of `range` within a string scalar whose value is `value`: exact when the
    /// source holds the value verbatim (plain, or quoted without escapes), else the node.
    pub(super) fn sub_span(&self, node: &Node, value: &str, range: Range<usize>) -> Span {
        let source = self.text.get(node.span.range()).unwrap_or("");
        let offset = if source == value {
            Some(0)
        } else {
            let quoted = source.len() == value.len() + 2
                && (source.starts_with('"') || source.starts_with('\''))
                && source.get(1..source.len() - 1) == Some(value);
            quoted.then_some(1)
        };
        match offset {
            Some(o) if range.end <= value.len() => Span {
                file: node.span.file,
                start: node.span.start + (o + range.start) as u32,
                end: node.span.start + (o + range.end) as u32,
            },
            _ => node.span,
        }
    }
}

/// A context for messages: `spec.criteria` in backticks, "the registry" as it is.
fn place(ctx: &str) -> String {
    if ctx.starts_with("the ") {
        ctx.to_string()
    } else {
        format!("`{ctx}`")
    }
}
