//! From `.ovl` text to a [`SourceUnit`].
//!
//! Parsing is two steps. pest runs `grammar/galley.pest` over the whole file; the grammar
//! never fails outright, because every block ends with a recovery alternative (`bad_stmt`,
//! the rest of a line) and the top level with `bad_item`. The walker then lowers the pairs,
//! one function per construct, into AST nodes with byte spans, and turns each recovery region
//! into one `galley::syntax::error` diagnostic. To say precisely what was wrong, it re-runs
//! the statement rule of the enclosing block on the text at the region (`errors::probe`):
//! PEG parsing from a position depends only on the text after it, so the probe fails exactly
//! where the full parse did, and pest's list of expected rules becomes the message.
//!
//! Blocks whose `}` is missing end at the end of the file or at the next item header
//! (`missing_rbrace`); all blocks left open at one place are reported together.
//!
//! Comments are not in the tree: [`scan_comments`] finds them in one forward pass over the
//! text, skipping string literals, which in a file without syntax errors is exactly where the
//! grammar's `COMMENT` rule matched.
//!
//! Invariants: [`parse`] always returns a unit (partial when there were errors) and never
//! panics; spans are byte ranges into `text`; string values are unescaped (a bad escape is
//! `galley::syntax::invalid-string`, kept verbatim); integers are 64-bit (out of range is
//! `galley::syntax::invalid-number`).

// Explicit paths: the build script compiles this file on its own (`#[path]`), where a
// plain `mod errors;` would be looked for beside it instead of under `parser/`.
#[path = "parser/depth.rs"]
mod depth;
#[path = "parser/errors.rs"]
mod errors;
#[path = "parser/tests.rs"]
#[cfg(test)]
pub(crate) mod tests;

use pest::Parser as _;
use pest::iterators::{Pair, Pairs};

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};
use crate::syntax::ast::*;

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../../grammar/galley.pest"]
    pub struct GalleyParser;
}

use grammar::{GalleyParser, Rule};

/// Parses one `.ovl` file. The unit is partial when there are diagnostics.
pub fn parse(file: FileId, text: &str) -> (SourceUnit, Vec<Diagnostic>) {
    let mut walker = Walker {
        file,
        text,
        diags: Vec::new(),
        unclosed: Vec::new(),
        depth: 0,
        too_deep: false,
    };
    let parsed = match depth::check_brackets(file, text) {
        Some(d) => Err(d),
        None => {
            GalleyParser::parse(Rule::file, text).map_err(|e| errors::from_pest(file, text, 0, &e))
        }
    };
    let items = match parsed {
        Ok(mut pairs) => pairs.next().map(|f| walker.file(f)).unwrap_or_default(),
        Err(d) => {
            walker.diags.push(d);
            Vec::new()
        }
    };
    walker.report_unclosed();
    let unit = SourceUnit {
        file,
        syntax: Syntax::Ovl,
        items,
        comments: scan_comments(file, text),
    };
    (unit, walker.finish())
}

/// Every `//` comment outside string literals, in order, in one pass.
fn scan_comments(file: FileId, text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' | b'\r' => in_string = false,
            b'"' => in_string = !in_string,
            b'\\' if in_string && !matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) => i += 1,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find(['\n', '\r']).map_or(text.len(), |n| i + n);
                let body = text[i + 2..end].trim_end();
                comments.push(Comment {
                    span: Span::new(file, i..i + 2 + body.len()),
                    text: body.to_string(),
                });
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    comments
}

struct Walker<'t> {
    file: FileId,
    text: &'t str,
    diags: Vec<Diagnostic>,
    /// `(where the block ended, its opening brace)` for every block without a `}`.
    unclosed: Vec<(usize, Span)>,
    /// How deep the value being walked is nested (maps, lists and dotted keys).
    depth: usize,
    /// Whether a value nested too deep has been reported (once per file is enough).
    too_deep: bool,
}

type P<'i> = Pair<'i, Rule>;

