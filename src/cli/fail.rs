//! The one renderer of the failures the CLI prints: every error carries a stable [`Code`].
//!
//! A failure tied to a place in a source file is a [`Diagnostic`] with labels, rendered by
//! `crate::render`; one with no place (a bad flag, an unreadable file, clap's own usage
//! errors) is `error: MESSAGE [CODE]` with `help:` and `note:` lines. Under `--format json`
//! (`-t json`) both are JSON on stderr instead: one diagnostic object per line, in the shape
//! `galley check --format json` uses for its diagnostics.

use crate::diag::{Code, Diagnostic, Severity};
use crate::render;
use crate::source::Files;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether failures are written as JSON (`--format json`), set once before the command runs.
static JSON: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_json(on: bool) {
    JSON.store(on, Ordering::Relaxed);
}

/// Whether failures are written as JSON.
pub(crate) fn json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// Print diagnostics to stderr: rendered reports, or one JSON object a line.
pub(crate) fn print_diagnostics(diags: &[Diagnostic], files: &Files) {
    if json() {
        for d in diags {
            json_line(d, files);
        }
        return;
    }
    let style = super::stderr_style();
    for d in diags {
        eprint!("{}", render::render(d, files, style));
    }
}

/// Print one diagnostic that has no place in a source: one line and its `help:` and
/// `note:` lines, or JSON.
pub(crate) fn report(d: &Diagnostic) {
    if json() {
        json_line(d, &Files::new());
    } else {
        eprint!("{}", plain(d));
    }
}

/// Print `d` and exit with `exit`.
pub(crate) fn fail(d: &Diagnostic, exit: u8) -> ExitCode {
    report(d);
    ExitCode::from(exit)
}

/// Exit code 2 with one coded error, for bad usage and unreadable input. A message that
/// already names its code (see [`from_text`]) keeps it.
pub(crate) fn usage_error(code: Code, message: impl std::fmt::Display) -> ExitCode {
    fail(&from_text(code, &message.to_string()), 2)
}

/// Exit code 1 after a library's errors are reported: the command needs a library without.
pub(crate) fn library_errors() -> ExitCode {
    let d = Diagnostic::error(
        Code::LibraryErrors,
        "the recipe library has errors; fix them first (`galley check`)",
    );
    fail(&d, 1)
}

/// Exit code 2 for a path the command cannot use (a `--data` directory, a `check` or `fmt`
/// path): `galley::io` when it cannot be read, `galley::usage::data-path` when it is not
/// what the flag takes (a symbolic link, a file for a directory).
pub(crate) fn path_error(text: impl std::fmt::Display) -> ExitCode {
    let text = text.to_string();
    let code = if text.starts_with("cannot read ") {
        Code::Io
    } else {
        Code::UsageDataPath
    };
    fail(&from_text(code, &text), 2)
}

/// A coded error from a lower layer's text: a first line that ends in `[CODE]` keeps that
/// code (`InputError::report`), otherwise `code`; `help: ` lines become the help.
pub(crate) fn from_text(code: Code, text: &str) -> Diagnostic {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let (message, code) = match first.rsplit_once(" [") {
        Some((m, tail)) => match tail.strip_suffix(']').and_then(Code::parse) {
            Some(c) => (m, c),
            None => (first, code),
        },
        None => (first, code),
    };
    let mut d = Diagnostic::error(code, message);
    for line in lines {
        match line.strip_prefix("help: ") {
            Some(help) => d = d.with_help(help),
            None => d = d.with_note(line.strip_prefix("note: ").unwrap_or(line)),
        }
    }
    d
}

/// An unreadable input as a coded diagnostic: `cannot read ROLE `PATH`: REASON`.
pub(crate) fn input(
    e: &crate::input::InputError,
    role: &str,
    path: &camino::Utf8Path,
) -> Diagnostic {
    from_text(Code::Io, &e.report(role, path))
}

/// `error: MESSAGE [CODE]`, then `help:` and `note:` lines.
fn plain(d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("{level}: {} [{}]\n", d.message, d.code);
    if let Some(help) = &d.help {
        out.push_str(&format!("help: {help}\n"));
    }
    for note in &d.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

fn json_line(d: &Diagnostic, files: &Files) {
    let line = serde_json::to_string(&render::to_json(d, files)).unwrap_or_else(|e| {
        format!(
            r#"{{"code":"{}","severity":"error","message":"cannot write JSON: {}"}}"#,
            Code::IoWrite,
            e.to_string().replace(['"', '\\'], "'")
        )
    });
    eprintln!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_a_code_it_carries_and_its_help() {
        let d = from_text(
            Code::UsageValue,
            "cannot read `x`: it is a directory, not a regular file [galley::input::not-a-file]\nhelp: name a regular file",
        );
        assert_eq!(d.code, Code::InputNotAFile);
        assert_eq!(
            d.message,
            "cannot read `x`: it is a directory, not a regular file"
        );
        assert_eq!(d.help.as_deref(), Some("name a regular file"));
        let d = from_text(Code::UsageValue, "bad value [not a code]");
        assert_eq!(d.code, Code::UsageValue);
        assert_eq!(d.message, "bad value [not a code]");
    }

    #[test]
    fn plain_text_ends_the_first_line_with_the_code() {
        let d = Diagnostic::error(Code::UsageCriteria, "no criteria").with_help("give one");
        assert_eq!(
            plain(&d),
            "error: no criteria [galley::usage::criteria]\nhelp: give one\n"
        );
    }
}
