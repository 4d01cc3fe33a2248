//! Every error the CLI prints carries a stable code, and under `--format json` (`-t json`)
//! every failure, usage errors included, is JSON on stderr: one diagnostic a line.

use crate::support::{galley, stderr};
use std::path::PathBuf;

/// A scratch directory with a malformed criteria file and a plain file to write under.
fn scratch() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("error-codes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        std::fs::write(dir.join("file"), "a file, not a directory\n").expect("file");
        std::fs::write(
            dir.join("criteria.yaml"),
            "kind: RecipeCriteria\napiVersion: aicr.run/v1alpha1\nspec:\n  service: nope\n",
        )
        .expect("criteria file");
        std::fs::write(dir.join("garbage.yaml"), "[unclosed\n").expect("garbage");
        dir
    })
    .clone()
}

fn path(name: &str) -> String {
    scratch().join(name).display().to_string()
}

/// A failing invocation: its words, the code it reports and its exit status.
struct Case {
    args: Vec<String>,
    code: &'static str,
    exit: i32,
}

fn case(args: &[&str], code: &'static str, exit: i32) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        code,
        exit,
    }
}

/// Failures of commands without a JSON format, and their text-mode codes.
fn text_cases() -> Vec<Case> {
    let file = path("file");
    let criteria = path("criteria.yaml");
    vec![
        case(&["check", "--nope"], "galley::usage::argument", 2),
        case(&["bogus"], "galley::usage::argument", 2),
        case(&[], "galley::usage::missing", 2),
        case(&["check", "--format"], "galley::usage::missing", 2),
        case(&["check", "--format", "xml"], "galley::usage::value", 2),
        case(&["recipe", "--service", ""], "galley::usage::value", 2),
        case(&["query", "--service", "eks"], "galley::usage::missing", 2),
        case(&["fmt", "--strict"], "galley::usage::conflict", 2),
        case(&["recipe"], "galley::usage::criteria", 2),
        case(
            &["recipe", "--service", "nope"],
            "galley::usage::criteria",
            2,
        ),
        case(
            &["recipe", "--criteria", &criteria],
            "galley::usage::criteria",
            2,
        ),
        case(
            &["recipe", "--criteria", "/nonexistent/c.yaml"],
            "galley::io",
            2,
        ),
        case(
            &["recipe", "--snapshot", "/"],
            "galley::input::not-a-file",
            2,
        ),
        case(
            &["query", "--service", "eks", "--selector", "a["],
            "galley::usage::selector",
            2,
        ),
        case(
            &["query", "--service", "eks", "--selector", "nope.nothing"],
            "galley::query::not-found",
            3,
        ),
        case(
            &[
                "recipe",
                "--service",
                "eks",
                "-o",
                &format!("{file}/out.yaml"),
            ],
            "galley::io::write",
            2,
        ),
        case(&["check", "--data", &file], "galley::usage::data-path", 2),
        case(&["check", "/nonexistent/lib"], "galley::io", 2),
        case(&["fmt", "/nonexistent/x.ovl"], "galley::io", 2),
        case(
            &["bundle", "--service", "eks", "--set", "nocolon"],
            "galley::bundle::flag",
            2,
        ),
        case(
            &[
                "bundle",
                "--service",
                "eks",
                "--force",
                "-o",
                "oci://r.example/x:1",
            ],
            "galley::usage::conflict",
            2,
        ),
        case(&["snapshot", "--root", &file], "galley::usage::value", 2),
        case(
            &["diff", "/nonexistent/a.yaml", "/nonexistent/b.yaml"],
            "galley::io",
            2,
        ),
        case(
            &["verify", "--key", "/nonexistent/k.pem", "."],
            "galley::attest::key",
            2,
        ),
    ]
}

/// Failures of commands with `--format json` / `-t json`: each is run as given (text), and
/// with the JSON flag inserted after the command.
fn json_cases() -> Vec<(Case, &'static str)> {
    let file = path("file");
    vec![
        (
            case(&["check", "--nope"], "galley::usage::argument", 2),
            "--format=json",
        ),
        (
            case(&["recipe", "--service"], "galley::usage::missing", 2),
            "-t json",
        ),
        (
            case(
                &["recipe", "--nodes", "x", "--service", "eks"],
                "galley::usage::criteria",
                2,
            ),
            "-t json",
        ),
        (
            case(&["recipe"], "galley::usage::criteria", 2),
            "--format json",
        ),
        (
            case(
                &["recipe", "--criteria", "/nonexistent/c.yaml"],
                "galley::io",
                2,
            ),
            "-t json",
        ),
        (
            case(
                &["recipe", "--criteria", &path("garbage.yaml")],
                "galley::usage::criteria",
                2,
            ),
            "-tjson",
        ),
        (
            case(
                &["recipe", "--service", "eks", "-o", &format!("{file}/o")],
                "galley::io::write",
                2,
            ),
            "-t json",
        ),
        (
            case(
                &["query", "--service", "eks", "--selector", "a["],
                "galley::usage::selector",
                2,
            ),
            "-t json",
        ),
        (
            case(
                &["query", "--service", "eks", "--selector", "x.y"],
                "galley::query::not-found",
                3,
            ),
            "-t json",
        ),
        (
            case(
                &["explain", "--service", "eks", "nothing.here"],
                "galley::query::not-found",
                3,
            ),
            "--format json",
        ),
        (
            case(&["check", "--data", &file], "galley::usage::data-path", 2),
            "--format json",
        ),
        (
            case(&["check", "/nonexistent/lib"], "galley::io", 2),
            "-t json",
        ),
        (
            case(
                &["coverage", "--max-targets", "x"],
                "galley::usage::value",
                2,
            ),
            "--format json",
        ),
        (
            case(
                &["diff", "/nonexistent/a.yaml", "/nonexistent/b.yaml"],
                "galley::io",
                2,
            ),
            "--format json",
        ),
        (
            case(&["graph"], "galley::usage::criteria", 2),
            "--format json",
        ),
        (
            case(&["snapshot", "--root", &file], "galley::usage::value", 2),
            "-t json",
        ),
    ]
}

