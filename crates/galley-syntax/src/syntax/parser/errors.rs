//! Syntax diagnostics: pest's failures in human words.
//!
//! pest reports the furthest position it reached and the rules it tried there. Each rule is
//! mapped to what a user would call it (`ident` is "a name", `cstmt` the list of component
//! keywords, `kw_set` is `` `set` ``); rules that mean nothing to a user map to nothing. The
//! message is `expected A, B or C, found X`, the label points at X, and a word close to an
//! expected keyword gets a "did you mean" help.

use pest::Parser as _;
use pest::error::{Error, ErrorVariant, InputLocation};

use super::grammar::{GalleyParser, Rule};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::{FileId, Span};
use crate::syntax::ast::COMPONENT_KEYWORDS;

/// What a rule stands for in a message.
enum Expect {
    /// Keywords, each printed in backticks.
    Keywords(&'static [&'static str]),
    /// A phrase printed as is.
    Phrase(&'static str),
}

/// Re-runs `context` (a block's statement rule, or `item`) at `start` and describes the
/// failure.
///
/// The probe reads a window of whole lines after `start`, not the rest of the file: pest
/// scans from the end of its input to build an error, which would make many errors in one
/// file quadratic. A failure that may be an artifact of the cut (on the window's last line,
/// or a success) is retried with a window eight times larger.
pub(super) fn probe(file: FileId, text: &str, start: usize, context: Rule) -> Diagnostic {
    let mut end = line_end_after(text, start + 1024);
    loop {
        let window = &text[start..end];
        let cut = end < text.len();
        match GalleyParser::parse(context, window) {
            Err(e) if !cut || window[error_pos(&e).min(window.len())..].contains('\n') => {
                return from_pest(file, text, start, &e);
            }
            Ok(_) if !cut => {
                let (found, range) = found(text, start);
                return Diagnostic::error(Code::SyntaxError, format!("unexpected {found}"))
                    .with_label(Span::new(file, range), "not expected here");
            }
            _ => end = line_end_after(text, start + 8 * (end - start)),
        }
    }
}

/// The end of the line that contains `pos` (after its newline), or the end of the text.
fn line_end_after(text: &str, pos: usize) -> usize {
    if pos >= text.len() {
        return text.len();
    }
    text.as_bytes()[pos..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |n| pos + n + 1)
}

fn error_pos(e: &Error<Rule>) -> usize {
    match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((p, _)) => p,
    }
}

/// A pest error on `text[offset..]` as a diagnostic.
pub(super) fn from_pest(file: FileId, text: &str, offset: usize, e: &Error<Rule>) -> Diagnostic {
    let pos = (offset + error_pos(e)).min(text.len());
    if let Some(d) = unterminated_string(file, text, pos) {
        return d;
    }
    let positives = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.as_slice(),
        ErrorVariant::CustomError { .. } => {
            return Diagnostic::error(Code::TooDeep, "the text nests too deeply to parse")
                .with_label(Span::new(file, pos..pos), "parsing stopped here");
        }
    };
    expected(file, text, pos, positives)
}

fn expected(file: FileId, text: &str, pos: usize, positives: &[Rule]) -> Diagnostic {
    let (found, range) = found(text, pos);
    let mut phrases: Vec<String> = Vec::new();
    for phrase in positives.iter().flat_map(|&rule| describe(rule)) {
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    let message = match join(&phrases) {
        wanted if wanted.is_empty() => format!("unexpected {found}"),
        wanted => format!("expected {wanted}, found {found}"),
    };
    let label = if pos >= text.len() {
        "the file ends here".to_string()
    } else if found.starts_with('`') {
        format!("unexpected {found}")
    } else {
        "not expected here".to_string()
    };
    let written = &text[range.clone()];
    let d = Diagnostic::error(Code::SyntaxError, message).with_label(Span::new(file, range), label);
    match suggest(written, &phrases) {
        Some(k) => d.with_help(format!("did you mean `{k}`?")),
        None => d,
    }
}

/// A keyword among the expected phrases close to the word that was written instead.
fn suggest<'a>(written: &str, phrases: &'a [String]) -> Option<&'a str> {
    if !written.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let keywords = phrases
        .iter()
        .map(|p| p.trim_matches('`'))
        .filter(|k| k.len() > 1 && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
    did_you_mean(written, keywords).filter(|&k| k != written)
}

