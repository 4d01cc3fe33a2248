//! `galley check [PATH…] [--data DIR]… [--format human|json]`

use super::print_diagnostics;
use crate::check::{self, Library};
use crate::data::{DataSet, Root};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::render;
use crate::source::FileClass;
use camino::Utf8PathBuf;
use serde::Serialize;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or directories to check instead of the embedded library (the embedded stdlib
    /// is used unless they declare dimensions of their own)
    paths: Vec<Utf8PathBuf>,
    /// A data directory layered over the library (repeatable; later ones win)
    #[arg(long = "data", value_name = "DIR")]
    data: Vec<Utf8PathBuf>,
    /// Output format
    #[arg(long, short = 't', value_enum, default_value_t)]
    format: CheckFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    /// Rendered reports for people
    #[default]
    Human,
    /// One JSON document (`version` 1), stable for editors and pipelines
    Json,
    /// SARIF 2.1.0, for code-scanning tools
    Sarif,
}

pub fn run(args: Args) -> ExitCode {
    let started = Instant::now();
    let data = match data_set(&args.paths, &args.data) {
        Ok(d) => d,
        Err(e) => return super::fail::path_error(e),
    };
    let (library, mut diags) = check::check(data);
    if !args.paths.is_empty() {
        diags = point_at_data(&library, diags, &args.paths);
    }
    diags.extend(unchecked(&args.paths, &library, &diags));
    diags.sort();
    if super::strict() {
        diags = check::strict::apply(diags);
    }
    let resolver = crate::resolve::Resolver::new(&library);
    if !diags.has_errors() {
        diags.extend(check::lint::lint_with(&library, &resolver));
        diags.sort();
    }
    let elapsed = started.elapsed();
    match args.format {
        CheckFormat::Human => human(&library, &diags, elapsed, !args.data.is_empty()),
        CheckFormat::Json => json(&library, &diags),
        CheckFormat::Sarif => super::emit(&super::sarif::sarif(diags.iter(), &library.files)),
    }
    let code = if diags.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    super::leave_to_exit(resolver);
    super::leave_to_exit((library, diags));
    code
}

/// The roots to check: the embedded library, or the given paths over the embedded stdlib;
/// then every `--data` directory.
pub(crate) fn data_set(paths: &[Utf8PathBuf], data: &[Utf8PathBuf]) -> Result<DataSet, String> {
    let mut roots = vec![Root::embedded_stdlib()];
    if paths.is_empty() {
        roots.push(Root::embedded_recipes());
    }
    for p in paths {
        let meta = std::fs::symlink_metadata(p).map_err(|e| format!("cannot read `{p}`: {e}"))?;
        roots.push(if meta.is_dir() {
            Root::from_dir(p)?
        } else {
            Root::from_file(p)?
        });
    }
    for d in data {
        roots.push(Root::from_dir(d)?);
    }
    Ok(DataSet::new(roots))
}

/// What `check` was given but does not read. A named file that yields nothing is an error:
/// not `.ovl` or `.yaml`, or a YAML document of a kind galley does not read. In a directory,
/// other files are data; only a `.yml` file where a `.yaml` one would be read is worth a
/// warning.
fn unchecked(paths: &[Utf8PathBuf], library: &Library, diags: &Diagnostics) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let named_files: Vec<usize> = (0..paths.len())
        .filter(|&i| std::fs::symlink_metadata(&paths[i]).is_ok_and(|m| !m.is_dir()))
        .map(|i| i + 1)
        .collect();
    for (layer, root) in library.data.roots.iter().enumerate() {
        if !root.embedded && !named_files.contains(&layer) {
            out.extend(yml_files(root));
        }
    }
    for &layer in &named_files {
        out.extend(named_file_unchecked(
            &paths[layer - 1],
            layer,
            library,
            diags,
        ));
    }
    out
}

/// The error for a file named to `check` that yielded nothing, if it did.
fn named_file_unchecked(
    path: &Utf8PathBuf,
    layer: usize,
    library: &Library,
    diags: &Diagnostics,
) -> Option<Diagnostic> {
    let root = &library.data.roots[layer];
    let (rel, entry) = root.files.iter().next()?;
    if root.files.len() != 1 || !matches!(entry, crate::data::Entry::Text(_)) {
        return None;
    }
    let why = match crate::source::classify(rel) {
        FileClass::Ovl => return None,
        FileClass::Data => "it is not an `.ovl` overlay or an AICR `.yaml` document",
        FileClass::AicrYaml => {
            let name = root.display_name(rel);
            let reported = diags.iter().any(|d| {
                d.primary_span()
                    .is_some_and(|s| library.files.name(s.file) == name)
            });
            if reported || library.units.iter().any(|u| u.layer == layer) {
                return None;
            }
            "it is empty or its `kind` is not one galley reads"
        }
    };
    let help = if path.extension() == Some("yml") {
        "galley reads `.yaml` files, as the reference does: rename it to `.yaml`"
    } else {
        "name `.ovl` files, AICR `.yaml` files (`kind: RecipeMetadata`, `ComponentRegistry`, `ValidatorCatalog`) or directories"
    };
    Some(
        Diagnostic::error(
            Code::InputUnchecked,
            format!("`{path}` was not checked: {why}"),
        )
        .with_help(help),
    )
}

/// `.yml` files of a directory that galley would read as AICR YAML if they were `.yaml`.
fn yml_files(root: &crate::data::Root) -> impl Iterator<Item = Diagnostic> + '_ {
    root.files
        .keys()
        .filter(|rel| {
            rel.strip_suffix(".yml").is_some_and(|stem| {
                crate::source::classify(&format!("{stem}.yaml")) == FileClass::AicrYaml
            })
        })
        .map(|rel| {
            Diagnostic::warning(
                Code::InputUnchecked,
                format!(
                    "`{}` was not checked: AICR documents are read from `.yaml` files, not `.yml`",
                    root.display_name(rel)
                ),
            )
            .with_help("rename it to `.yaml` if it is meant to be read (the reference reads only `.yaml` too)")
        })
}

