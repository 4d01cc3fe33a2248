//! A span-keeping YAML reader.
//!
//! In: a file's text. Out: one [`Node`] tree per document, every node carrying the byte span
//! it was read from, so a later stage (`syntax::aicr`, the values checks) can point a
//! diagnostic at the exact YAML line. The events come from `granit-parser` (the parser under
//! serde-saphyr); this module builds the tree with an explicit stack, so deep input cannot
//! overflow the Rust stack while reading.
//!
//! Scalars are resolved once, here, with the YAML 1.2 core schema and strict booleans, the
//! rules Go's yaml.v3 (the reference's reader) applies to untyped values:
//! - quoted and block scalars, and anything tagged `!!str` or `!`, are strings;
//! - `null`, `Null`, `NULL`, `~` and the empty scalar are null;
//! - only `true`/`True`/`TRUE`/`false`/`False`/`FALSE` are booleans: `yes`, `NO`, `on`, `off`,
//!   `y`, `n` stay strings (the "Norway problem" is the writer's to avoid, see `yaml_out`);
//! - integers are decimal, `0x` hex, `0o` octal or `0b` binary, with an optional sign; a
//!   decimal with a leading zero whose digits are all octal (`0755`) is **octal** (493), as
//!   in yaml.v3, Helm and serde-saphyr's `legacy_octal_numbers`. Plain YAML 1.2 would say 755
//!   and serde-saphyr's default says the float 755.0; both would silently change a Helm file
//!   mode. `089` is not octal and falls through to the float 89.0, as in yaml.v3;
//! - floats follow the core pattern (`1.10` is 1.1, `1e3`, `.5`) plus `.inf`/`.nan`; an
//!   integer outside `i64` becomes a float;
//! - everything else (`24.04.1`, `1_000`, dates) is a string.
//!
//! Other tags are ignored (the content decides). Aliases are resolved by cloning the anchored
//! node, spans included; a budget of [`MAX_NODES`] nodes per stream and a depth limit of
//! [`MAX_NESTING`] turn alias bombs into errors. YAML 1.1 merge keys (`<<: *base`) are applied
//! like yaml.v3 does: keys written in the map win over merged ones, earlier merged maps over
//! later ones. A key given twice is an error with both places labelled.

use crate::hash::HashMap;
use std::borrow::Cow;

use granit_parser::{ErrorKind, Event, Marker, Options, Parser, ScalarStyle, ScanError, Tag};

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::value::{Map, Value};

/// The most nodes one stream may expand to (aliases count every node they copy).
pub const MAX_NODES: usize = 1_000_000;
/// The deepest nesting of collections a document may have, as written and after alias
/// expansion (granit's default limit, named here because `.ovl` values share it: see
/// `parser/depth.rs`).
pub const MAX_NESTING: usize = 255;
/// The levels a `RecipeResult` adds above a component's values (`componentRefs`, the
/// component, `values`), with room to spare: a recipe galley writes from values nested
/// [`MAX_NESTING`] deep must read back.
pub const RECIPE_ENVELOPE: usize = 8;

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    /// Entries in source order (keys are unique).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A mapping or a sequence: what no markup file reads as.
    fn is_collection(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_) | NodeKind::Seq(_))
    }

    /// The same tree with every span pointing into `file` (a tree parsed under another id,
    /// such as the build script's pre-parsed documents).
    pub fn in_file(mut self, file: FileId) -> Node {
        fn walk(n: &mut Node, file: FileId) {
            n.span.file = file;
            match &mut n.kind {
                NodeKind::Seq(items) => items.iter_mut().for_each(|i| walk(i, file)),
                NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                    walk(k, file);
                    walk(v, file);
                }),
                _ => {}
            }
        }
        walk(&mut self, file);
        self
    }
}

/// Every document of a stream, in order. An empty stream gives no documents.
pub fn parse_documents(file: FileId, text: &str) -> Result<Vec<Node>, Diagnostic> {
    read_stream(file, text, false, MAX_NESTING)
}