/// `a`, `a or b`, `one of a, b, c`.
fn join(phrases: &[String]) -> String {
    match phrases {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many => format!("one of {}", many.join(", ")),
    }
}

/// What is at `pos`: a word, a string, a character or the end of the file, and its range.
fn found(text: &str, pos: usize) -> (String, std::ops::Range<usize>) {
    let rest = &text[pos..];
    let Some(c) = rest.chars().next() else {
        return ("end of file".to_string(), pos..pos);
    };
    let word_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(b))
        .count();
    match c {
        '\n' | '\r' => ("end of line".to_string(), pos..pos + 1),
        ' ' | '\t' => ("a space".to_string(), pos..pos + 1),
        '"' => ("a string".to_string(), pos..pos + string_len(rest)),
        _ if word_len > 0 => {
            let word = &rest[..word_len];
            let shown = if word.len() > 40 { &word[..40] } else { word };
            (format!("`{shown}`"), pos..pos + word_len)
        }
        _ => (format!("`{c}`"), pos..pos + c.len_utf8()),
    }
}

/// Length of the string literal at the start of `s` (up to the end of the line when it is
/// not closed), and whether it is closed.
fn string_extent(s: &str) -> (usize, bool) {
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return (i + 1, true),
            b'\n' | b'\r' => return (i, false),
            b'\\' if !matches!(bytes.get(i + 1), None | Some(b'\n' | b'\r')) => i += 2,
            _ => i += 1,
        }
    }
    (bytes.len().min(i), false)
}

fn string_len(s: &str) -> usize {
    let (len, _) = string_extent(s);
    // Stay on a char boundary (an escape can end inside a multi-byte character's bytes).
    (len..=s.len())
        .find(|&n| s.is_char_boundary(n))
        .unwrap_or(s.len())
}

fn unterminated_string(file: FileId, text: &str, pos: usize) -> Option<Diagnostic> {
    let rest = &text[pos..];
    if !rest.starts_with('"') || string_extent(rest).1 {
        return None;
    }
    let span = Span::new(file, pos..pos + string_len(rest));
    Some(
        Diagnostic::error(Code::SyntaxError, "unterminated string")
            .with_label(span, "this string has no closing `\"`")
            .with_help("a string ends on the line where it starts; write a line break as `\\n`"),
    )
}

/// Blocks left open where the file (or the next item) starts; `openers[0]` is the
/// innermost.
pub(super) fn unclosed(file: FileId, text: &str, at: usize, openers: &[Span]) -> Diagnostic {
    let mut d = Diagnostic::error(Code::SyntaxError, "unclosed `{`");
    for (i, &span) in openers.iter().enumerate() {
        let label = if i == 0 {
            "this block is never closed"
        } else {
            "nor is this one"
        };
        d = d.with_label(span, label);
    }
    let end = if at >= text.len() {
        "expected `}` before the end of the file"
    } else {
        "expected `}` before this item"
    };
    d.with_label(Span::new(file, at..at), end)
}

pub(super) fn bad_escape(span: Span, escape: &str) -> Diagnostic {
    if escape.starts_with("\\u") {
        return Diagnostic::error(
            Code::InvalidString,
            format!("invalid unicode escape `{escape}`"),
        )
        .with_label(span, "not a unicode scalar value")
        .with_help("write one to six hex digits in braces, e.g. `\\u{1F600}`");
    }
    Diagnostic::error(
        Code::InvalidString,
        format!("invalid escape `{escape}` in string"),
    )
    .with_label(span, "unknown escape")
    .with_help("the escapes are `\\\"`, `\\\\`, `\\n`, `\\r`, `\\t` and `\\u{...}`")
}

pub(super) fn duplicate(keyword: &str, first: Span, again: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateField,
        format!("field `{keyword}` is given twice in one block"),
    )
    .with_label(again, "given again here")
    .with_label(first, "first given here")
}

fn kws(list: &'static [&'static str]) -> Expect {
    Expect::Keywords(list)
}

/// The phrases a rule stands for (none for rules a user would not recognise).
fn describe(rule: Rule) -> Vec<String> {
    let expect = match statement_set(rule).or_else(|| token(rule)) {
        Some(e) => e,
        None => return keyword_of(rule).into_iter().collect(),
    };
    match expect {
        Expect::Keywords(list) => list.iter().map(|k| format!("`{k}`")).collect(),
        Expect::Phrase(p) => vec![p.to_string()],
    }
}

