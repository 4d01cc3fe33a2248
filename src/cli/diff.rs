//! `galley diff` between two recipes: two targets (`--from`, `--to`, or the criteria flags
//! every other command takes with `--to-*` for the new side), one target over two libraries
//! (`--from-data`, `--to-data`), or two `RecipeResult` files.
//!
//! Exit codes: 0 the recipes are equal, 1 they differ, 2 on any error (usage, an unreadable
//! file, a library with errors, a target that does not resolve).

use super::{Format, print_diagnostics};
use crate::author::diff::{self, Diff, Side};
use crate::diag::{Code, Diagnostic};
use crate::resolve::criteria::Query;
use crate::source::Files;
use crate::value::Value;
use camino::Utf8PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Two `RecipeResult` files (YAML or JSON) to compare, old then new
    #[arg(value_name = "FILE", num_args = 0..=2)]
    files: Vec<Utf8PathBuf>,
    /// The old side as a `RecipeResult` file
    #[arg(long, value_name = "FILE")]
    from_file: Option<Utf8PathBuf>,
    /// The new side as a `RecipeResult` file
    #[arg(long, value_name = "FILE")]
    to_file: Option<Utf8PathBuf>,
    /// The old target: `service=eks,accelerator=h100,intent=training`
    #[arg(long, value_name = "CRITERIA")]
    from: Option<String>,
    /// The new target (default: the same as `--from`)
    #[arg(long, value_name = "CRITERIA")]
    to: Option<String>,
    /// A data directory layered under both sides (repeatable)
    #[arg(long = "data", value_name = "DIR")]
    data: Vec<Utf8PathBuf>,
    /// A data directory for the old side only, above `--data` (repeatable)
    #[arg(long = "from-data", value_name = "DIR")]
    from_data: Vec<Utf8PathBuf>,
    /// A data directory for the new side only, above `--data` (repeatable)
    #[arg(long = "to-data", value_name = "DIR")]
    to_data: Vec<Utf8PathBuf>,
    /// Output format
    #[arg(long, short = 't', value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    flags: SideFlags,
}

/// The criteria flags of `recipe`, `bundle` and the rest, for both sides, and their `--to-*`
/// forms, which replace a value on the new side only.
#[derive(clap::Args, Debug, Default)]
#[command(next_help_heading = "Targets (both sides; --to-* for the new side only)")]
struct SideFlags {
    /// Cloud service of both targets
    #[arg(long)]
    service: Option<String>,
    /// Accelerator of both targets
    #[arg(long, visible_alias = "gpu")]
    accelerator: Option<String>,
    /// Workload intent of both targets
    #[arg(long)]
    intent: Option<String>,
    /// Node OS of both targets
    #[arg(long)]
    os: Option<String>,
    /// Platform of both targets
    #[arg(long)]
    platform: Option<String>,
    /// Number of GPU nodes of both targets
    #[arg(long, allow_negative_numbers = true)]
    nodes: Option<String>,
    /// Cloud service of the new target
    #[arg(long, value_name = "SERVICE")]
    to_service: Option<String>,
    /// Accelerator of the new target
    #[arg(long, visible_alias = "to-gpu", value_name = "ACCELERATOR")]
    to_accelerator: Option<String>,
    /// Workload intent of the new target
    #[arg(long, value_name = "INTENT")]
    to_intent: Option<String>,
    /// Node OS of the new target
    #[arg(long, value_name = "OS")]
    to_os: Option<String>,
    /// Platform of the new target
    #[arg(long, value_name = "PLATFORM")]
    to_platform: Option<String>,
    /// Number of GPU nodes of the new target
    #[arg(long, allow_negative_numbers = true, value_name = "NODES")]
    to_nodes: Option<String>,
}

