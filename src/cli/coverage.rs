//! `galley coverage [--data DIR]… [--format table|json|markdown] [--targets] [--fail-on WHAT,…]`

use super::target::load_library;
use crate::author::coverage::{self, Coverage, Failure, Tally};
use crate::check::Library;
use camino::Utf8PathBuf;
use serde_json::{Value as Json, json};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A data directory layered over the embedded library (repeatable)
    #[arg(long = "data", value_name = "DIR")]
    data: Vec<Utf8PathBuf>,
    /// Output format
    #[arg(long, short = 't', value_enum, default_value_t)]
    format: CoverageFormat,
    /// List every target (the JSON output always does)
    #[arg(long)]
    targets: bool,
    /// Exit 1 when the library has any of these (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT")]
    fail_on: Vec<FailOn>,
    /// Refuse a criteria space of more targets than this (the space is counted first)
    #[arg(long, value_name = "N", default_value_t = coverage::DEFAULT_MAX_TARGETS)]
    max_targets: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
enum CoverageFormat {
    /// Aligned plain-text tables
    #[default]
    Table,
    /// One JSON document (`version` 1)
    Json,
    /// GitHub-flavoured Markdown tables
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    /// A target that does not resolve because two overlays conflict
    Conflict,
    /// A target that does not resolve because of a dependency error or cycle
    Dependency,
    /// Any target that does not resolve
    Failing,
    /// An overlay no target reaches as its deepest match
    Dead,
}

