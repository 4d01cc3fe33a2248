//! `galley export [--format aicr] [--data DIR]… [--force] OUT`

use super::{print_diagnostics, usage_error};
use crate::check;
use crate::diag::{Code, Diagnostic};
use camino::Utf8PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The directory to write (refused when it exists and is not empty; see --force)
    out: Utf8PathBuf,
    /// What to write: `aicr` is an AICR recipes directory (overlays/*.yaml, registry.yaml,
    /// validators/catalog.yaml, components/, checks/)
    #[arg(short = 't', long, value_enum, default_value_t)]
    format: ExportFormat,
    /// A data directory layered over the embedded library before exporting (repeatable)
    #[arg(long = "data", value_name = "DIR")]
    data: Vec<Utf8PathBuf>,
    /// Replace an output directory that galley wrote (it holds `.galley-output`); never the
    /// current or home directory, an input, or a directory holding one
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
enum ExportFormat {
    /// AICR v0.11.1's recipe YAML
    #[default]
    Aicr,
}

pub fn run(args: Args) -> ExitCode {
    let set = match super::check::data_set(&[], &args.data) {
        Ok(set) => set,
        Err(e) => return super::fail::path_error(e),
    };
    let (library, diags) = check::check(set);
    if diags.has_errors() {
        let list: Vec<_> = diags.into_iter().collect();
        print_diagnostics(&list, &library.files);
        return super::fail::library_errors();
    }
    let exported = crate::export::export_aicr(&library);
    print_diagnostics(&exported.diagnostics, &library.files);
    if exported.has_errors() {
        return super::fail::fail(
            &Diagnostic::error(Code::NothingWritten, "export failed: nothing was written"),
            1,
        );
    }
    let target = crate::write::Target {
        dir: &args.out,
        force: args.force,
        inputs: args.data.iter().map(|d| d.as_path()).collect(),
    };
    let none = std::collections::BTreeSet::new();
    if let Err(e) = crate::write::write_tree(&target, &exported.files, &none) {
        return usage_error(Code::IoWrite, e);
    }
    eprintln!(
        "exported {} overlays, {} registry components and {} validators as AICR YAML into `{}`, with {} data files copied as they are",
        exported.overlays, exported.components, exported.validators, args.out, exported.copied
    );
    super::leave_to_exit(library);
    ExitCode::SUCCESS
}
