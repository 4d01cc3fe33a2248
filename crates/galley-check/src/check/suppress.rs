//! `// galley: allow(…)` and `// galley: allow-file(…)` comments: whether one silences a
//! diagnostic. The checker (`replace.rs`) and the lints (galley-analyze) both ask.

use crate::diag::Diagnostic;
use crate::source::Files;

/// Whether a comment silences the diagnostic at its primary place.
pub fn suppressed(d: &Diagnostic, files: &Files) -> bool {
    let Some(label) = d.labels.first() else {
        return false;
    };
    let name = d.code.as_str();
    let short = name.rsplit("::").next().unwrap_or(name);
    let text = files.text(label.span.file);
    let names = |comment: &str, key: &str| -> bool {
        let Some(at) = comment.find(key) else {
            return false;
        };
        let rest = &comment[at + key.len()..];
        let Some(end) = rest.find(')') else {
            return false;
        };
        rest[..end]
            .split(',')
            .map(str::trim)
            .any(|n| n == short || n == name)
    };
    fn comment(line: &str) -> Option<&str> {
        let t = line.trim_start();
        if t.starts_with("//") || t.starts_with('#') {
            return Some(t);
        }
        line.find(" //")
            .or_else(|| line.find(" #"))
            .map(|i| &line[i..])
    }
    if text.contains("galley: allow-file(")
        && text
            .lines()
            .filter_map(comment)
            .any(|c| names(c, "galley: allow-file("))
    {
        return true;
    }
    let start = label.span.start as usize;
    let line_start = text[..start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let here = text[line_start..].lines().next().unwrap_or("");
    if comment(here).is_some_and(|c| names(c, "galley: allow(")) {
        return true;
    }
    for line in text[..line_start].lines().rev() {
        let t = line.trim_start();
        if !(t.starts_with("//") || t.starts_with('#')) {
            break;
        }
        if names(t, "galley: allow(") {
            return true;
        }
    }
    false
}