pub fn run(args: Args) -> ExitCode {
    let library = match load_library(&args.data) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let cov = match coverage::coverage(library, args.max_targets) {
        Ok(cov) => cov,
        Err(d) => {
            super::print_diagnostics(&[d], &library.files);
            return ExitCode::from(1);
        }
    };
    let text = match args.format {
        CoverageFormat::Json => json_text(&cov),
        CoverageFormat::Table => render(&cov, library, args.targets, false),
        CoverageFormat::Markdown => render(&cov, library, args.targets, true),
    };
    super::emit(&text);
    let failed: Vec<String> = args
        .fail_on
        .iter()
        .filter_map(|f| failure_line(&cov, *f))
        .collect();
    for line in failed.iter() {
        super::report(&crate::diag::Diagnostic::error(
            crate::diag::Code::CoverageFailOn,
            line.as_str(),
        ));
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The report as `--format json` prints it (`galley serve`'s `/v1/coverage` too).
pub(crate) fn json_text(cov: &Coverage) -> String {
    let mut s = serde_json::to_string_pretty(&to_json(cov)).unwrap_or_default();
    s.push('\n');
    s
}

fn failing_targets(cov: &Coverage, pick: impl Fn(Failure) -> bool) -> usize {
    cov.targets
        .iter()
        .filter(|t| cov.outcome(t).failure.is_some_and(&pick))
        .count()
}

fn failure_line(cov: &Coverage, on: FailOn) -> Option<String> {
    let (n, what) = match on {
        FailOn::Conflict => (
            failing_targets(cov, |f| f == Failure::Conflict),
            "fail with a merge conflict",
        ),
        FailOn::Dependency => (
            failing_targets(cov, |f| f == Failure::Dependency),
            "fail with a dependency error",
        ),
        FailOn::Failing => (failing_targets(cov, |_| true), "do not resolve"),
        FailOn::Dead => {
            let n = cov.dead.len();
            return (n > 0).then(|| {
                format!(
                    "--fail-on dead: {n} dead overlay{}: {}",
                    if n == 1 { "" } else { "s" },
                    quoted(&cov.dead)
                )
            });
        }
    };
    (n > 0).then(|| format!("--fail-on {}: {n} target(s) {what}", on_name(on)))
}

fn on_name(on: FailOn) -> &'static str {
    match on {
        FailOn::Conflict => "conflict",
        FailOn::Dependency => "dependency",
        FailOn::Failing => "failing",
        FailOn::Dead => "dead",
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status(o: &coverage::Outcome) -> String {
    match o.failure {
        None => "ok".into(),
        Some(f) => {
            let mut codes: Vec<&str> = o.diagnostics.iter().map(|d| d.code.as_str()).collect();
            codes.dedup();
            format!("{} ({})", f.as_str(), codes.join(", "))
        }
    }
}

/// Rows of cells; the first row is the header.
struct Table(Vec<Vec<String>>);

impl Table {
    fn render(&self, markdown: bool, numeric: &[usize]) -> String {
        let cols = self.0.first().map_or(0, Vec::len);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.0
                    .iter()
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let cell = |c: usize, text: &str| {
            let pad = widths[c] - text.chars().count();
            if numeric.contains(&c) {
                format!("{}{text}", " ".repeat(pad))
            } else {
                format!("{text}{}", " ".repeat(pad))
            }
        };
        let mut out = String::new();
        for (i, row) in self.0.iter().enumerate() {
            let cells: Vec<String> = row.iter().enumerate().map(|(c, t)| cell(c, t)).collect();
            if markdown {
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
                if i == 0 {
                    let rule: Vec<String> = (0..cols)
                        .map(|c| {
                            let dashes = "-".repeat(widths[c].max(3));
                            if numeric.contains(&c) {
                                format!("{}:", &dashes[1..])
                            } else {
                                dashes
                            }
                        })
                        .collect();
                    out.push_str(&format!("| {} |\n", rule.join(" | ")));
                }
            } else {
                out.push_str(&format!("  {}\n", cells.join("  ").trim_end()));
            }
        }
        out
    }
}

fn tally_cells(t: &Tally) -> Vec<String> {
    [t.targets, t.curated, t.partial, t.base, t.failing]
        .iter()
        .map(usize::to_string)
        .collect()
}

fn render(cov: &Coverage, lib: &Library, list_targets: bool, md: bool) -> String {
    let heading = |s: &str| {
        if md {
            format!("\n## {s}\n\n")
        } else {
            format!("\n{s}:\n")
        }
    };
    let total = cov.total();
    let space: Vec<String> = cov
        .dimensions
        .iter()
        .map(|(d, v)| format!("{} {d}", v.len()))
        .collect();
    let mut out = String::new();
    if md {
        out.push_str("# Coverage\n\n");
    }
    out.push_str(&format!(
        "{} targets ({}): {} curated, {} partial, {} base fallback, {} failing\n",
        total.targets,
        space.join(" × "),
        total.curated,
        total.partial,
        total.base,
        total.failing
    ));
    for (dim, rows) in cov.by_dimension() {
        out.push_str(&heading(&format!("by {dim}")));
        let mut t = vec![vec![
            dim.clone(),
            "targets".into(),
            "curated".into(),
            "partial".into(),
            "base".into(),
            "failing".into(),
        ]];
        for (value, tally) in rows {
            let mut row = vec![value];
            row.extend(tally_cells(&tally));
            t.push(row);
        }
        out.push_str(&Table(t).render(md, &[1, 2, 3, 4, 5]));
    }
    out.push_str(&heading(&format!(
        "{} distinct results (deepest overlays)",
        cov.outcomes.len()
    )));
    let counts = cov.outcome_counts();
    let mut t = vec![vec![
        "targets".into(),
        "deepest overlays".into(),
        "status".into(),
    ]];
    for (o, n) in cov.outcomes.iter().zip(&counts) {
        t.push(vec![n.to_string(), o.deepest.join(", "), status(o)]);
    }
    out.push_str(&Table(t).render(md, &[0]));
    out.push_str(&heading("dead overlays"));
    if cov.dead.is_empty() {
        out.push_str(if md { "none\n" } else { "  none\n" });
    } else {
        for name in &cov.dead {
            let place = lib
                .overlays
                .get(name)
                .map(|o| lib.files.location(o.ast.name.span))
                .unwrap_or_default();
            let bullet = if md { "-" } else { " " };
            out.push_str(&format!("{bullet} `{name}` at {place}\n"));
        }
    }
    let failing: Vec<&coverage::Outcome> = cov
        .outcomes
        .iter()
        .filter(|o| o.failure.is_some())
        .collect();
    if !failing.is_empty() {
        out.push_str(&heading("failing results"));
        for o in failing {
            let bullet = if md { "-" } else { " " };
            out.push_str(&format!(
                "{bullet} {}: {}\n",
                o.deepest.join(", "),
                status(o)
            ));
            for d in &o.diagnostics {
                out.push_str(&format!("    {}\n", d.message));
            }
        }
    }
    if list_targets {
        out.push_str(&heading("targets"));
        let mut t = vec![vec![
            "target".into(),
            "class".into(),
            "deepest overlays".into(),
            "status".into(),
        ]];
        for target in &cov.targets {
            let o = cov.outcome(target);
            t.push(vec![
                target.query.describe(),
                target.class.as_str().into(),
                o.deepest.join(", "),
                status(o),
            ]);
        }
        out.push_str(&Table(t).render(md, &[]));
    }
    out
}

fn tally_json(t: &Tally) -> Json {
    json!({
        "targets": t.targets, "curated": t.curated, "partial": t.partial,
        "base": t.base, "failing": t.failing,
    })
}

fn to_json(cov: &Coverage) -> Json {
    let dims: serde_json::Map<String, Json> = cov
        .dimensions
        .iter()
        .map(|(d, v)| (d.clone(), json!(v)))
        .collect();
    let by_dim: serde_json::Map<String, Json> = cov
        .by_dimension()
        .into_iter()
        .map(|(d, rows)| {
            let m: serde_json::Map<String, Json> = rows
                .iter()
                .map(|(v, t)| (v.clone(), tally_json(t)))
                .collect();
            (d, Json::Object(m))
        })
        .collect();
    let counts = cov.outcome_counts();
    let results: Vec<Json> = cov
        .outcomes
        .iter()
        .zip(&counts)
        .map(|(o, n)| {
            let codes: Vec<&str> = o.diagnostics.iter().map(|d| d.code.as_str()).collect();
            let messages: Vec<&str> = o.diagnostics.iter().map(|d| d.message.as_str()).collect();
            json!({
                "targets": n, "applied": o.applied, "deepest": o.deepest,
                "failure": o.failure.map(Failure::as_str), "codes": codes, "messages": messages,
            })
        })
        .collect();
    let targets: Vec<Json> = cov
        .targets
        .iter()
        .map(|t| {
            let criteria: serde_json::Map<String, Json> = cov
                .dimensions
                .iter()
                .map(|(d, _)| (d.clone(), json!(t.query.get(d))))
                .collect();
            json!({
                "criteria": criteria, "class": t.class.as_str(), "result": t.outcome,
                "failure": cov.outcome(t).failure.map(Failure::as_str),
            })
        })
        .collect();
    json!({
        "version": 1,
        "dimensions": dims,
        "summary": tally_json(&cov.total()),
        "byDimension": by_dim,
        "results": results,
        "deadOverlays": cov.dead,
        "targets": targets,
    })
}
