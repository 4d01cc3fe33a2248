//! The canonical layout (`galley fmt`).
//!
//! The printer walks the AST in order and writes one statement per line, two spaces per
//! level, every non-empty block multi-line, lists inline, one blank line between items.
//! Names and words are printed bare when the grammar accepts them bare, else quoted; prose
//! (`display-name`, `description`, `remediation`, `unit`) and `args` are always quoted,
//! as in the examples of docs/language.md.
//!
//! Comments are not in the tree; they are re-attached by position in one forward pass. A
//! cursor walks `SourceUnit::comments` (sorted by position) while the AST is printed:
//!
//! - before a line element (a statement, a map entry, an item) every comment that starts
//!   before it is printed on its own line, at the element's indentation; for a statement
//!   printed on one line, "before it" means before its end, so comments inside a statement
//!   written over several lines move above it;
//! - after an element, a comment that starts on the same source line as the element ends
//!   stays at the end of the printed line (`stmt  // text`); the same holds for a comment
//!   on the line of a block's `{`;
//! - before a block's `}`, comments still inside the block are printed inside it;
//! - whatever is left at the end is printed at the end of the file.
//!
//! Every comment is printed exactly once, and in order. Blank lines are kept (collapsed to
//! one) between the elements of a block where the source had any; between items there is
//! always exactly one. `format` is idempotent, and re-parsing its output gives an equal AST.

#[cfg(test)]
mod tests;

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::parser::parse;

/// Formats a parsed unit; `text` is the source it was parsed from (for comments and blank
/// lines).
pub fn format(unit: &SourceUnit, text: &str) -> String {
    Printer::new(&unit.comments, text).unit(unit)
}

/// Prints a unit that has no source text (built from YAML): the canonical layout, without
/// comments or blank lines inside blocks.
pub fn print_unit(unit: &SourceUnit) -> String {
    Printer::new(&[], "").unit(unit)
}

/// Parses and formats `text`, or returns the diagnostics when it does not parse cleanly.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (unit, diags) = parse(file, text);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok(format(&unit, text))
}

struct Printer<'a> {
    out: String,
    depth: usize,
    text: &'a str,
    comments: &'a [Comment],
    /// Index of the first comment not printed yet.
    next: usize,
    /// Source end of the last element printed in the current block (`None` after `{`).
    last: Option<usize>,
    /// At the top level after an item: the next element gets one blank line.
    after_item: bool,
}

impl<'a> Printer<'a> {
    fn new(comments: &'a [Comment], text: &'a str) -> Self {
        Printer {
            out: String::new(),
            depth: 0,
            text,
            comments,
            next: 0,
            last: None,
            after_item: false,
        }
    }

    fn unit(mut self, unit: &SourceUnit) -> String {
        for item in &unit.items {
            self.item(item);
            self.after_item = true;
        }
        self.flush(usize::MAX);
        self.out
    }

    // -------------------------------------------------------------------------------------
    // Lines, comments and blocks
    // -------------------------------------------------------------------------------------

    fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// The next unprinted comment if it starts before `pos`.
    fn pending(&self, pos: usize) -> Option<&'a Comment> {
        self.comments
            .get(self.next)
            .filter(|c| (c.span.start as usize) < pos)
    }

    /// Prints, each on its own line, every comment that starts before `pos`.
    fn flush(&mut self, pos: usize) {
        while let Some(c) = self.pending(pos) {
            self.start_line(c.span.start as usize);
            self.w("//");
            self.w(&c.text);
            self.out.push('\n');
            self.next += 1;
            self.last = Some(c.span.end as usize);
        }
    }

    /// Separates (a blank line where the source had one) and indents a new line for the
    /// element starting at `pos`.
    fn start_line(&mut self, pos: usize) {
        let blank = self.after_item || self.last.is_some_and(|l| self.blank_between(l, pos));
        if blank {
            self.out.push('\n');
        }
        self.after_item = false;
        for _ in 0..self.depth {
            self.w("  ");
        }
    }

    /// Ends the line of an element ending at `end`, keeping a comment that followed it on
    /// the same source line.
    fn end_line(&mut self, end: usize) {
        self.last = Some(end);
        self.trailing(end, usize::MAX);
        self.out.push('\n');
    }

    /// Appends the next comment to the current line if it starts before `limit`, on the
    /// same source line as `from`.
    fn trailing(&mut self, from: usize, limit: usize) {
        let Some(c) = self.comments.get(self.next) else {
            return;
        };
        let start = c.span.start as usize;
        if start < limit && self.same_line(from, start) {
            self.w("  //");
            self.w(&c.text);
            self.next += 1;
            self.last = Some(c.span.end as usize);
        }
    }

    fn same_line(&self, a: usize, b: usize) -> bool {
        a <= b
            && self
                .text
                .get(a..b)
                .is_some_and(|gap| !gap.contains(['\n', '\r']))
    }

    /// Whether the source has a line with nothing but spaces between `a` and `b`.
    fn blank_between(&self, a: usize, b: usize) -> bool {
        let Some(gap) = self.text.get(a..b.min(self.text.len())) else {
            return false;
        };
        let mut breaks = 0;
        let mut bytes = gap.bytes().peekable();
        while let Some(byte) = bytes.next() {
            match byte {
                b'\r' | b'\n' => {
                    if byte == b'\r' && bytes.peek() == Some(&b'\n') {
                        bytes.next();
                    }
                    breaks += 1;
                    if breaks >= 2 {
                        return true;
                    }
                }
                b' ' | b'\t' => {}
                _ => breaks = 0,
            }
        }
        false
    }

    /// A statement printed on one line.
    fn leaf(&mut self, span: Span, write: impl FnOnce(&mut Self)) {
        self.flush(span.end as usize);
        self.start_line(span.start as usize);
        write(self);
        self.end_line(span.end as usize);
    }

    /// A statement with a block: `header {`, the body, `}`.
    fn block_stmt(
        &mut self,
        span: Span,
        first: Option<Span>,
        header: impl FnOnce(&mut Self),
        body: impl FnOnce(&mut Self),
    ) {
        let (start, end) = (span.start as usize, span.end as usize);
        self.flush(start);
        self.start_line(start);
        header(self);
        self.w(" ");
        self.block(start, end, first, body);
        self.end_line(end);
    }

    /// `{`, the body one level in, `}` (no newline after it); `{}` when nothing is inside.
    /// `opener` is where the construct starts, `first` the first element of the body.
    fn block(
        &mut self,
        opener: usize,
        end: usize,
        first: Option<Span>,
        body: impl FnOnce(&mut Self),
    ) {
        if first.is_none() && self.pending(end).is_none() {
            self.w("{}");
            return;
        }
        self.w("{");
        let first_start = first.map_or(end, |s| s.start as usize);
        self.trailing(opener, first_start);
        self.out.push('\n');
        self.last = None;
        self.depth += 1;
        body(self);
        self.flush(end);
        self.depth -= 1;
        for _ in 0..self.depth {
            self.w("  ");
        }
        self.w("}");
    }

    // -------------------------------------------------------------------------------------
    // Tokens
    // -------------------------------------------------------------------------------------

    /// A name (`[A-Za-z_][A-Za-z0-9_-]*`) bare, anything else quoted.
    fn name(&mut self, s: &str) {
        if is_name(s) {
            self.w(s);
        } else {
            self.quoted(s);
        }
    }

    /// A word (`[A-Za-z0-9_][A-Za-z0-9_.+-]*`) bare, anything else quoted.
    fn word(&mut self, s: &str) {
        if is_word(s) {
            self.w(s);
        } else {
            self.quoted(s);
        }
    }

    fn quoted(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.w("\\\""),
                '\\' => self.w("\\\\"),
                '\n' => self.w("\\n"),
                '\r' => self.w("\\r"),
                '\t' => self.w("\\t"),
                c if c.is_control() => self.w(&format!("\\u{{{:X}}}", c as u32)),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            each(self, item);
        }
    }

    fn names(&mut self, names: &[Name]) {
        self.list(names, |p, n| p.name(n));
    }

    fn words(&mut self, words: &[Str]) {
        self.list(words, |p, n| p.word(n));
    }

    fn vpath(&mut self, path: &ValuePath) {
        for (i, seg) in path.segments.iter().enumerate() {
            if i > 0 {
                self.w(".");
            }
            self.name(seg);
        }
    }

    fn vpaths(&mut self, paths: &[ValuePath]) {
        self.list(paths, |p, v| p.vpath(v));
    }

    /// `a.b["c.d"]`: a segment that is not a name goes in brackets.
    fn segment(&mut self, i: usize, seg: &str) {
        if is_name(seg) {
            if i > 0 {
                self.w(".");
            }
            self.w(seg);
        } else {
            self.w("[");
            self.quoted(seg);
            self.w("]");
        }
    }

    fn mpath(&mut self, path: &MeasurementPath) {
        for (i, seg) in path.segments.iter().enumerate() {
            self.segment(i, seg);
        }
    }

    fn pattern(&mut self, pattern: &[crate::source::Spanned<PatternSeg>]) {
        for (i, seg) in pattern.iter().enumerate() {
            match &seg.node {
                PatternSeg::Key(k) => self.segment(i, k),
                PatternSeg::Any => self.w("[*]"),
            }
        }
    }

    // -------------------------------------------------------------------------------------
    // Values
    // -------------------------------------------------------------------------------------

    /// `PREFIX path = value` as a line (a map entry, `node-selector`, `env`).
    fn assign(&mut self, a: &Assign, prefix: &str) {
        let write = |p: &mut Self| {
            p.w(prefix);
            p.vpath(&a.path);
            p.w(" = ");
            p.value(&a.value);
        };
        if is_inline(&a.value) {
            self.leaf(a.span, write);
        } else {
            self.flush(a.span.start as usize);
            self.start_line(a.span.start as usize);
            write(self);
            self.end_line(a.span.end as usize);
        }
    }

    fn value(&mut self, v: &Value) {
        match &v.kind {
            ValueKind::Null => self.w("null"),
            ValueKind::Bool(b) => self.w(if *b { "true" } else { "false" }),
            ValueKind::Int(i) => self.w(&i.to_string()),
            ValueKind::Float(x) => self.w(&float(*x)),
            ValueKind::String(s) if param_ref(s).is_some() => self.w(s),
            ValueKind::String(s) => self.quoted(s),
            ValueKind::List(items) => {
                self.w("[");
                self.list(items, |p, item| p.value(item));
                self.w("]");
            }
            ValueKind::Map(entries) => {
                let first = entries.first().map(|e| e.span);
                self.block(v.span.start as usize, v.span.end as usize, first, |p| {
                    for e in entries {
                        p.assign(e, "");
                    }
                });
            }
        }
    }

    // -------------------------------------------------------------------------------------
    // Items
    // -------------------------------------------------------------------------------------

    fn item(&mut self, item: &Item) {
        match item {
            Item::Overlay(o) => self.overlay(o),
            Item::Mixin(m) => self.mixin(m),
            Item::Dimension(d) => self.dimension(d),
            Item::Measurement(m) => self.measurement(m),
            Item::Component(c) => self.registry(c),
            Item::Validator(v) => self.validator(v),
        }
    }

    fn overlay(&mut self, o: &Overlay) {
        let first = o.body.first().map(OverlayStmt::span);
        let header = |p: &mut Self| {
            p.w("overlay ");
            p.name(&o.name);
            if let Some(parent) = &o.extends {
                p.w(" extends ");
                p.name(parent);
            }
            p.with(&o.mixins);
            if let Some(n) = &o.priority {
                p.w(&format!(" priority {}", n.node));
            }
        };
        self.block_stmt(o.span, first, header, |p| {
            for stmt in &o.body {
                p.ostmt(stmt);
            }
        });
    }

    fn mixin(&mut self, m: &Mixin) {
        let first = m.body.first().map(OverlayStmt::span);
        let header = |p: &mut Self| {
            p.w("mixin ");
            p.name(&m.name);
            p.with(&m.mixins);
        };
        self.block_stmt(m.span, first, header, |p| {
            for stmt in &m.body {
                p.ostmt(stmt);
            }
        });
    }

    /// ` with a, b` (nothing when the list is empty).
    fn with(&mut self, mixins: &[Name]) {
        if !mixins.is_empty() {
            self.w(" with ");
            self.list(mixins, |p, n| p.name(n));
        }
    }

    fn ostmt(&mut self, stmt: &OverlayStmt) {
        match stmt {
            OverlayStmt::When(c) => self.leaf(c.span, |p| p.when(c)),
            OverlayStmt::Require(c) => self.require(c),
            OverlayStmt::Component(c) => self.component_ref(c),
            OverlayStmt::Validate(v) => self.validate(v),
            OverlayStmt::Param(d) => self.leaf(d.span, |p| p.param(d)),
        }
    }

    /// `param NAME: TYPE [= DEFAULT] [in BOUND] ["doc"]`
    fn param(&mut self, d: &ParamDecl) {
        self.w("param ");
        self.name(&d.name);
        self.w(": ");
        self.w(d.ty.node.as_str());
        if let Some(v) = &d.default {
            self.w(" = ");
            match &v.kind {
                ValueKind::String(s) => self.word(s),
                _ => self.value(v),
            }
        }
        match &d.bound {
            Some(ParamBound::Range { lo, hi, .. }) => {
                self.w(&format!(" in {}..={}", lo.node, hi.node))
            }
            Some(ParamBound::Set { items, .. }) => {
                self.w(" in [");
                self.list(items, |p, item| p.word(item));
                self.w("]");
            }
            None => {}
        }
        if let Some(doc) = &d.doc {
            self.w(" ");
            self.quoted(doc);
        }
    }

    fn when(&mut self, c: &Criteria) {
        self.w("when ");
        if c.terms.is_empty() {
            self.w("any");
        }
        self.list(&c.terms, |p, t| {
            p.name(&t.dimension);
            p.w(" = ");
            p.word(&t.value);
        });
    }

    fn require(&mut self, c: &Constraint) {
        let header = |p: &mut Self| {
            p.w("require ");
            p.mpath(&c.path);
            p.w(" ");
            p.w(c.op.as_str());
            p.w(" ");
            match param_ref(&c.value) {
                Some(_) => p.w(&c.value),
                None if bare_bound(&c.value) => p.w(&c.value),
                None => p.word(&c.value),
            }
        };
        let fields = [&c.severity, &c.remediation, &c.unit];
        let first = fields
            .iter()
            .filter_map(|f| f.as_ref().map(|s| s.span))
            .min();
        if first.is_none() {
            return self.leaf(c.span, header);
        }
        self.block_stmt(c.span, first, header, |p| {
            if let Some(s) = &c.severity {
                p.leaf(s.span, |p| {
                    p.w("severity ");
                    p.name(s);
                });
            }
            for (keyword, field) in [("remediation ", &c.remediation), ("unit ", &c.unit)] {
                if let Some(s) = field {
                    p.leaf(s.span, |p| {
                        p.w(keyword);
                        p.quoted(s);
                    });
                }
            }
        });
    }

    fn component_ref(&mut self, c: &ComponentRef) {
        let first = c.body.first().map(ComponentStmt::span);
        let header = |p: &mut Self| {
            p.w("component ");
            p.name(&c.name);
        };
        self.block_stmt(c.span, first, header, |p| {
            for stmt in &c.body {
                p.cstmt(stmt);
            }
        });
    }

    fn cstmt(&mut self, stmt: &ComponentStmt) {
        let span = stmt.span();
        let keyword = stmt.keyword();
        match stmt {
            ComponentStmt::Set(b) => {
                let first = b.entries.first().map(|e| e.span);
                self.block_stmt(
                    b.span,
                    first,
                    |p| p.w("set"),
                    |p| {
                        for e in &b.entries {
                            p.assign(e, "");
                        }
                    },
                );
            }
            _ => self.leaf(span, |p| {
                p.w(keyword);
                p.w(" ");
                p.cstmt_args(stmt);
            }),
        }
    }

    fn cstmt_args(&mut self, stmt: &ComponentStmt) {
        match stmt {
            ComponentStmt::Type(t) => self.w(match t.node {
                ComponentType::Helm => "helm",
                ComponentType::Kustomize => "kustomize",
            }),
            ComponentStmt::Source(s)
            | ComponentStmt::Chart(s)
            | ComponentStmt::Version(s)
            | ComponentStmt::Tag(s)
            | ComponentStmt::Path(s)
            | ComponentStmt::Values(s) => self.word(s),
            ComponentStmt::Namespace(n) => self.name(n),
            ComponentStmt::Patches(l) | ComponentStmt::Manifests(l) => self.words(l),
            ComponentStmt::Needs(l) => self.names(l),
            ComponentStmt::Enabled(b) | ComponentStmt::Cleanup(b) => {
                self.w(if b.node { "true" } else { "false" })
            }
            ComponentStmt::Expect(e) => {
                self.name(&e.kind);
                self.w(" ");
                self.word(&e.name);
                if let Some(ns) = &e.namespace {
                    self.w(" in ");
                    self.name(ns);
                }
            }
            ComponentStmt::HealthAsserts(s) => self.quoted(s),
            ComponentStmt::Unset(paths) => self.vpaths(paths),
            ComponentStmt::Set(_) => {}
        }
    }

    fn validate(&mut self, v: &Phase) {
        let first = v.body.first().map(PhaseStmt::span);
        let header = |p: &mut Self| {
            p.w("validate ");
            p.name(&v.name);
        };
        self.block_stmt(v.span, first, header, |p| {
            for stmt in &v.body {
                p.pstmt(stmt);
            }
        });
    }

    fn pstmt(&mut self, stmt: &PhaseStmt) {
        match stmt {
            PhaseStmt::Require(c) => self.require(c),
            PhaseStmt::NodeSelector(a) => self.assign(a, "node-selector "),
            PhaseStmt::Timeout(s) => self.leaf(s.span, |p| {
                p.w("timeout ");
                p.word(s);
            }),
            PhaseStmt::Checks(l) => self.leaf(l.span, |p| {
                p.w("checks ");
                p.names(l);
            }),
            PhaseStmt::MaxNodes(n) => self.leaf(n.span, |p| p.w(&format!("max-nodes {}", n.node))),
            PhaseStmt::ExcludeNodes(l) => self.leaf(l.span, |p| {
                p.w("exclude-nodes ");
                p.words(l);
            }),
            PhaseStmt::Infrastructure(n) => self.leaf(n.span, |p| {
                p.w("infrastructure ");
                p.name(n);
            }),
        }
    }

    // -------------------------------------------------------------------------------------
    // Declarations
    // -------------------------------------------------------------------------------------

    fn dimension(&mut self, d: &DimensionDecl) {
        let header = |p: &mut Self| {
            p.w("dimension ");
            p.name(&d.name);
            if d.count {
                return p.w(" : count");
            }
            p.w(if d.extend { " += " } else { " = " });
            for (i, v) in d.values.iter().enumerate() {
                if i > 0 {
                    p.w(" | ");
                }
                p.name(v);
            }
        };
        if d.aliases.is_empty() || d.count {
            return self.leaf(d.span, header);
        }
        let first = d.aliases.first().map(|a| a.span);
        self.block_stmt(d.span, first, header, |p| {
            for a in &d.aliases {
                p.leaf(a.span, |p| {
                    p.w("alias ");
                    p.names(&a.names);
                    p.w(" = ");
                    p.name(&a.target);
                });
            }
        });
    }

    fn measurement(&mut self, m: &MeasurementDecl) {
        let header = |p: &mut Self| {
            p.w("measurement ");
            p.pattern(&m.pattern);
            p.w(" : ");
            p.w(m.ty.as_str());
        };
        let Some(unit) = &m.unit else {
            return self.leaf(m.span, header);
        };
        self.block_stmt(m.span, Some(unit.span), header, |p| {
            p.leaf(unit.span, |p| {
                p.w("unit ");
                p.quoted(unit);
            });
        });
    }

    fn registry(&mut self, c: &ComponentDecl) {
        let first = c.body.first().map(RegistryStmt::span);
        let header = |p: &mut Self| {
            p.w("component ");
            p.name(&c.name);
        };
        self.block_stmt(c.span, first, header, |p| {
            for stmt in &c.body {
                p.rstmt(stmt);
            }
        });
    }

    fn rstmt(&mut self, stmt: &RegistryStmt) {
        match stmt {
            RegistryStmt::Helm(b) => self.source_block("helm", b),
            RegistryStmt::Kustomize(b) => self.source_block("kustomize", b),
            RegistryStmt::Scheduling(b) => self.scheduling(b),
            RegistryStmt::DisplayName(s) => self.keyword_string("display-name ", s),
            RegistryStmt::HealthCheck(s) => self.keyword_word("health-check ", s),
            RegistryStmt::Namespace(n) => self.leaf(n.span, |p| {
                p.w("namespace ");
                p.name(n);
            }),
            RegistryStmt::Aliases(l) => self.leaf(l.span, |p| {
                p.w("aliases ");
                p.names(l);
            }),
            RegistryStmt::NodeCount(l) => self.keyword_paths("node-count ", l.span, l),
            RegistryStmt::WorkloadSelector(l) => {
                self.keyword_paths("workload-selector ", l.span, l)
            }
            RegistryStmt::BundleCheck(b) => self.leaf(b.span, |p| p.bundle_check(b)),
        }
    }

    fn keyword_word(&mut self, keyword: &str, s: &Str) {
        self.leaf(s.span, |p| {
            p.w(keyword);
            p.word(s);
        });
    }

    /// Prose (display names, descriptions) is always quoted, even where a word would do.
    fn keyword_string(&mut self, keyword: &str, s: &Str) {
        self.leaf(s.span, |p| {
            p.w(keyword);
            p.quoted(s);
        });
    }

    fn keyword_paths(&mut self, keyword: &str, span: Span, paths: &[ValuePath]) {
        self.leaf(span, |p| {
            p.w(keyword);
            p.vpaths(paths);
        });
    }

    fn source_block(&mut self, keyword: &str, b: &SourceBlock) {
        let first = b.fields.first().map(|(k, _)| k.span);
        self.block_stmt(
            b.span,
            first,
            |p| p.w(keyword),
            |p| {
                for (key, value) in &b.fields {
                    p.leaf(key.span.to(value.span), |p| {
                        p.w(key);
                        p.w(" ");
                        p.word(value);
                    });
                }
            },
        );
    }

    fn scheduling(&mut self, b: &SchedulingBlock) {
        let first = b.fields.first().map(|(k, _)| k.span);
        self.block_stmt(
            b.span,
            first,
            |p| p.w(&b.role),
            |p| {
                for (key, paths) in &b.fields {
                    p.leaf(key.span.to(paths.span), |p| {
                        p.w(key);
                        p.w(" ");
                        p.vpaths(paths);
                    });
                }
            },
        );
    }

    fn bundle_check(&mut self, b: &BundleCheck) {
        self.w("bundle-check ");
        self.name(&b.function);
        self.w(" ");
        self.name(&b.severity);
        if !b.conditions.is_empty() {
            self.w(" when ");
        }
        self.list(&b.conditions, |p, (dimension, values)| {
            p.name(dimension);
            p.w(" = ");
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    p.w(" | ");
                }
                p.word(v);
            }
        });
        self.w(" ");
        self.quoted(&b.message);
    }

    fn validator(&mut self, v: &ValidatorDecl) {
        let first = v.body.first().map(ValidatorStmt::span);
        let header = |p: &mut Self| {
            p.w("validator ");
            p.name(&v.name);
        };
        self.block_stmt(v.span, first, header, |p| {
            for stmt in &v.body {
                p.vstmt(stmt);
            }
        });
    }

    fn vstmt(&mut self, stmt: &ValidatorStmt) {
        match stmt {
            ValidatorStmt::Phase(n) => self.leaf(n.span, |p| {
                p.w("phase ");
                p.name(n);
            }),
            ValidatorStmt::Description(s) => self.keyword_string("description ", s),
            ValidatorStmt::Image(s) => self.keyword_word("image ", s),
            ValidatorStmt::Timeout(s) => self.keyword_word("timeout ", s),
            ValidatorStmt::Args(l) => self.leaf(l.span, |p| {
                p.w("args ");
                p.list(l, |p, arg| p.quoted(arg));
            }),
            ValidatorStmt::Env(a) => self.assign(a, "env "),
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_-]*`
fn is_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `[A-Za-z0-9_][A-Za-z0-9_.+-]*`
fn is_word(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b))
}

/// Whether a value prints on one line: no map with entries anywhere inside it.
fn is_inline(v: &Value) -> bool {
    match &v.kind {
        ValueKind::Map(entries) => entries.is_empty(),
        ValueKind::List(items) => items.iter().all(is_inline),
        _ => true,
    }
}

/// A float the grammar reads back as the same float: always with a `.` before any exponent.
fn float(x: f64) -> String {
    if !x.is_finite() {
        // Not produced by the parser; print something that reads back as a number.
        // Not produced by the parser; print what reads back as an error, never as a
        // different number.
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "1.0e999".into()
        } else {
            "-1.0e999".into()
        };
    }
    let s = format!("{x:?}");
    match s.find(['e', 'E']) {
        Some(e) if !s[..e].contains('.') => format!("{}.0{}", &s[..e], &s[e..]),
        _ => s,
    }
}

/// A bound expression (`37.5 * GPU.smi.gpu-count`) that reads back the same when printed
/// bare: it parses, is trimmed, uses only the expression's characters and nests no brackets.
fn bare_bound(text: &str) -> bool {
    let mut depth = 0;
    let flat = text.chars().all(|c| match c {
        '[' => {
            depth += 1;
            depth == 1
        }
        ']' => {
            depth -= 1;
            depth == 0
        }
        c => c.is_ascii_alphanumeric() || " \t_.-*=,".contains(c),
    });
    flat && depth == 0 && text == text.trim() && matches!(crate::bound::parse(text), Ok(Some(_)))
}
