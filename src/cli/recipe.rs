//! `galley recipe [criteria] [--format yaml|json] [-o FILE] [--hydrate]`

use super::target::{CriteriaArgs, load_library};
use super::{print_diagnostics, usage_error};
use crate::diag::Code;
use crate::ir::result::{ConstraintWarning, RecipeResult};
use crate::measure::exclude;
use crate::measure::measurements::Measurements;
use camino::Utf8PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// Output format
    #[arg(long, short = 't', value_enum, default_value_t = DocFormat::Yaml)]
    format: DocFormat,
    /// Write to FILE instead of stdout (`-` is stdout)
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<Utf8PathBuf>,
    /// Inline each component's resolved values (galley's extension)
    #[arg(long)]
    hydrate: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DocFormat {
    Yaml,
    Json,
}

pub fn run(args: Args) -> ExitCode {
    let (_, recipe, exclusion) = match resolve_target_excluding(&args.criteria) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut doc = RecipeResult::new(&recipe, args.hydrate);
    (
        doc.metadata.excluded_overlays,
        doc.metadata.constraint_warnings,
    ) = exclusion;
    let text = render(&doc, args.format);
    super::leave_to_exit((doc, recipe));
    write_output(args.output.as_ref(), &text)
}

pub fn render(doc: &impl serde::Serialize, format: DocFormat) -> String {
    match format {
        DocFormat::Yaml => crate::yaml_out::document_yaml(doc),
        DocFormat::Json => {
            let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

pub fn write_output(path: Option<&Utf8PathBuf>, text: &str) -> ExitCode {
    match path {
        Some(p) if p.as_str() != "-" => match crate::write::write_file(p, text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage_error(Code::IoWrite, e),
        },
        _ => {
            super::emit(text);
            ExitCode::SUCCESS
        }
    }
}

/// Load the library, read the target, resolve it; problems are printed and end the command.
pub fn resolve_target(
    criteria: &CriteriaArgs,
) -> Result<(&'static crate::check::Library, crate::ir::Recipe), ExitCode> {
    resolve_target_excluding(criteria).map(|(lib, recipe, _)| (lib, recipe))
}

/// Overlays left out because a `--snapshot` fails their constraints, and why.
pub type Exclusion = (Vec<String>, Vec<ConstraintWarning>);

/// [`resolve_target`]; with `--snapshot`, overlays whose own constraints the snapshot
/// fails are left out (`measure::exclude`), each reported on stderr.
pub fn resolve_target_excluding(
    criteria: &CriteriaArgs,
) -> Result<(&'static crate::check::Library, crate::ir::Recipe, Exclusion), ExitCode> {
    let library = load_library(&criteria.data)?;
    let (query, snapshot) = criteria
        .query_and_snapshot(library)
        .map_err(|d| super::fail::fail(&d, 2))?;
    let given = criteria
        .given_params()
        .map_err(|d| super::fail::fail(&d, 2))?;
    let mut warnings = Vec::new();
    let mut excluded = Vec::new();
    let result = match &snapshot {
        None => crate::resolve::resolve(library, &query),
        Some(snap) => {
            let mut m = Measurements::new();
            m.add_snapshot(snap, criteria.snapshot.as_ref().map_or("", |p| p.as_str()));
            crate::resolve::resolve_excluding(library, &query, |applied| {
                let (dropped, w) = exclude::excluded(library, applied, &m);
                excluded = applied
                    .iter()
                    .filter(|o| dropped.contains(&o.name))
                    .map(|o| o.name.clone())
                    .collect();
                warnings = w;
                dropped
            })
        }
    };
    for w in &warnings {
        eprintln!("warning: overlay `{}` left out: {}", w.overlay, w.reason);
    }
    let result = result.and_then(|mut recipe| {
        crate::resolve::params::apply(library, &mut recipe, &given).map(|()| recipe)
    });
    match result {
        Ok(recipe) => Ok((library, recipe, (excluded, warnings))),
        Err(diags) => {
            print_diagnostics(&diags, &library.files);
            Err(ExitCode::from(1))
        }
    }
}
