//! clap's own parse errors (an unknown flag, a missing value, a bad `ValueEnum` value) as
//! coded diagnostics, through the one renderer of `fail.rs`.

use super::fail;
use crate::diag::{Code, Diagnostic};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::process::ExitCode;

/// Whether the command line asks for JSON (`--format json`, `--format=json`, `-t json`,
/// `-tjson`, `-t=json`): read from the words themselves, because clap fails before it
/// knows the format. Words after `--` are arguments, not flags.
pub(crate) fn json_requested(args: &[std::ffi::OsString]) -> bool {
    let words: Vec<&str> = args
        .iter()
        .map(|a| a.to_str().unwrap_or(""))
        .take_while(|a| *a != "--")
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        let next = words.get(i + 1).copied();
        match *w {
            "--format" | "-t" => next == Some("json"),
            _ => matches!(*w, "--format=json" | "-tjson" | "-t=json"),
        }
    })
}

/// Whether the parsed command's `--format` is `json`.
pub(crate) fn json_chosen(matches: &clap::ArgMatches) -> bool {
    matches
        .subcommand()
        .and_then(|(_, sub)| sub.try_get_raw("format").ok().flatten())
        .is_some_and(|mut values| values.any(|v| v == "json"))
}

/// Report a clap error: help and `--version` print as clap prints them (exit 0); every
/// other error is one coded diagnostic, exit 2.
pub(crate) fn clap_error(e: &clap::Error) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // Help goes to stdout; a closed pipe is no error.
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    fail::fail(&diagnostic(e), 2)
}

/// The coded diagnostic for a clap parse error.
pub(crate) fn diagnostic(e: &clap::Error) -> Diagnostic {
    let arg = one(e, ContextKind::InvalidArg).map(|a| flag_name(&a));
    let value = one(e, ContextKind::InvalidValue);
    let missing_value = e.kind() == ErrorKind::InvalidValue && value.as_deref() == Some("");
    let code = if missing_value {
        Code::UsageMissing
    } else {
        code(e.kind())
    };
    let message = match (e.kind(), &arg, &value) {
        (ErrorKind::UnknownArgument, Some(a), _) => format!("unknown argument `{a}`"),
        (ErrorKind::InvalidSubcommand, ..) => match one(e, ContextKind::InvalidSubcommand) {
            Some(c) => format!("unknown command `{c}`"),
            None => clap_message(e),
        },
        (ErrorKind::InvalidValue, Some(a), _) if missing_value => format!("`{a}` needs a value"),
        (ErrorKind::InvalidValue | ErrorKind::ValueValidation, Some(a), Some(v)) => {
            match std::error::Error::source(e) {
                Some(why) => format!("invalid value `{v}` for `{a}`: {why}"),
                None => format!("invalid value `{v}` for `{a}`"),
            }
        }
        (ErrorKind::MissingRequiredArgument, _, _) => {
            let missing = many(e, ContextKind::InvalidArg);
            format!("missing required argument `{}`", missing.join("`, `"))
        }
        (
            ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand,
            ..,
        ) => "no command given".to_string(),
        _ => clap_message(e),
    };
    let mut d = Diagnostic::error(code, message);
    if let Some(help) = help(e) {
        d = d.with_help(help);
    }
    if let Some(ContextValue::StyledStr(usage)) = e.get(ContextKind::Usage) {
        let usage = usage.to_string();
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        d = d.with_note(format!("usage: `{usage}`"));
    }
    d
}

/// `--format` for clap's `--format <FORMAT>`; a positional `<PATHS>...` stays as it is.
fn flag_name(arg: &str) -> String {
    match arg.split_once(' ') {
        Some((flag, _)) if flag.starts_with('-') => flag.to_string(),
        _ => arg.to_string(),
    }
}

fn code(kind: ErrorKind) -> Code {
    match kind {
        ErrorKind::UnknownArgument | ErrorKind::InvalidSubcommand => Code::UsageArgument,
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::InvalidUtf8 => {
            Code::UsageValue
        }
        ErrorKind::ArgumentConflict | ErrorKind::TooManyValues => Code::UsageConflict,
        _ => Code::UsageMissing,
    }
}

/// `help:` from clap's suggestions: the nearest flag, command or value, else the values a
/// flag takes, else where to look.
fn help(e: &clap::Error) -> Option<String> {
    let suggested = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .find_map(|k| many(e, k).into_iter().next());
    if let Some(s) = suggested {
        return Some(format!("did you mean `{s}`?"));
    }
    let valid = many(e, ContextKind::ValidValue);
    if !valid.is_empty() {
        return Some(format!("expected one of: {}", valid.join(", ")));
    }
    match e.kind() {
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            Some("run `galley --help` to list the commands".into())
        }
        ErrorKind::UnknownArgument => Some("`--help` lists the flags a command takes".into()),
        _ => None,
    }
}

fn one(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Strings(v) => v.first().cloned(),
        _ => None,
    }
}

fn many(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        _ => Vec::new(),
    }
}

/// clap's own first line, without its `error: ` and quotes made backticks.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or("bad usage");
    first.trim_start_matches("error:").trim().replace('\'', "`")
}

#[cfg(test)]
mod tests {
    use super::json_requested;

    fn words(line: &str) -> Vec<std::ffi::OsString> {
        line.split(' ').map(Into::into).collect()
    }

    #[test]
    fn json_is_found_in_each_spelling_and_not_after_a_double_dash() {
        for yes in [
            "galley check --format json",
            "galley recipe -t json --nope",
            "galley check --format=json",
            "galley recipe -tjson",
        ] {
            assert!(json_requested(&words(yes)), "{yes}");
        }
        for no in [
            "galley check --format human",
            "galley check --format",
            "galley check -- --format json",
            "galley check json",
        ] {
            assert!(!json_requested(&words(no)), "{no}");
        }
    }
}
