//! `galley import AICR_RECIPES_DIR --out DIR [--force]`

use super::{print_diagnostics, usage_error};
use crate::data::Root;
use crate::diag::{Code, Diagnostic, Severity};
use camino::Utf8PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// An AICR recipes directory (with `overlays/`, `registry.yaml`, `components/`)
    source: Utf8PathBuf,
    /// Where to write the converted library
    #[arg(long, value_name = "DIR")]
    out: Utf8PathBuf,
    /// Replace an output directory galley wrote earlier (one holding `.galley-output`)
    #[arg(long)]
    force: bool,
    /// Re-emit values files in canonical layout (sorted keys, 4-space indent, no comments)
    /// instead of copying them as they are
    #[arg(long)]
    normalise_values: bool,
}

pub fn run(args: Args) -> ExitCode {
    let root = match Root::from_dir(&args.source) {
        Ok(r) => r,
        Err(e) => return super::fail::path_error(e),
    };
    let options = crate::import::Options {
        normalise_values: args.normalise_values,
    };
    let mut imported = crate::import::import(&root, options);
    if super::strict() {
        imported
            .diagnostics
            .iter_mut()
            .for_each(crate::check::strict::promote);
    }
    print_diagnostics(&imported.diagnostics, &imported.files_table);
    if imported.has_errors() {
        return super::fail::fail(
            &Diagnostic::error(Code::NothingWritten, "import failed: nothing was written"),
            1,
        );
    }
    let target = crate::write::Target {
        dir: &args.out,
        force: args.force,
        inputs: vec![&args.source],
    };
    let none = std::collections::BTreeSet::new();
    if let Err(e) = crate::write::write_tree(&target, &imported.files, &none) {
        return usage_error(Code::IoWrite, e);
    }
    let dropped = imported
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    for skipped in &imported.skipped {
        eprintln!("copied unchanged (not a kind galley reads): {skipped}");
    }
    eprintln!(
        "imported `{}` into `{}`: {} file(s) converted to .ovl, {} copied as they are, {} thing(s) not expressible (listed above)",
        args.source, args.out, imported.converted, imported.copied, dropped
    );
    ExitCode::SUCCESS
}
