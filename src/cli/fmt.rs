//! `galley fmt [--check] [PATH…]`

use super::{print_diagnostics, usage_error};
use crate::diag::Code;
use crate::source::Files;
use crate::syntax::printer;
use camino::{Utf8Path, Utf8PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Write nothing: name the files that would be reformatted and exit 1 if there are any
    #[arg(long)]
    check: bool,
    /// `.ovl` files, or directories searched for them (default: the current directory)
    paths: Vec<Utf8PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let roots = if args.paths.is_empty() {
        vec![Utf8PathBuf::from(".")]
    } else {
        args.paths
    };
    let mut targets = Vec::new();
    for root in &roots {
        if let Err(e) = collect(root, &mut targets, 0) {
            return super::fail::path_error(e);
        }
    }
    targets.sort();
    targets.dedup();
    let mut files = Files::new();
    let mut unformatted = 0;
    let mut broken = 0;
    for path in &targets {
        let text = match crate::input::read_text(path) {
            Ok(t) => t,
            Err(e) => return usage_error(Code::Io, e.report("", path)),
        };
        let id = files.add(path.to_string(), text.clone());
        match printer::format_source(id, &text) {
            Err(diags) => {
                print_diagnostics(&diags, &files);
                broken += 1;
            }
            Ok(formatted) if formatted == text => {}
            Ok(_) if args.check => {
                eprintln!("would reformat `{path}`");
                unformatted += 1;
            }
            Ok(formatted) => {
                if let Err(e) = crate::write::write_file(path, formatted.as_bytes()) {
                    return usage_error(Code::IoWrite, e);
                }
                eprintln!("formatted `{path}`");
            }
        }
    }
    if broken > 0 || unformatted > 0 {
        eprintln!(
            "{} file(s) checked: {unformatted} not formatted, {broken} with syntax errors",
            targets.len()
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// The `.ovl` files under `path`. A path named on the command line must be a regular file or
/// a directory; below it, `.ovl` files that are links or special files are skipped, and each
/// skip is said on stderr.
fn collect(path: &Utf8Path, out: &mut Vec<Utf8PathBuf>, depth: usize) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    if meta.is_file() {
        if depth == 0 || path.extension() == Some("ovl") {
            out.push(path.to_owned());
        }
        return Ok(());
    }
    if !meta.is_dir() {
        let what = crate::input::kind_name(meta.file_type());
        if depth == 0 {
            return Err(format!(
                "cannot format `{path}`: it is {what}, not a regular file [{}]\nhelp: {}",
                crate::diag::Code::InputNotAFile,
                if meta.file_type().is_symlink() {
                    "name the file the link points to: `fmt` does not follow links"
                } else {
                    "name a regular file or a directory"
                }
            ));
        }
        if path.extension() == Some("ovl") {
            eprintln!("skipped `{path}`: it is {what}, not a regular file");
        }
        return Ok(());
    }
    if depth > 32 {
        eprintln!("skipped `{path}`: nested more than 32 directories deep");
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read `{path}`: {e}"))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') || name == "target" {
            continue;
        }
        collect(&path.join(name), out, depth + 1)?;
    }
    Ok(())
}
