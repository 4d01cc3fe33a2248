//! `galley recipe [criteria] [--format yaml|json] [-o FILE] [--hydrate]`

use super::target::{CriteriaArgs, load_library};
use super::{print_diagnostics, usage_error};
use crate::ir::result::RecipeResult;
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
    let (_, recipe) = match resolve_target(&args.criteria) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let doc = RecipeResult::new(&recipe, args.hydrate);
    let text = render(&doc, args.format);
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
            Err(e) => usage_error(e),
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
) -> Result<(crate::check::Library, crate::ir::Recipe), ExitCode> {
    let library = load_library(&criteria.data)?;
    let query = criteria.query(&library).map_err(usage_error)?;
    match crate::resolve::resolve(&library, &query) {
        Ok(recipe) => Ok((library, recipe)),
        Err(diags) => {
            print_diagnostics(&diags, &library.files);
            Err(ExitCode::from(1))
        }
    }
}