/// Rules that stand for a set of statements: the keywords that can start one.
fn statement_set(rule: Rule) -> Option<Expect> {
    Some(match rule {
        Rule::item | Rule::file => kws(&[
            "overlay",
            "mixin",
            "dimension",
            "measurement",
            "component",
            "validator",
        ]),
        Rule::ostmt => kws(&["when", "require", "component", "validate", "param"]),
        Rule::param_type => kws(&["string", "int", "bool", "quantity", "version", "enum"]),
        Rule::cstmt => kws(&COMPONENT_KEYWORDS),
        Rule::pstmt => kws(&[
            "timeout",
            "checks",
            "require",
            "node-selector",
            "max-nodes",
            "exclude-nodes",
            "infrastructure",
        ]),
        Rule::rstmt => kws(&[
            "display-name",
            "aliases",
            "helm",
            "kustomize",
            "namespace",
            "health-check",
            "system",
            "accelerated",
            "node-count",
            "workload-selector",
            "bundle-check",
        ]),
        Rule::vstmt => kws(&["phase", "description", "image", "timeout", "args", "env"]),
        Rule::cfield => kws(&["severity", "remediation", "unit"]),
        Rule::helm_field => kws(&["repository", "chart", "version", "namespace"]),
        Rule::kustomize_field => kws(&["source", "path", "tag", "namespace"]),
        Rule::sched_field => kws(&["node-selector", "tolerations", "taints", "taint-string"]),
        Rule::r_scheduling => kws(&["system", "accelerated"]),
        Rule::registry | Rule::component_ref => kws(&["component"]),
        Rule::measure_type => kws(&["string", "int", "number", "bool", "version"]),
        Rule::c_type => kws(&["type"]),
        Rule::bool => kws(&["true", "false"]),
        Rule::null => kws(&["null"]),
        _ => return None,
    })
}

/// Tokens and phrases.
fn token(rule: Rule) -> Option<Expect> {
    Some(Expect::Phrase(match rule {
        Rule::ident | Rule::idents | Rule::name => "a name",
        Rule::text | Rule::texts => "a word or a string",
        Rule::rhs => "a word or a string",
        Rule::param_ref => "a parameter such as `$gpu_count`",
        Rule::bound_expr => "a bound such as `37.5 * GPU.smi.gpu-count`",
        Rule::param_default => "`= DEFAULT`",
        Rule::param_bound | Rule::param_range | Rule::param_set => {
            "a range such as `in 1..=64` or a set such as `in [a, b]`"
        }
        Rule::word => "a word",
        Rule::string => "a string",
        Rule::int => "an integer",
        Rule::float => "a number",
        Rule::value | Rule::list | Rule::map => "a value (strings are quoted)",
        Rule::op => "an operator such as `>=`",
        Rule::mpath => "a measurement path such as `K8s.server.version`",
        Rule::pattern => "a measurement pattern such as `OS.sysctl[*]`",
        Rule::vpath | Rule::vpaths => "a value path such as `driver.version`",
        Rule::assign => "an assignment such as `key = value`",
        Rule::term | Rule::bundle_cond => "a criterion such as `intent = training`",
        Rule::lbrace => "`{`",
        Rule::rbrace | Rule::block_end => "`}`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::pipe => "`|`",
        Rule::plus_eq => "`+=`",
        Rule::eq => "`=`",
        Rule::any_key => "`*`",
        Rule::EOI => "end of file",
        _ => return None,
    }))
}

/// `kw_health_asserts`, `c_health_asserts`, `p_max_nodes`... are named after their keyword.
fn keyword_of(rule: Rule) -> Option<String> {
    let name = format!("{rule:?}");
    let word = ["kw_", "c_", "p_", "r_", "v_"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .or(match rule {
            Rule::overlay
            | Rule::dimension
            | Rule::measurement
            | Rule::validator
            | Rule::when
            | Rule::require
            | Rule::param
            | Rule::validate
            | Rule::severity
            | Rule::remediation
            | Rule::unit
            | Rule::alias
            | Rule::extends
            | Rule::mixin
            | Rule::with
            | Rule::priority => Some(name.as_str()),
            _ => None,
        })?;
    Some(format!("`{}`", word.replace('_', "-")))
}