fn run(args: &[String]) -> (i32, String) {
    let out = galley().args(args).output().expect("galley runs");
    (out.status.code().unwrap_or(-1), stderr(&out))
}

fn assert_text(c: &Case) {
    let (exit, err) = run(&c.args);
    assert_eq!(exit, c.exit, "{:?}: exit {exit}\n{err}", c.args);
    let first = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default();
    assert!(
        first.ends_with(&format!(" [{}]", c.code)),
        "{:?}: the error line does not end in [{}]:\n{err}",
        c.args,
        c.code
    );
}

#[test]
fn every_failure_in_text_mode_has_its_code_and_exit_status() {
    for c in text_cases() {
        assert_text(&c);
    }
    for (c, _) in json_cases() {
        assert_text(&c);
    }
}

#[test]
fn every_failure_under_format_json_is_one_json_diagnostic_on_stderr() {
    for (c, flag) in json_cases() {
        let mut args = c.args.clone();
        let at = usize::from(!args.is_empty());
        for (i, word) in flag.split(' ').enumerate() {
            args.insert(at + i, word.to_string());
        }
        let out = galley().args(&args).output().expect("galley runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(c.exit), "{args:?}\n{err}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout is not empty");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: not one line on stderr:\n{err}");
        let doc: serde_json::Value = serde_json::from_str(lines[0])
            .unwrap_or_else(|e| panic!("{args:?}: stderr is not JSON ({e}):\n{err}"));
        assert_eq!(doc["code"], c.code, "{args:?}\n{err}");
        assert_eq!(doc["severity"], "error", "{args:?}");
        assert!(
            doc["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{args:?}"
        );
        assert!(
            doc["labels"].is_array() && doc["notes"].is_array(),
            "{args:?}"
        );
    }
}

#[test]
fn json_after_a_double_dash_is_not_a_format() {
    let (exit, err) = run(&["check", "--nope", "--", "--format", "json"].map(String::from));
    assert_eq!(exit, 2);
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn help_and_version_still_print_on_stdout_and_succeed() {
    for flag in ["--help", "--version"] {
        let out = galley().arg(flag).output().expect("galley runs");
        assert!(out.status.success(), "{flag}");
        assert!(!out.stdout.is_empty(), "{flag}");
        assert!(out.stderr.is_empty(), "{flag}");
    }
}

/// Every code the CLI can print is one of galley's codes and is documented.
#[test]
fn codes_in_the_table_are_documented() {
    let docs = std::fs::read_to_string(crate::support::root().join("docs/diagnostics.md"))
        .expect("docs/diagnostics.md");
    for c in text_cases()
        .iter()
        .chain(json_cases().iter().map(|(c, _)| c))
    {
        assert!(galley::diag::Code::parse(c.code).is_some(), "{}", c.code);
        assert!(
            docs.contains(&format!("`{}`", c.code)),
            "{} undocumented",
            c.code
        );
    }
}

/// No error path in `src/` goes around the renderer: `usage_error` always names a code,
/// and nothing prints `error:` by hand.
#[test]
fn no_uncoded_error_path_is_left_in_src() {
    let mut offenders = Vec::new();
    let mut stack = vec![crate::support::root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).expect("source");
                offenders.extend(
                    uncoded(&text)
                        .into_iter()
                        .map(|l| format!("{}: {l}", p.display())),
                );
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "uncoded error paths:\n{}",
        offenders.join("\n")
    );
}

/// The uncoded error paths of one source file.
fn uncoded(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("usage_error(") {
        let before = &text[..i];
        if before.ends_with("fn ") {
            continue;
        }
        let after = text[i + "usage_error(".len()..].trim_start();
        let coded = after.starts_with("Code::") || after.starts_with("crate::diag::Code::");
        if !coded {
            found.push(after.lines().next().unwrap_or_default().to_string());
        }
    }
    for mac in ["eprintln!(", "eprint!("] {
        for (i, _) in text.match_indices(mac) {
            let after = text[i + mac.len()..].trim_start();
            if after.starts_with("\"error") {
                found.push(after.lines().next().unwrap_or_default().to_string());
            }
        }
    }
    found
}

#[test]
fn the_scan_finds_an_uncoded_call() {
    assert_eq!(uncoded("return usage_error(e);").len(), 1);
    assert_eq!(uncoded("eprintln!(\"error: {e}\");").len(), 1);
    assert!(uncoded("usage_error(Code::Io, e); fn usage_error(code: Code)").is_empty());
}
