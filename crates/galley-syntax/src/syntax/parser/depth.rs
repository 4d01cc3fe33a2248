//! The nesting cap for `.ovl` text, checked before parsing.
//!
//! pest parses nested braces and brackets by recursion, and every later walk over a value
//! (the walker, the lattice, the printer, YAML output) recurses too. A bracket nested deeper
//! than [`MAX_BRACKETS`] is refused here in one linear pass, before any of them runs; the
//! walker then caps the depth of each value, dotted keys included, at [`MAX_NESTING`], the
//! YAML reader's limit, so that whatever galley accepts from an overlay it can also read
//! back from a recipe it wrote.

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
pub use crate::syntax::yaml::MAX_NESTING;

/// Brackets around a value: its own levels and the blocks around a `set` (`overlay {`,
/// `component {`, `set {`), with room to spare.
pub const MAX_BRACKETS: usize = MAX_NESTING + 4;

/// The diagnostic for text nested deeper than galley reads.
pub fn too_deep(file: FileId, at: usize, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        format!("{what} nest deeper than {MAX_NESTING} levels"),
    )
    .with_label(Span::new(file, at..at + 1), "too deep")
    .with_help("flatten the value, or move it into a values file")
}

/// The first `{` or `[` (outside strings and comments) nested deeper than [`MAX_BRACKETS`].
pub fn check_brackets(file: FileId, text: &str) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let (mut depth, mut in_string, mut i) = (0usize, false, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' | b'\r' => in_string = false,
            b'"' => in_string = !in_string,
            b'\\' if in_string => i += 1,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                continue;
            }
            b'{' | b'[' if !in_string => {
                depth += 1;
                if depth > MAX_BRACKETS {
                    return Some(too_deep(file, i, "braces and brackets"));
                }
            }
            b'}' | b']' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}