/// The first document of a stream (the rest is not read), or `None` when there is none.
pub fn parse_document(file: FileId, text: &str) -> Result<Option<Node>, Diagnostic> {
    Ok(read_stream(file, text, true, MAX_NESTING)?
        .into_iter()
        .next())
}

/// [`parse_document`] for a `RecipeResult`, whose values sit [`RECIPE_ENVELOPE`] levels
/// deeper than in the values file or overlay they came from.
pub fn parse_recipe_document(file: FileId, text: &str) -> Result<Option<Node>, Diagnostic> {
    let nesting = MAX_NESTING + RECIPE_ENVELOPE;
    Ok(read_stream(file, text, true, nesting)?.into_iter().next())
}

fn read_stream(
    file: FileId,
    text: &str,
    first_only: bool,
    nesting: usize,
) -> Result<Vec<Node>, Diagnostic> {
    if let Some(d) = sniff::binary(file, text) {
        return Err(d);
    }
    // Markup on the first line is refused only when the text does not read as YAML
    // collections: `<a: x>` is a YAML mapping, an XML file a plain scalar or a scan error.
    let markup = sniff::markup(file, text);
    match (markup, parse_stream(file, text, first_only, nesting)) {
        (Some(m), Ok(docs)) if !docs.iter().any(Node::is_collection) => Err(m),
        (Some(m), Err(_)) => Err(m),
        (_, parsed) => parsed,
    }
}

fn parse_stream(
    file: FileId,
    text: &str,
    first_only: bool,
    nesting: usize,
) -> Result<Vec<Node>, Diagnostic> {
    let mut options = Options::default();
    options.set_emit_comments(false);
    options.flow_nesting_limit = nesting;
    options.block_nesting_limit = nesting;
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder::new(file, text, nesting);
    let mut docs = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| scan_error(file, text, &e, nesting))?;
        let range = builder.range(&span.start, &span.end);
        match event {
            Event::DocumentEnd => {
                if let Some(doc) = builder.finish_document() {
                    docs.push(doc);
                    if first_only {
                        break;
                    }
                }
            }
            Event::StreamEnd => break,
            other => builder.event(other, range)?,
        }
    }
    Ok(docs)
}

// ---------------------------------------------------------------------------------------
// Tree building
// ---------------------------------------------------------------------------------------

/// A finished node with the bookkeeping the alias budget needs.
#[derive(Clone)]
struct Built {
    node: Node,
    size: usize,
    depth: usize,
}

enum Body {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// Indices into `entries` of `<<` merge keys.
        merges: Vec<usize>,
        key_is_merge: bool,
        seen: HashMap<KeyId, Span>,
    },
}

struct Frame {
    start: usize,
    end: usize,
    flow: bool,
    anchor: usize,
    size: usize,
    depth: usize,
    body: Body,
}

/// Identity of a scalar key for duplicate detection (collections never collide).
#[derive(Clone, PartialEq, Eq, Hash)]
enum KeyId {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(String),
}

impl KeyId {
    fn of(kind: &NodeKind) -> Option<KeyId> {
        Some(match kind {
            NodeKind::Null => KeyId::Null,
            NodeKind::Bool(b) => KeyId::Bool(*b),
            NodeKind::Int(i) => KeyId::Int(*i),
            NodeKind::Float(f) => KeyId::Float(f.to_bits()),
            NodeKind::String(s) => KeyId::Str(s.clone()),
            NodeKind::Seq(_) | NodeKind::Map(_) => return None,
        })
    }
}

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    anchors: HashMap<usize, Built>,
    nodes: usize,
    stack: Vec<Frame>,
    root: Option<Node>,
    max_depth: usize,
}

impl<'t> Builder<'t> {
    fn new(file: FileId, text: &'t str, max_depth: usize) -> Self {
        Builder {
            file,
            text,
            max_depth,
            anchors: HashMap::default(),
            nodes: 0,
            stack: Vec::new(),
            root: None,
        }
    }

    fn span(&self, range: (usize, usize)) -> Span {
        Span::new(self.file, range.0..range.1)
    }

