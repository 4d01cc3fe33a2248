//! The command line: clap definitions, one file per command, and the one place where
//! diagnostics become rendered reports and exit codes.
//!
//! Exit codes: 0 success; 1 the input has problems (errors found, files would be
//! reformatted); 2 bad usage or unreadable input (clap's own usage errors exit 2 as well).

pub(crate) mod bundle;
mod check;
pub(crate) mod coverage;
pub(crate) mod diff;
pub(crate) mod explain;
mod export;
mod fail;
mod fmt;
mod graph;
mod hot;
mod import;
mod integration;
mod oci;
pub(crate) mod query;
pub(crate) mod recipe;
mod sarif;
mod snapshot;
pub(crate) mod target;
mod usage;
pub(crate) mod validate;

pub(crate) use fail::{print_diagnostics, report, usage_error};

use crate::diag::Code;
use crate::render::Style;
use clap::{FromArgMatches, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "galley",
    version,
    about = "A compiler for GPU Kubernetes cluster recipes"
)]
pub struct Cli {
    /// Make a field the AICR YAML reader does not know an error, not a warning (commands
    /// that read a library or AICR YAML: check, import, and every command with --data)
    #[arg(long, global = true)]
    strict: bool,
    #[command(subcommand)]
    command: Command,
}

/// `--strict`, set once before the command runs.
static STRICT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `--strict` was given.
pub(crate) fn strict() -> bool {
    STRICT.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check overlays and declarations; report every problem at once
    Check(check::Args),
    /// Rewrite overlay files in place in canonical layout (keeps comments)
    ///
    /// Each `.ovl` file that is not in canonical layout is rewritten in place and named on
    /// stderr; files already formatted are not touched, and nothing is printed to stdout.
    /// With `--check` no file is written: the files that would change are named and the
    /// command exits 1.
    Fmt(fmt::Args),
    /// Convert an AICR recipe directory into galley's language
    Import(import::Args),
    /// Write the library (with any --data layers) as an AICR recipe directory
    Export(export::Args),
    /// Resolve the recipe for a target and print it as an AICR `RecipeResult`
    Recipe(recipe::Args),
    /// Print one value of a target's hydrated recipe
    Query(query::Args),
    /// Show which overlay set a component field or value, and what it shadowed
    Explain(explain::Args),
    /// Lower a recipe into Helm, Argo CD, Flux or helmfile deploy artifacts
    Bundle(Box<bundle::Args>),
    /// Measure this machine (OS, GPU, systemd, Kubernetes) as an AICR `Snapshot`
    Snapshot(snapshot::Args),
    /// Check a recipe against a snapshot and validator results; write a CTRF report
    Validate(validate::Args),
    /// Every target of the criteria space: what serves it, what fails, which overlays are dead
    Coverage(coverage::Args),
    /// Compare two recipes: targets, libraries or `RecipeResult` files
    Diff(Box<diff::Args>),
    /// Draw a recipe's dependency graph with its deployment waves
    Graph(graph::Args),
    /// Fetch a bundle pushed with `bundle -o oci://…` into a directory, checking every digest
    Pull(oci::PullArgs),
    /// Check a bundle directory or `oci://` artifact against its checksums.txt
    ///
    /// Every file listed in checksums.txt must be there with its sha256, and no other file
    /// (`.galley-output` aside). Exit 0 verified, 1 verification failed (file by file), 2
    /// bad usage or an unreadable bundle.
    Verify(oci::VerifyArgs),
    /// Serve recipes, queries and bundles over HTTP (the reference's REST API)
    Serve(Box<crate::serve::Args>),
    /// Print a shell completion script
    Completion(integration::CompletionArgs),
    /// Print the JSON Schema of a document galley reads or writes
    Schema(integration::SchemaArgs),
    /// Write the man pages (`make man`)
    #[command(hide = true)]
    Man(integration::ManArgs),
}

/// How diagnostics are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rendered reports for people
    #[default]
    Human,
    /// One JSON document, stable for editors and pipelines
    Json,
}

pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    fail::set_json(usage::json_requested(args.get(1..).unwrap_or_default()));
    let matches = match hot::command_for(&args).try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => return usage::clap_error(&e),
    };
    fail::set_json(usage::json_chosen(&matches));
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return usage::clap_error(&e),
    };
    if cli.strict {
        let reads_yaml = !matches!(
            cli.command,
            Command::Fmt(_)
                | Command::Snapshot(_)
                | Command::Pull(_)
                | Command::Verify(_)
                | Command::Completion(_)
                | Command::Schema(_)
                | Command::Man(_)
        );
        if !reads_yaml {
            return usage_error(
                Code::UsageConflict,
                "--strict applies to commands that read a library or AICR YAML (check, import, and the commands with --data)",
            );
        }
        STRICT.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Import(args) => import::run(args),
        Command::Export(args) => export::run(args),
        Command::Recipe(args) => recipe::run(args),
        Command::Query(args) => query::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Bundle(args) => bundle::run(*args),
        Command::Snapshot(args) => snapshot::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Coverage(args) => coverage::run(args),
        Command::Diff(args) => diff::run(*args),
        Command::Graph(args) => graph::run(args),
        Command::Pull(args) => oci::pull(args),
        Command::Verify(args) => oci::verify(args),
        Command::Serve(args) => crate::serve::run(*args),
        Command::Completion(args) => integration::completion(args),
        Command::Schema(args) => integration::schema(args),
        Command::Man(args) => integration::man(args),
    }
}

/// Leaves `value` to the operating system: the command is about to exit, and the process's
/// memory goes back whole, which is free, while freeing a large tree node by node is not.
pub(crate) fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

pub(crate) fn stderr_style() -> Style {
    let tty = std::io::stderr().is_terminal();
    let color = tty && std::env::var_os("NO_COLOR").is_none();
    Style {
        color,
        unicode: tty,
        width: terminal_width(),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// Write to stdout; a closed pipe (`galley ... | head`) ends output quietly, never a panic.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
