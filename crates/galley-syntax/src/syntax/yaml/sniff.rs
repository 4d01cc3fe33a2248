//! Text that is plainly not YAML or JSON: XML or HTML, or binary data. Read as YAML, an XML
//! file is one long plain string (the error then quotes all of it as "not a mapping"), so
//! these are reported once, pointing at the first line: binary data before parsing, markup
//! when the text does not read as YAML collections (`<a: x>` is a YAML mapping, not a tag).

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// A diagnostic when `text` holds a NUL byte: binary data, never YAML or JSON.
pub(super) fn binary(file: FileId, text: &str) -> Option<Diagnostic> {
    let nul = text.find('\0')?;
    Some(not_yaml(file, "binary data", nul..nul + 1))
}

/// A diagnostic when the first line is XML or HTML markup. The caller refuses the text with
/// it only when the text does not read as YAML collections (`<a: x>` is a YAML mapping).
pub(super) fn markup(file: FileId, text: &str) -> Option<Diagnostic> {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    let start = text.len() - body.len();
    let first = body.lines().next().unwrap_or("");
    looks_like_markup(first).then(|| not_yaml(file, "XML", start..start + first.len()))
}

fn not_yaml(file: FileId, what: &str, at: std::ops::Range<usize>) -> Diagnostic {
    Diagnostic::error(
        Code::YamlParse,
        format!("the file is not YAML or JSON (it looks like {what})"),
    )
    .with_label(Span::new(file, at), format!("this looks like {what}"))
    .with_help("give a YAML or JSON document here")
}

/// `<?xml ...`, `<!DOCTYPE ...`, `<!-- ...` or a line that is one tag (`<root>`,
/// `<item a="1"/>`); YAML's `<<: *merge` and a `<key>: value` line are not.
fn looks_like_markup(first: &str) -> bool {
    let first = first.trim_end();
    if first.starts_with("<?xml") || first.starts_with("<!") {
        return true;
    }
    let Some(rest) = first.strip_prefix('<') else {
        return false;
    };
    rest.starts_with(|c: char| c.is_ascii_alphabetic()) && first.ends_with('>')
}