    /// Byte range of a parser span (the parser gives byte offsets for string input; a
    /// character index is converted as a fallback).
    fn range(&self, start: &Marker, end: &Marker) -> (usize, usize) {
        let s = byte_pos(self.text, start);
        (s, byte_pos(self.text, end).max(s))
    }

    fn finish_document(&mut self) -> Option<Node> {
        self.anchors.clear();
        self.stack.clear();
        self.root.take()
    }

    fn event(&mut self, event: Event<'_>, range: (usize, usize)) -> Result<(), Diagnostic> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                self.scalar(value, style, anchor, tag.as_deref(), range)
            }
            Event::SequenceStart(style, anchor, _) => {
                self.open(range, style, anchor, Body::Seq(Vec::new()));
                Ok(())
            }
            Event::MappingStart(style, anchor, _) => {
                let body = Body::Map {
                    entries: Vec::new(),
                    key: None,
                    merges: Vec::new(),
                    key_is_merge: false,
                    seen: HashMap::default(),
                };
                self.open(range, style, anchor, body);
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(range),
            Event::Alias(id) => self.alias(id, range),
            Event::DocumentStart(..) => {
                self.finish_document();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn count(&mut self, n: usize, at: (usize, usize)) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(Diagnostic::error(
                Code::YamlParse,
                format!("the document expands to more than {MAX_NODES} nodes"),
            )
            .with_label(self.span(at), "this alias expands too far")
            .with_help("aliases copy the anchored node; nest fewer of them"));
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        range: (usize, usize),
    ) -> Result<(), Diagnostic> {
        self.count(1, range)?;
        let is_merge = style == ScalarStyle::Plain && tag.is_none() && value == "<<";
        let kind = resolve_scalar(value, style, tag);
        let built = Built {
            node: Node {
                span: self.span(range),
                kind,
            },
            size: 1,
            depth: 1,
        };
        self.finish(built, anchor, is_merge)
    }

    fn open(
        &mut self,
        range: (usize, usize),
        style: granit_parser::StructureStyle,
        anchor: usize,
        body: Body,
    ) {
        self.stack.push(Frame {
            start: range.0,
            end: range.1,
            flow: style == granit_parser::StructureStyle::Flow,
            anchor,
            size: 1,
            depth: 0,
            body,
        });
    }

    fn close(&mut self, range: (usize, usize)) -> Result<(), Diagnostic> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        self.count(1, (frame.start, frame.start))?;
        let end = if frame.flow {
            range.1.max(frame.start)
        } else {
            frame.end
        };
        let span = self.span((frame.start, end));
        let kind = match frame.body {
            Body::Seq(items) => NodeKind::Seq(items),
            Body::Map {
                entries, merges, ..
            } => NodeKind::Map(apply_merges(entries, &merges)?),
        };
        let built = Built {
            node: Node { span, kind },
            size: frame.size,
            depth: frame.depth + 1,
        };
        self.finish(built, frame.anchor, false)
    }

    fn alias(&mut self, id: usize, range: (usize, usize)) -> Result<(), Diagnostic> {
        let Some(built) = self.anchors.get(&id) else {
            return Err(Diagnostic::error(
                Code::YamlParse,
                "an alias refers to the node that contains it",
            )
            .with_label(self.span(range), "recursive alias"));
        };
        let size = built.size;
        self.count(size, range)?;
        let built = self.anchors.get(&id).cloned();
        match built {
            Some(built) => self.finish(built, 0, false),
            None => Ok(()),
        }
    }