type Pairs = Vec<(&'static str, String)>;

impl SideFlags {
    fn given(list: [(&'static str, &Option<String>); 6]) -> Pairs {
        list.into_iter()
            .filter_map(|(dim, v)| v.clone().map(|v| (dim, v)))
            .collect()
    }

    fn both(&self) -> Pairs {
        SideFlags::given([
            ("service", &self.service),
            ("accelerator", &self.accelerator),
            ("intent", &self.intent),
            ("os", &self.os),
            ("platform", &self.platform),
            ("nodes", &self.nodes),
        ])
    }

    fn new_only(&self) -> Pairs {
        SideFlags::given([
            ("service", &self.to_service),
            ("accelerator", &self.to_accelerator),
            ("intent", &self.to_intent),
            ("os", &self.to_os),
            ("platform", &self.to_platform),
            ("nodes", &self.to_nodes),
        ])
    }
}

/// One target: `--from`/`--to` text, the flags for both sides (a dimension may not be in
/// both), then the `--to-*` flags, which replace.
struct Target {
    text: Option<String>,
    flags: Pairs,
    replace: Pairs,
}

/// Where one side comes from.
enum Source<'a> {
    File(&'a Utf8PathBuf),
    Target(Target, Vec<Utf8PathBuf>),
}

pub fn run(args: Args) -> ExitCode {
    let sides = match sources(&args) {
        Ok(s) => s,
        Err(e) => return super::usage_error(Code::UsageCriteria, e),
    };
    let mut loaded = Vec::new();
    for source in sides {
        match load(source) {
            Some(side) => loaded.push(side),
            None => return ExitCode::from(2),
        }
    }
    let d = diff::diff(&loaded[0], &loaded[1]);
    match args.format {
        Format::Human => super::emit(&human(&d)),
        Format::Json => super::emit(&json(&d)),
    }
    if d.is_equal() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The JSON of `--format json` (`galley serve`'s `/v1/diff` answers the same).
pub fn json(d: &Diff) -> String {
    let mut doc = serde_json::json!({ "version": 1, "equal": d.is_equal() });
    if let (Some(obj), Ok(serde_json::Value::Object(body))) =
        (doc.as_object_mut(), serde_json::to_value(d))
    {
        obj.extend(body);
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn sources(args: &Args) -> Result<[Source<'_>; 2], String> {
    if args.files.len() == 1 {
        return Err("give two `RecipeResult` files, or use --from-file/--to-file".into());
    }
    let from_file = args.from_file.as_ref().or(args.files.first());
    let to_file = args.to_file.as_ref().or(args.files.get(1));
    if args.from_file.is_some() && !args.files.is_empty()
        || args.to_file.is_some() && !args.files.is_empty()
    {
        return Err("give the files either as arguments or with --from-file/--to-file".into());
    }
    let layers = |extra: &[Utf8PathBuf]| [args.data.as_slice(), extra].concat();
    let both = args.flags.both();
    let new_only = args.flags.new_only();
    let old_target = args.from.is_some() || !both.is_empty();
    let from = match (from_file, old_target) {
        (Some(_), true) => {
            return Err(
                "the old side is both a file and a target (--from or criteria flags)".into(),
            );
        }
        (Some(f), false) => Source::File(f),
        (None, true) => Source::Target(
            Target {
                text: args.from.clone(),
                flags: both.clone(),
                replace: Vec::new(),
            },
            layers(&args.from_data),
        ),
        (None, false) => {
            return Err(
                "nothing to compare: give --from or the criteria flags (--service, --accelerator, ...; --to or --to-* for the new side, or --from-data/--to-data), or two `RecipeResult` files"
                    .into(),
            );
        }
    };
    let new_text = args.to.as_ref().or(args.from.as_ref());
    let new_target = new_text.is_some() || !both.is_empty() || !new_only.is_empty();
    let to = match (to_file, new_target) {
        (Some(_), _) if args.to.is_some() || !new_only.is_empty() => {
            return Err("the new side is both a file and --to or --to-* flags".into());
        }
        (Some(f), _) => Source::File(f),
        (None, true) => Source::Target(
            Target {
                text: new_text.cloned(),
                flags: both,
                replace: new_only,
            },
            layers(&args.to_data),
        ),
        (None, false) => {
            return Err("the new side needs --to, --to-* flags or a second file".into());
        }
    };
    Ok([from, to])
}

fn load(source: Source<'_>) -> Option<Side> {
    match source {
        Source::File(path) => read_file(path),
        Source::Target(target, data) => resolve(&target, &data),
    }
}

fn read_file(path: &Utf8PathBuf) -> Option<Side> {
    let text = match crate::input::read_text(path) {
        Ok(t) => t,
        Err(e) => {
            super::report(&super::fail::input(&e, "", path));
            return None;
        }
    };
    let mut files = Files::new();
    let id = files.add(path.to_string(), text.clone());
    match crate::ir::result_read::read(id, &text, super::strict()) {
        Ok(read) => {
            print_diagnostics(&read.warnings, &files);
            let doc = crate::ir::result_view::ReadRecipe::from_doc(&read.doc);
            Some(Side::from_document(path.to_string(), &doc))
        }
        Err(diags) => {
            print_diagnostics(&diags, &files);
            super::report(&Diagnostic::error(
                Code::DiffSide,
                format!("`{path}` is not a readable `RecipeResult`"),
            ));
            None
        }
    }
}

/// The terms of a `--from`/`--to` text, and the dimensions they name.
fn parse_terms(
    text: &str,
    dims: &crate::check::stdlib::Dimensions,
) -> Result<(Query, Vec<String>), String> {
    let mut q = Query::any();
    let mut seen = Vec::new();
    for term in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (dim, value) = term
            .split_once('=')
            .ok_or_else(|| format!("`{term}` is not DIMENSION=VALUE"))?;
        let mut dim = dim.trim().to_ascii_lowercase();
        if dim == "gpu" {
            dim = "accelerator".into();
        }
        if seen.contains(&dim) {
            return Err(format!("`{dim}` is given twice in `{text}`"));
        }
        if value.trim().is_empty() {
            return Err(format!(
                "`{dim}` has an empty value in `{text}`: give a value, or leave `{dim}` out"
            ));
        }
        q.set(dims, &dim, value)
            .map_err(|e| crate::resolve::criteria::invalid_value(dims, &dim, value, e))?;
        seen.push(dim);
    }
    Ok((q, seen))
}

/// One side's query: its text, then the flags for both sides, then the `--to-*` flags.
fn target_query(target: &Target, dims: &crate::check::stdlib::Dimensions) -> Result<Query, String> {
    let (mut q, seen) = match &target.text {
        Some(text) => {
            let (q, seen) = parse_terms(text, dims)?;
            if seen.is_empty() {
                return Err(format!(
                    "no criteria in `{text}`: write DIMENSION=VALUE pairs separated by commas"
                ));
            }
            (q, seen)
        }
        None => (Query::any(), Vec::new()),
    };
    for (dim, raw) in &target.flags {
        if let Some(text) = target
            .text
            .as_ref()
            .filter(|_| seen.iter().any(|s| s == dim))
        {
            return Err(format!(
                "`{dim}` is given twice: in `{text}` and as --{dim}; give it once (--to-{dim} changes the new side)"
            ));
        }
        q.set(dims, dim, raw)
            .map_err(|e| crate::resolve::criteria::invalid_value(dims, dim, raw, e))?;
    }
    for (dim, raw) in &target.replace {
        q.set(dims, dim, raw)
            .map_err(|e| crate::resolve::criteria::invalid_value(dims, dim, raw, e))?;
    }
    Ok(q)
}

fn resolve(target: &Target, data: &[Utf8PathBuf]) -> Option<Side> {
    let library = super::target::load_library(data).ok()?;
    let query = match target_query(target, &library.stdlib.dimensions) {
        Ok(q) => q,
        Err(e) => {
            super::report(&super::fail::from_text(Code::UsageCriteria, &e));
            return None;
        }
    };
    match crate::resolve::resolve(library, &query) {
        Ok(recipe) => {
            let mut label = query.describe();
            if !data.is_empty() {
                let dirs: Vec<&str> = data.iter().map(|d| d.as_str()).collect();
                label.push_str(&format!(" (data: {})", dirs.join(", ")));
            }
            Some(Side::from_recipe(label, &recipe))
        }
        Err(diags) => {
            print_diagnostics(&diags, &library.files);
            super::report(&Diagnostic::error(
                Code::DiffSide,
                format!("`{}` does not resolve", query.describe()),
            ));
            None
        }
    }
}

fn by(overlay: &Option<String>) -> String {
    overlay
        .as_ref()
        .map(|o| format!(" ({o})"))
        .unwrap_or_default()
}

fn show(v: &Option<Value>) -> String {
    match v {
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
        None => "(unset)".into(),
    }
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(unset)".into())
}

fn human(d: &Diff) -> String {
    let mut out = format!("--- {}\n+++ {}\n", d.from, d.to);
    if !d.overlays_removed.is_empty() || !d.overlays_added.is_empty() {
        out.push_str("overlays:\n");
        for o in &d.overlays_removed {
            out.push_str(&format!("  - {o}\n"));
        }
        for o in &d.overlays_added {
            out.push_str(&format!("  + {o}\n"));
        }
    }
    if d.is_equal() {
        out.push_str("the recipes are equal\n");
        return out;
    }
    if !d.components_removed.is_empty() || !d.components_added.is_empty() {
        out.push_str("components:\n");
        for (sign, list) in [("-", &d.components_removed), ("+", &d.components_added)] {
            for c in list {
                let version = c
                    .version
                    .as_ref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default();
                out.push_str(&format!("  {sign} {}{version}{}\n", c.name, by(&c.overlay)));
            }
        }
    }
    if !d.versions.is_empty() {
        out.push_str("versions:\n");
        for v in &d.versions {
            out.push_str(&format!(
                "  {}: {}{} -> {}{}  [{}]\n",
                v.component,
                v.from,
                by(&v.from_overlay),
                v.to,
                by(&v.to_overlay),
                v.verdict.as_str()
            ));
        }
    }
    let sections = [
        ("fields", &d.fields),
        ("constraints", &d.constraints),
        ("validation", &d.validation),
        ("params", &d.params),
    ];
    for (title, changes) in sections {
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("{title}:\n"));
        for c in changes {
            out.push_str(&format!(
                "  {}: {}{} -> {}{}\n",
                c.path,
                text(&c.from),
                by(&c.from_overlay),
                text(&c.to),
                by(&c.to_overlay)
            ));
        }
    }
    if !d.values.is_empty() {
        out.push_str("values:\n");
        for c in &d.values {
            out.push_str(&format!(
                "  {}: {}{} -> {}{}\n",
                c.path,
                show(&c.from),
                by(&c.from_overlay),
                show(&c.to),
                by(&c.to_overlay)
            ));
        }
    }
    if let Some((a, b)) = &d.deployment_order {
        out.push_str(&format!(
            "deployment order:\n  - {}\n  + {}\n",
            a.join(", "),
            b.join(", ")
        ));
    }
    let n = d.components_removed.len()
        + d.components_added.len()
        + d.versions.len()
        + d.fields.len()
        + d.constraints.len()
        + d.validation.len()
        + d.values.len()
        + d.params.len()
        + usize::from(d.deployment_order.is_some());
    out.push_str(&format!(
        "{n} difference{}\n",
        if n == 1 { "" } else { "s" }
    ));
    out
}