/// The next child of a pair. The grammar guarantees it exists; a missing one is a bug in
/// the walker, not in the input.
#[allow(clippy::expect_used)] // the grammar invariant above: no input reaches a missing child
fn next<'i>(kids: &mut Pairs<'i, Rule>) -> P<'i> {
    kids.next()
        .expect("grammar invariant: walker out of step with galley.pest")
}

/// Where the last token of a pair ends.
fn token_end(pair: &P<'_>) -> usize {
    match pair.clone().into_inner().next_back() {
        Some(last) => token_end(&last),
        None => pair.as_span().end(),
    }
}

/// The second child of a pair: the argument after a statement's keyword.
fn second(pair: P<'_>) -> P<'_> {
    let mut kids = pair.into_inner();
    kids.next();
    next(&mut kids)
}

/// The only child of a pair (an `ident`, `text`, `ostmt` ...).
fn only(pair: P<'_>) -> P<'_> {
    next(&mut pair.into_inner())
}

impl<'t> Walker<'t> {
    /// A pair's span, ending at its last token: pest lets a rule that ends with an optional
    /// or repeated part also cover the whitespace and comments skipped before trying it.
    fn span(&self, pair: &P<'_>) -> Span {
        Span::new(self.file, pair.as_span().start()..token_end(pair))
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        self.diags.sort_by_key(|d| d.primary_span());
        // Two recovery regions can probe to the same failure; report it once.
        self.diags
            .dedup_by(|a, b| a.primary_span() == b.primary_span() && a.code == b.code);
        self.diags
    }

    // -------------------------------------------------------------------------------------
    // Recovery
    // -------------------------------------------------------------------------------------

    fn bad(&mut self, region: &P<'_>, context: Rule) {
        let start = region.as_span().start();
        self.diags
            .push(errors::probe(self.file, self.text, start, context));
    }

    fn block_end(&mut self, end: P<'_>, opener: Option<Span>) {
        let inner = only(end);
        if inner.as_rule() == Rule::missing_rbrace {
            let at = inner.as_span().start();
            let opener = opener.unwrap_or_else(|| Span::new(self.file, at..at));
            self.unclosed.push((at, opener));
        }
    }

    fn report_unclosed(&mut self) {
        let mut i = 0;
        while i < self.unclosed.len() {
            let at = self.unclosed[i].0;
            let group: Vec<Span> = self.unclosed[i..]
                .iter()
                .take_while(|(a, _)| *a == at)
                .map(|&(_, s)| s)
                .collect();
            i += group.len();
            self.diags
                .push(errors::unclosed(self.file, self.text, at, &group));
        }
    }

    /// Walks a block body: `{`, statements (each lowered by `stmt`), recovery regions
    /// (reported against `context`, the block's statement rule), `}`.
    fn block<'i, T>(
        &mut self,
        kids: Pairs<'i, Rule>,
        context: Rule,
        mut stmt: impl FnMut(&mut Self, P<'i>) -> T,
    ) -> Vec<T> {
        let mut out = Vec::new();
        let mut opener = None;
        for pair in kids {
            match pair.as_rule() {
                Rule::lbrace => opener = Some(self.span(&pair)),
                Rule::bad_stmt => self.bad(&pair, context),
                Rule::block_end => self.block_end(pair, opener),
                Rule::comma => {}
                _ => out.push(stmt(self, pair)),
            }
        }
        out
    }

    // -------------------------------------------------------------------------------------
    // Scalars
    // -------------------------------------------------------------------------------------

    /// A `name`, `word` or `string` pair as text.
    fn atom(&mut self, pair: P<'_>) -> Spanned<String> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::string => Spanned::new(self.unquote(pair.as_str(), span.start as usize), span),
            _ => Spanned::new(pair.as_str().to_string(), span),
        }
    }

    /// `ident` (name or string) or `text` (word or string).
    fn ident(&mut self, pair: P<'_>) -> Name {
        self.atom(only(pair))
    }

    fn string(&mut self, pair: P<'_>) -> Str {
        self.atom(pair)
    }

    fn unquote(&mut self, literal: &str, start: usize) -> String {
        let body = literal
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(literal);
        let mut out = String::with_capacity(body.len());
        let mut i = 0;
        while let Some(n) = body[i..].find('\\') {
            out.push_str(&body[i..i + n]);
            i += n;
            let (decoded, len) = unescape(&body[i..]);
            match decoded {
                Some(c) => out.push(c),
                None => {
                    let at = start + 1 + i;
                    let span = Span::new(self.file, at..at + len);
                    self.diags.push(errors::bad_escape(span, &body[i..i + len]));
                    out.push_str(&body[i..i + len]);
                }
            }
            i += len;
        }
        out.push_str(&body[i..]);
        out
    }

    fn int(&mut self, pair: P<'_>) -> Spanned<i64> {
        let span = self.span(&pair);
        let n = pair.as_str().parse::<i64>().unwrap_or_else(|_| {
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidNumber,
                    format!("integer `{}` does not fit in 64 bits", pair.as_str()),
                )
                .with_label(span, "out of range")
                .with_help("integers range from -9223372036854775808 to 9223372036854775807"),
            );
            0
        });
        Spanned::new(n, span)
    }

    fn float(&mut self, pair: P<'_>) -> f64 {
        let x = pair.as_str().parse::<f64>().unwrap_or(f64::INFINITY);
        if x.is_finite() {
            return x;
        }
        let span = self.span(&pair);
        self.diags.push(
            Diagnostic::error(
                Code::InvalidNumber,
                format!("number `{}` is out of range", pair.as_str()),
            )
            .with_label(span, "too large for a 64-bit float"),
        );
        0.0
    }

    fn bool(&mut self, pair: P<'_>) -> Spanned<bool> {
        let span = self.span(&pair);
        Spanned::new(only(pair).as_rule() == Rule::kw_true, span)
    }

    /// A keyword pair as a [`Name`] (`helm { repository .. }` field keys, `system`).
    fn keyword(&self, pair: &P<'_>) -> Name {
        Spanned::new(pair.as_str().to_string(), self.span(pair))
    }

    fn idents(&mut self, pair: P<'_>) -> Vec<Name> {
        let mut out = Vec::new();
        for p in pair.into_inner().filter(|p| p.as_rule() != Rule::comma) {
            out.push(self.ident(p));
        }
        out
    }

    /// A dotted path; one that would nest its value too deep is cut to the keys that fit.
    fn vpath(&mut self, pair: P<'_>) -> ValuePath {
        let span = self.span(&pair);
        let room = depth::MAX_NESTING.saturating_sub(self.depth).max(1);
        let mut segments = Vec::new();
        for p in pair.into_inner() {
            if segments.len() == room {
                self.deep(p.as_span().start());
                break;
            }
            segments.push(self.atom(p));
        }
        ValuePath { span, segments }
    }

    fn deep(&mut self, at: usize) {
        if !std::mem::replace(&mut self.too_deep, true) {
            self.diags
                .push(depth::too_deep(self.file, at, "values and dotted keys"));
        }
    }

    fn vpaths(&mut self, pair: P<'_>) -> Vec<ValuePath> {
        let mut out = Vec::new();
        for p in pair.into_inner().filter(|p| p.as_rule() == Rule::vpath) {
            out.push(self.vpath(p));
        }
        out
    }

    // -------------------------------------------------------------------------------------
    // Items
    // -------------------------------------------------------------------------------------

    fn file(&mut self, file: P<'_>) -> Vec<Item> {
        let mut items = Vec::new();
        for pair in file.into_inner() {
            match pair.as_rule() {
                Rule::item => items.push(self.item(only(pair))),
                Rule::bad_item => self.bad(&pair, Rule::item),
                _ => {}
            }
        }
        items
    }

    fn item(&mut self, pair: P<'_>) -> Item {
        match pair.as_rule() {
            Rule::overlay => Item::Overlay(self.overlay(pair)),
            Rule::mixin => Item::Mixin(self.mixin(pair)),
            Rule::dimension => Item::Dimension(self.dimension(pair)),
            Rule::measurement => Item::Measurement(self.measurement(pair)),
            Rule::registry => Item::Component(self.registry(pair)),
            _ => Item::Validator(self.validator(pair)),
        }
    }

    fn overlay(&mut self, pair: P<'_>) -> Overlay {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let name = self.ident(next(&mut kids));
        let (mut extends, mut priority, mut mixins) = (None, None, Vec::new());
        while let Some(p) = kids.peek() {
            match p.as_rule() {
                Rule::extends => extends = Some(self.ident(second(p))),
                Rule::with => mixins = self.idents(second(p)),
                Rule::priority => priority = Some(self.int(second(p))),
                _ => break,
            }
            kids.next();
        }
        let body = self.block(kids, Rule::ostmt, |w, p| w.ostmt(only(p)));
        Overlay {
            span,
            name,
            extends,
            mixins,
            priority,
            body,
        }
    }

    fn mixin(&mut self, pair: P<'_>) -> Mixin {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let name = self.ident(next(&mut kids));
        let mut mixins = Vec::new();
        if let Some(p) = kids.peek().filter(|p| p.as_rule() == Rule::with) {
            mixins = self.idents(second(p));
            kids.next();
        }
        let body = self.block(kids, Rule::ostmt, |w, p| w.ostmt(only(p)));
        Mixin {
            span,
            name,
            mixins,
            body,
        }
    }

    fn ostmt(&mut self, pair: P<'_>) -> OverlayStmt {
        match pair.as_rule() {
            Rule::when => OverlayStmt::When(self.when(pair)),
            Rule::require => OverlayStmt::Require(self.require(pair)),
            Rule::component_ref => OverlayStmt::Component(self.component_ref(pair)),
            Rule::param => OverlayStmt::Param(self.param(pair)),
            _ => OverlayStmt::Validate(self.validate(pair)),
        }
    }

    fn when(&mut self, pair: P<'_>) -> Criteria {
        let span = self.span(&pair);
        let mut terms = Vec::new();
        for term in pair.into_inner().filter(|p| p.as_rule() == Rule::term) {
            let span = self.span(&term);
            let mut kids = term.into_inner();
            let dimension = self.ident(next(&mut kids));
            next(&mut kids);
            let value = self.ident(next(&mut kids));
            terms.push(Criterion {
                span,
                dimension,
                value,
            });
        }
        Criteria { span, terms }
    }

    fn require(&mut self, pair: P<'_>) -> Constraint {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let path = self.mpath(next(&mut kids));
        let op = self.op(next(&mut kids));
        let value = self.ident(next(&mut kids));
        let mut c = Constraint {
            span,
            path,
            op,
            value,
            severity: None,
            remediation: None,
            unit: None,
        };
        if let Some(block) = kids.next() {
            let fields = self.block(block.into_inner(), Rule::cfield, |_, p| only(p));
            for field in fields {
                self.constraint_field(&mut c, field);
            }
        }
        c
    }

    fn constraint_field(&mut self, c: &mut Constraint, field: P<'_>) {
        let rule = field.as_rule();
        let value = self.ident(second(field));
        let (slot, keyword) = match rule {
            Rule::severity => (&mut c.severity, "severity"),
            Rule::remediation => (&mut c.remediation, "remediation"),
            _ => (&mut c.unit, "unit"),
        };
        if let Some(first) = slot {
            self.diags
                .push(errors::duplicate(keyword, first.span, value.span));
        } else {
            *slot = Some(value);
        }
    }

    fn mpath(&mut self, pair: P<'_>) -> MeasurementPath {
        let span = self.span(&pair);
        let mut segments = Vec::new();
        for p in pair.into_inner() {
            segments.push(self.atom(p));
        }
        MeasurementPath { span, segments }
    }

    fn op(&self, pair: P<'_>) -> Spanned<Op> {
        let op = match pair.as_str() {
            ">=" => Op::Ge,
            "<=" => Op::Le,
            "!=" => Op::Ne,
            "==" => Op::Eq,
            ">" => Op::Gt,
            "<" => Op::Lt,
            _ => Op::Exact,
        };
        Spanned::new(op, self.span(&pair))
    }

    // -------------------------------------------------------------------------------------
    // Component references
    // -------------------------------------------------------------------------------------

    fn component_ref(&mut self, pair: P<'_>) -> ComponentRef {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let name = self.ident(next(&mut kids));
        let body = self.block(kids, Rule::cstmt, |w, p| w.cstmt(only(p)));
        ComponentRef { span, name, body }
    }

    fn cstmt(&mut self, pair: P<'_>) -> ComponentStmt {
        let rule = pair.as_rule();
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let arg = next(&mut kids);
        match rule {
            Rule::c_type => ComponentStmt::Type(self.component_type(arg)),
            Rule::c_source => ComponentStmt::Source(self.ident(arg)),
            Rule::c_chart => ComponentStmt::Chart(self.ident(arg)),
            Rule::c_version => ComponentStmt::Version(self.ident(arg)),
            Rule::c_namespace => ComponentStmt::Namespace(self.ident(arg)),
            Rule::c_tag => ComponentStmt::Tag(self.ident(arg)),
            Rule::c_path => ComponentStmt::Path(self.ident(arg)),
            Rule::c_patches => ComponentStmt::Patches(Spanned::new(self.idents(arg), span)),
            Rule::c_values => ComponentStmt::Values(self.ident(arg)),
            Rule::c_manifests => ComponentStmt::Manifests(Spanned::new(self.idents(arg), span)),
            Rule::c_needs => ComponentStmt::Needs(Spanned::new(self.idents(arg), span)),
            Rule::c_enabled => ComponentStmt::Enabled(self.bool(arg)),
            Rule::c_cleanup => ComponentStmt::Cleanup(self.bool(arg)),
            Rule::c_expect => ComponentStmt::Expect(self.expect(span, arg, kids)),
            Rule::c_health_asserts => ComponentStmt::HealthAsserts(self.string(arg)),
            Rule::c_set => ComponentStmt::Set(SetBlock {
                span,
                entries: self.map_entries(arg),
            }),
            _ => ComponentStmt::Unset(Spanned::new(self.vpaths(arg), span)),
        }
    }

    fn component_type(&self, pair: P<'_>) -> Spanned<ComponentType> {
        let ty = match pair.as_rule() {
            Rule::kw_kustomize => ComponentType::Kustomize,
            _ => ComponentType::Helm,
        };
        Spanned::new(ty, self.span(&pair))
    }

    fn expect(&mut self, span: Span, kind: P<'_>, mut rest: Pairs<'_, Rule>) -> ExpectedResource {
        let kind = self.ident(kind);
        let name = self.ident(next(&mut rest));
        let namespace = rest.nth(1).map(|ns| self.ident(ns));
        ExpectedResource {
            span,
            kind,
            name,
            namespace,
        }
    }

    // -------------------------------------------------------------------------------------
    // Values
    // -------------------------------------------------------------------------------------

    fn map_entries(&mut self, map: P<'_>) -> Vec<Assign> {
        self.block(map.into_inner(), Rule::assign, |w, p| w.assign(p))
    }

    fn assign(&mut self, pair: P<'_>) -> Assign {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        let path = self.vpath(next(&mut kids));
        next(&mut kids);
        self.depth += path.segments.len();
        let value = self.value(next(&mut kids));
        self.depth -= path.segments.len();
        Assign { span, path, value }
    }

    fn value(&mut self, pair: P<'_>) -> Value {
        let span = self.span(&pair);
        let inner = only(pair);
        let kind = match inner.as_rule() {
            Rule::null => ValueKind::Null,
            Rule::bool => ValueKind::Bool(self.bool(inner).node),
            Rule::float => ValueKind::Float(self.float(inner)),
            Rule::int => ValueKind::Int(self.int(inner).node),
            Rule::string => ValueKind::String(self.string(inner).node),
            Rule::param_ref => ValueKind::String(inner.as_str().to_string()),
            _ if self.depth >= depth::MAX_NESTING => {
                self.deep(span.start as usize);
                ValueKind::Null
            }
            Rule::list => {
                self.depth += 1;
                let mut items = Vec::new();
                for p in inner.into_inner().filter(|p| p.as_rule() == Rule::value) {
                    items.push(self.value(p));
                }
                self.depth -= 1;
                ValueKind::List(items)
            }
            // A map's entries count their own levels: each key of a dotted path is one.
            _ => ValueKind::Map(self.map_entries(inner)),
        };
        Value { span, kind }
    }

    // -------------------------------------------------------------------------------------
    // Parameters
    // -------------------------------------------------------------------------------------

    fn param(&mut self, pair: P<'_>) -> ParamDecl {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let name = self.ident(next(&mut kids));
        next(&mut kids);
        let ty_pair = next(&mut kids);
        let ty_span = self.span(&ty_pair);
        let ty = match only(ty_pair).as_rule() {
            Rule::kw_string => ParamType::String,
            Rule::kw_int => ParamType::Int,
            Rule::kw_bool => ParamType::Bool,
            Rule::kw_quantity => ParamType::Quantity,
            Rule::kw_version => ParamType::Version,
            _ => ParamType::Enum,
        };
        let mut decl = ParamDecl {
            span,
            name,
            ty: Spanned::new(ty, ty_span),
            default: None,
            bound: None,
            doc: None,
        };
        for p in kids {
            match p.as_rule() {
                Rule::param_default => decl.default = Some(self.param_default(p)),
                Rule::param_bound => decl.bound = Some(self.param_bound(second(p))),
                _ => decl.doc = Some(self.string(p)),
            }
        }
        decl
    }

    fn param_default(&mut self, pair: P<'_>) -> Value {
        let inner = second(pair);
        if inner.as_rule() == Rule::value {
            return self.value(inner);
        }
        let word = self.atom(inner);
        Value {
            span: word.span,
            kind: ValueKind::String(word.node),
        }
    }

    fn param_bound(&mut self, pair: P<'_>) -> ParamBound {
        let span = self.span(&pair);
        if pair.as_rule() == Rule::param_range {
            let mut ends = pair.into_inner();
            let lo = self.atom(next(&mut ends));
            let hi = self.atom(next(&mut ends));
            return ParamBound::Range { span, lo, hi };
        }
        let items = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::text)
            .map(|p| self.ident(p))
            .collect();
        ParamBound::Set { span, items }
    }

    // -------------------------------------------------------------------------------------
    // Validation phases
    // -------------------------------------------------------------------------------------

    fn validate(&mut self, pair: P<'_>) -> Phase {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let name = self.ident(next(&mut kids));
        let body = self.block(kids, Rule::pstmt, |w, p| w.pstmt(only(p)));
        Phase { span, name, body }
    }

    fn pstmt(&mut self, pair: P<'_>) -> PhaseStmt {
        if pair.as_rule() == Rule::require {
            return PhaseStmt::Require(self.require(pair));
        }
        let rule = pair.as_rule();
        let span = self.span(&pair);
        let arg = second(pair);
        match rule {
            Rule::p_timeout => PhaseStmt::Timeout(self.ident(arg)),
            Rule::p_checks => PhaseStmt::Checks(Spanned::new(self.idents(arg), span)),
            Rule::p_node_selector => PhaseStmt::NodeSelector(self.assign(arg)),
            Rule::p_max_nodes => PhaseStmt::MaxNodes(self.int(arg)),
            Rule::p_exclude_nodes => PhaseStmt::ExcludeNodes(Spanned::new(self.idents(arg), span)),
            _ => PhaseStmt::Infrastructure(self.ident(arg)),
        }
    }

    // -------------------------------------------------------------------------------------
    // Declarations
    // -------------------------------------------------------------------------------------

    fn dimension(&mut self, pair: P<'_>) -> DimensionDecl {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let name = self.ident(next(&mut kids));
        let mut decl = DimensionDecl {
            span,
            name,
            extend: false,
            count: false,
            values: Vec::new(),
            aliases: Vec::new(),
        };
        let shape = next(&mut kids);
        if shape.as_rule() == Rule::dim_count {
            decl.count = true;
            return decl;
        }
        for p in shape.into_inner() {
            match p.as_rule() {
                Rule::plus_eq => decl.extend = true,
                Rule::ident => decl.values.push(self.ident(p)),
                Rule::alias_block => {
                    decl.aliases = self.block(p.into_inner(), Rule::alias, |w, a| w.alias(a))
                }
                _ => {}
            }
        }
        decl
    }

    fn alias(&mut self, pair: P<'_>) -> AliasDecl {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let names = self.idents(next(&mut kids));
        next(&mut kids);
        let target = self.ident(next(&mut kids));
        AliasDecl {
            span,
            names,
            target,
        }
    }

    fn measurement(&mut self, pair: P<'_>) -> MeasurementDecl {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let pattern = self.pattern(next(&mut kids));
        next(&mut kids);
        let ty = self.measure_type(next(&mut kids));
        let mut unit: Option<Str> = None;
        if let Some(block) = kids.next() {
            for field in self.block(block.into_inner(), Rule::unit, |_, p| p) {
                let value = self.ident(second(field));
                match &unit {
                    Some(first) => self
                        .diags
                        .push(errors::duplicate("unit", first.span, value.span)),
                    None => unit = Some(value),
                }
            }
        }
        MeasurementDecl {
            span,
            pattern,
            ty,
            unit,
        }
    }

    fn pattern(&mut self, pair: P<'_>) -> Vec<Spanned<PatternSeg>> {
        let mut out = Vec::new();
        for p in pair.into_inner() {
            let span = self.span(&p);
            let seg = match p.as_rule() {
                Rule::any_key => PatternSeg::Any,
                _ => PatternSeg::Key(self.atom(p).node),
            };
            out.push(Spanned::new(seg, span));
        }
        out
    }

    fn measure_type(&self, pair: P<'_>) -> Spanned<MeasureType> {
        let span = self.span(&pair);
        let ty = match only(pair).as_rule() {
            Rule::kw_string => MeasureType::String,
            Rule::kw_int => MeasureType::Int,
            Rule::kw_number => MeasureType::Number,
            Rule::kw_bool => MeasureType::Bool,
            _ => MeasureType::Version,
        };
        Spanned::new(ty, span)
    }

    fn registry(&mut self, pair: P<'_>) -> ComponentDecl {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let name = self.ident(next(&mut kids));
        let body = self.block(kids, Rule::rstmt, |w, p| w.rstmt(only(p)));
        ComponentDecl { span, name, body }
    }

    fn rstmt(&mut self, pair: P<'_>) -> RegistryStmt {
        let rule = pair.as_rule();
        let span = self.span(&pair);
        match rule {
            Rule::r_helm => return RegistryStmt::Helm(self.source_block(pair, Rule::helm_field)),
            Rule::r_kustomize => {
                return RegistryStmt::Kustomize(self.source_block(pair, Rule::kustomize_field));
            }
            Rule::r_scheduling => return RegistryStmt::Scheduling(self.scheduling(pair)),
            Rule::r_bundle_check => return RegistryStmt::BundleCheck(self.bundle_check(pair)),
            _ => {}
        }
        let arg = second(pair);
        match rule {
            Rule::r_display_name => RegistryStmt::DisplayName(self.ident(arg)),
            Rule::r_aliases => RegistryStmt::Aliases(Spanned::new(self.idents(arg), span)),
            Rule::r_namespace => RegistryStmt::Namespace(self.ident(arg)),
            Rule::r_health_check => RegistryStmt::HealthCheck(self.ident(arg)),
            Rule::r_node_count => RegistryStmt::NodeCount(Spanned::new(self.vpaths(arg), span)),
            _ => RegistryStmt::WorkloadSelector(Spanned::new(self.vpaths(arg), span)),
        }
    }

    fn source_block(&mut self, pair: P<'_>, field: Rule) -> SourceBlock {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let fields = self.block(kids, field, |w, f| {
            let mut kids = f.into_inner();
            let key = w.keyword(&next(&mut kids));
            (key, w.ident(next(&mut kids)))
        });
        SourceBlock { span, fields }
    }

    fn scheduling(&mut self, pair: P<'_>) -> SchedulingBlock {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        let role = self.keyword(&next(&mut kids));
        let fields = self.block(kids, Rule::sched_field, |w, f| {
            let span = w.span(&f);
            let mut kids = f.into_inner();
            let key = w.keyword(&next(&mut kids));
            (key, Spanned::new(w.vpaths(next(&mut kids)), span))
        });
        SchedulingBlock { span, role, fields }
    }

    fn bundle_check(&mut self, pair: P<'_>) -> BundleCheck {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let function = self.ident(next(&mut kids));
        let severity = self.ident(next(&mut kids));
        let mut conditions = Vec::new();
        let mut last = next(&mut kids);
        if last.as_rule() == Rule::bundle_when {
            for cond in last
                .into_inner()
                .filter(|p| p.as_rule() == Rule::bundle_cond)
            {
                let mut kids = cond.into_inner();
                let dimension = self.ident(next(&mut kids));
                let mut values = Vec::new();
                for v in kids.filter(|p| p.as_rule() == Rule::text) {
                    values.push(self.ident(v));
                }
                conditions.push((dimension, values));
            }
            last = next(&mut kids);
        }
        let message = self.string(last);
        BundleCheck {
            span,
            function,
            severity,
            conditions,
            message,
        }
    }

    fn validator(&mut self, pair: P<'_>) -> ValidatorDecl {
        let span = self.span(&pair);
        let mut kids = pair.into_inner();
        next(&mut kids);
        let name = self.ident(next(&mut kids));
        let body = self.block(kids, Rule::vstmt, |w, p| w.vstmt(only(p)));
        ValidatorDecl { span, name, body }
    }

    fn vstmt(&mut self, pair: P<'_>) -> ValidatorStmt {
        let rule = pair.as_rule();
        let span = self.span(&pair);
        let arg = second(pair);
        match rule {
            Rule::v_phase => ValidatorStmt::Phase(self.ident(arg)),
            Rule::v_description => ValidatorStmt::Description(self.ident(arg)),
            Rule::v_image => ValidatorStmt::Image(self.ident(arg)),
            Rule::v_timeout => ValidatorStmt::Timeout(self.ident(arg)),
            Rule::v_args => ValidatorStmt::Args(Spanned::new(self.idents(arg), span)),
            _ => ValidatorStmt::Env(self.assign(arg)),
        }
    }
}

/// Decodes the escape at the start of `s` (which starts with `\`): the character, or `None`
/// for a bad escape, and the escape's length in bytes.
fn unescape(s: &str) -> (Option<char>, usize) {
    let Some(c) = s[1..].chars().next() else {
        return (None, 1);
    };
    let simple = match c {
        '"' => Some('"'),
        '\\' => Some('\\'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'u' => return unescape_unicode(s),
        _ => None,
    };
    (simple, 1 + c.len_utf8())
}

/// `\u{1F600}`: one to six hex digits naming a Unicode scalar value.
fn unescape_unicode(s: &str) -> (Option<char>, usize) {
    let Some(rest) = s[2..].strip_prefix('{') else {
        return (None, 2);
    };
    let Some(close) = rest.find('}').filter(|&n| n <= 8) else {
        return (None, 3);
    };
    let digits = &rest[..close];
    let c = Some(digits)
        .filter(|d| (1..=6).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|d| u32::from_str_radix(d, 16).ok())
        .and_then(char::from_u32);
    (c, 3 + close + 1)
}