    /// Record an anchor and hand a finished node to its parent (or make it the root).
    fn finish(&mut self, built: Built, anchor: usize, is_merge: bool) -> Result<(), Diagnostic> {
        let depth = built.depth + self.stack.len();
        if depth > self.max_depth {
            return Err(Diagnostic::error(
                Code::YamlParse,
                format!("the document nests deeper than {} levels", self.max_depth),
            )
            .with_label(built.node.span, "too deep"));
        }
        if anchor != 0 {
            self.anchors.insert(anchor, built.clone());
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(built.node);
            return Ok(());
        };
        frame.size = frame.size.saturating_add(built.size);
        frame.depth = frame.depth.max(built.depth);
        frame.end = frame.end.max(built.node.span.end as usize);
        match &mut frame.body {
            Body::Seq(items) => items.push(built.node),
            Body::Map {
                entries,
                key,
                merges,
                key_is_merge,
                seen,
            } => match key.take() {
                Some(k) => {
                    if *key_is_merge {
                        merges.push(entries.len());
                    }
                    entries.push((k, built.node));
                }
                None => {
                    *key_is_merge = is_merge;
                    if !is_merge {
                        check_duplicate(seen, &built.node)?;
                    }
                    *key = Some(built.node);
                }
            },
        }
        Ok(())
    }
}

fn check_duplicate(seen: &mut HashMap<KeyId, Span>, key: &Node) -> Result<(), Diagnostic> {
    let Some(id) = KeyId::of(&key.kind) else {
        return Ok(());
    };
    if let Some(first) = seen.get(&id) {
        return Err(Diagnostic::error(
            Code::YamlParse,
            format!("duplicate key `{}`", key.key_text()),
        )
        .with_label(key.span, "given again here")
        .with_label(*first, "first given here")
        .with_help("remove one of them; YAML keys must be unique within a map"));
    }
    seen.insert(id, key.span);
    Ok(())
}

/// Expand `<<` merge keys: explicit keys win, then earlier merged maps over later ones.
fn apply_merges(
    entries: Vec<(Node, Node)>,
    merges: &[usize],
) -> Result<Vec<(Node, Node)>, Diagnostic> {
    if merges.is_empty() {
        return Ok(entries);
    }
    let mut seen: crate::hash::HashSet<KeyId> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| !merges.contains(i))
        .filter_map(|(_, (k, _))| KeyId::of(&k.kind))
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if !merges.contains(&i) {
            out.push((key, value));
            continue;
        }
        for source in merge_sources(value)? {
            for (k, v) in source {
                if KeyId::of(&k.kind).is_none_or(|id| seen.insert(id)) {
                    out.push((k, v));
                }
            }
        }
    }
    Ok(out)
}

fn merge_sources(value: Node) -> Result<Vec<Vec<(Node, Node)>>, Diagnostic> {
    let bad = |span: Span| {
        Diagnostic::error(
            Code::YamlParse,
            "a merge key `<<` needs a map or a list of maps",
        )
        .with_label(span, "not a map")
    };
    match value.kind {
        NodeKind::Map(m) => Ok(vec![m]),
        NodeKind::Seq(items) => items
            .into_iter()
            .map(|n| match n.kind {
                NodeKind::Map(m) => Ok(m),
                _ => Err(bad(n.span)),
            })
            .collect(),
        _ => Err(bad(value.span)),
    }
}

// ---------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------

fn resolve_scalar(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> NodeKind {
    let forces_string =
        tag.is_some_and(|t| t.is_yaml_core_schema_tag("str") || t.parts() == ("", "!"));
    if style != ScalarStyle::Plain || forces_string {
        return NodeKind::String(value.into_owned());
    }
    resolve_plain(&value).unwrap_or_else(|| NodeKind::String(value.into_owned()))
}

/// The non-string meaning of a plain scalar, if it has one (see the module docs).
pub fn resolve_plain(s: &str) -> Option<NodeKind> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(NodeKind::Null),
        "true" | "True" | "TRUE" => return Some(NodeKind::Bool(true)),
        "false" | "False" | "FALSE" => return Some(NodeKind::Bool(false)),
        _ => {}
    }
    if let Some(i) = parse_int(s) {
        return Some(NodeKind::Int(i));
    }
    parse_float(s).map(NodeKind::Float)
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b") {
        (2, d)
    } else if rest.len() > 1 && rest.starts_with('0') {
        (8, &rest[1..])
    } else {
        (10, rest)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if neg { -magnitude } else { magnitude }).ok()
}