fn human(library: &Library, diags: &Diagnostics, elapsed: std::time::Duration, layered: bool) {
    let list: Vec<_> = diags.iter().cloned().collect();
    print_diagnostics(&list, &library.files);
    if layered {
        for line in layering_lines(library) {
            eprintln!("{line}");
        }
    }
    eprintln!(
        "checked {} files: {} overlays, {} components, {} validators, {} measurements; {} error{}, {} warning{} ({:.1} ms)",
        library.summary.source_files,
        library.overlays.len(),
        library.stdlib.registry.len(),
        library.stdlib.validators.len(),
        library.stdlib.catalog.entries.len(),
        diags.error_count(),
        plural(diags.error_count()),
        diags.warning_count(),
        plural(diags.warning_count()),
        elapsed.as_secs_f64() * 1000.0
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What user layers add and replace.
fn layering_lines(library: &Library) -> Vec<String> {
    let s = &library.summary;
    let names = |v: &[(String, crate::source::Span, crate::source::Span)]| {
        v.iter()
            .map(|(n, _, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = Vec::new();
    if !s.added_overlays.is_empty() {
        let added: Vec<String> = s.added_overlays.iter().map(|n| format!("`{n}`")).collect();
        lines.push(format!(
            "data: adds {} overlay(s): {}",
            added.len(),
            added.join(", ")
        ));
    }
    if !s.replaced_overlays.is_empty() {
        lines.push(format!(
            "data: replaces {} embedded overlay(s): {}",
            s.replaced_overlays.len(),
            names(&s.replaced_overlays)
        ));
    }
    if !s.replaced_components.is_empty() {
        lines.push(format!(
            "data: replaces {} registry component(s): {}",
            s.replaced_components.len(),
            names(&s.replaced_components)
        ));
    }
    lines
}

#[derive(Serialize)]
struct JsonReport {
    /// The format's version; a change that breaks a reader bumps it.
    version: u32,
    diagnostics: Vec<render::JsonDiagnostic>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    files: usize,
    overlays: usize,
    components: usize,
    validators: usize,
    added_overlays: Vec<String>,
    replaced_overlays: Vec<String>,
    replaced_components: Vec<String>,
}

fn json(library: &Library, diags: &Diagnostics) {
    let s = &library.summary;
    let report = JsonReport {
        version: 1,
        diagnostics: diags
            .iter()
            .map(|d| render::to_json(d, &library.files))
            .collect(),
        summary: JsonSummary {
            errors: diags.error_count(),
            warnings: diags.warning_count(),
            files: s.source_files,
            overlays: library.overlays.len(),
            components: library.stdlib.registry.len(),
            validators: library.stdlib.validators.len(),
            added_overlays: s.added_overlays.clone(),
            replaced_overlays: s.replaced_overlays.iter().map(|r| r.0.clone()).collect(),
            replaced_components: s.replaced_components.iter().map(|r| r.0.clone()).collect(),
        },
    };
    match serde_json::to_string_pretty(&report) {
        Ok(text) => super::emit(&format!("{text}\n")),
        Err(e) => super::report(&Diagnostic::error(
            Code::IoWrite,
            format!("cannot write JSON: {e}"),
        )),
    }
}

/// Overlays checked in place of the embedded library (`galley check mylib`) that build on it
/// (an `extends` names an overlay only the embedded library has): that `extends` and the
/// missing `base` get help that says to layer the directory with `--data` instead.
fn point_at_data(library: &Library, diags: Diagnostics, paths: &[Utf8PathBuf]) -> Diagnostics {
    let relevant = |d: &crate::diag::Diagnostic| {
        matches!(d.code, Code::MissingBase | Code::UnknownExtends) && d.is_error()
    };
    if !diags.iter().any(relevant) {
        return diags;
    }
    let embedded = embedded_overlay_names();
    let into_embedded: Vec<_> = library
        .overlays
        .values()
        .filter_map(|o| o.ast.extends.as_ref())
        .filter(|ext| !library.overlays.contains_key(&ext.node) && embedded.contains(&ext.node))
        .map(|ext| ext.span)
        .collect();
    let help = data_help(paths);
    let mut out = Diagnostics::new();
    out.extend(diags.into_iter().map(|d| match d.code {
        Code::MissingBase if !into_embedded.is_empty() => d.with_help(help.clone()),
        Code::UnknownExtends if d.primary_span().is_some_and(|s| into_embedded.contains(&s)) => {
            d.with_help(help.clone())
        }
        _ => d,
    }));
    out
}

fn embedded_overlay_names() -> std::collections::BTreeSet<String> {
    let set = DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()]);
    let (library, _) = check::check_with(set, check::Options { deep_files: false });
    library.overlays.into_keys().collect()
}

/// `to check overlays that build on the embedded library, use `galley check --data DIR``.
fn data_help(paths: &[Utf8PathBuf]) -> String {
    let dirs: Vec<String> = paths
        .iter()
        .map(|p| {
            let dir = if p.is_dir() {
                p.as_path()
            } else {
                p.parent()
                    .filter(|d| !d.as_str().is_empty())
                    .unwrap_or(camino::Utf8Path::new("."))
            };
            format!("--data {}", shell_word(dir.as_str()))
        })
        .collect();
    format!(
        "to check overlays that build on the embedded library, use `galley check {}`",
        dirs.join(" ")
    )
}

/// A path as one shell word: quoted when it holds anything but plain characters.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./+=:@".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