fn parse_float(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    match unsigned {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        ".nan" | ".NaN" | ".NAN" if unsigned.len() == s.len() => return Some(f64::NAN),
        _ => {}
    }
    if !is_core_float(unsigned) {
        return None;
    }
    s.parse().ok()
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

fn byte_pos(text: &str, marker: &Marker) -> usize {
    let pos = marker.byte_offset().unwrap_or_else(|| {
        text.char_indices()
            .nth(marker.index())
            .map_or(text.len(), |(i, _)| i)
    });
    pos.min(text.len())
}

fn scan_error(file: FileId, text: &str, error: &ScanError, nesting: usize) -> Diagnostic {
    let start = byte_pos(text, error.marker());
    let end = text
        .get(start..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8());
    let info = error.info();
    let info = info.trim().trim_end_matches('.');
    let message = match info.chars().next() {
        _ if matches!(error.kind(), ErrorKind::RecursionLimitExceeded) => {
            format!("the document nests deeper than {nesting} levels")
        }
        Some(first) => format!(
            "invalid YAML: {}{}",
            first.to_lowercase(),
            &info[first.len_utf8()..]
        ),
        None => "invalid YAML".to_string(),
    };
    Diagnostic::error(Code::YamlParse, message).with_label(Span::new(file, start..end), "here")
}

// ---------------------------------------------------------------------------------------
// Reading nodes
// ---------------------------------------------------------------------------------------

impl Node {
    /// The value a map key or scalar stands for, as Helm values (map keys become text).
    pub fn to_value(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::Int(*i),
            NodeKind::Float(f) => Value::Float(*f),
            NodeKind::String(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::List(items.iter().map(Node::to_value).collect()),
            NodeKind::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.key_text().into_owned(), v.to_value());
                }
                Value::Map(map)
            }
        }
    }

    /// The value under a string key of a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value under a string key of a map.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            NodeKind::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self.kind, NodeKind::Seq(_) | NodeKind::Map(_))
    }

    /// `a string`, `a map`, ...: for "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::String(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a map",
        }
    }

    /// A scalar as Go's yaml.v3 decodes it into a string field: the text as written.
    /// Plain non-string scalars (`1.10`, `0755`, `true`) are read back from the source, so
    /// `text` must be the file the node was parsed from. `None` for null and collections.
    pub fn scalar_text<'a>(&'a self, text: &'a str) -> Option<Cow<'a, str>> {
        match &self.kind {
            NodeKind::String(s) => Some(Cow::Borrowed(s)),
            NodeKind::Null | NodeKind::Seq(_) | NodeKind::Map(_) => None,
            _ => Some(
                text.get(self.span.range())
                    .map_or_else(|| Cow::Owned(self.key_text().into_owned()), Cow::Borrowed),
            ),
        }
    }

    /// A map key as text: strings as they are, other scalars in canonical form.
    pub fn key_text(&self) -> Cow<'_, str> {
        match &self.kind {
            NodeKind::String(s) => Cow::Borrowed(s),
            NodeKind::Null => Cow::Borrowed("null"),
            NodeKind::Bool(b) => Cow::Owned(b.to_string()),
            NodeKind::Int(i) => Cow::Owned(i.to_string()),
            NodeKind::Float(f) => Cow::Owned(float_text(*f)),
            NodeKind::Seq(_) | NodeKind::Map(_) => {
                Cow::Owned(serde_json::to_string(&self.to_value()).unwrap_or_default())
            }
        }
    }
}

/// How YAML spells a float (`.nan`, `-.inf`, `1.5`); shared with `yaml_out`.
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f < 0.0 {
            "-.inf".into()
        } else {
            ".inf".into()
        }
    } else {
        format!("{f:?}")
    }
}

// An explicit path: the build script compiles this file on its own (`#[path]`).
#[path = "yaml/sniff.rs"]
mod sniff;

#[path = "yaml/tests.rs"]
#[cfg(test)]
mod tests;
