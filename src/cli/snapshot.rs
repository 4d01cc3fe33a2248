//! `galley snapshot [-o FILE|-] [--format yaml|json|table] [--root DIR]`

use super::recipe::write_output;
use super::usage_error;
use crate::diag::Code;
use crate::measure::clock;
use crate::measure::collect::{self, Machine};
use camino::Utf8PathBuf;
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Write to FILE instead of stdout (`-` is stdout)
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<Utf8PathBuf>,
    /// Output format
    #[arg(long, short = 't', value_enum, default_value_t = SnapshotFormat::Yaml)]
    format: SnapshotFormat,
    /// Measure DIR as if it were the machine: files under DIR/proc, DIR/etc, DIR/sys and
    /// DIR/dev, programs
    /// (nvidia-smi, systemctl, kubectl) only from DIR/bin
    #[arg(long, value_name = "DIR")]
    root: Option<Utf8PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SnapshotFormat {
    Yaml,
    Json,
    /// Two columns for people (not readable back)
    Table,
}

pub fn run(args: Args) -> ExitCode {
    let machine = match &args.root {
        Some(dir) if !dir.is_dir() => {
            return usage_error(
                Code::UsageValue,
                format_args!("`--root {dir}` is not a directory"),
            );
        }
        Some(dir) => Machine::rooted(dir.as_std_path()),
        None => Machine::live(),
    };
    let tty = std::io::stderr().is_terminal();
    let progress = |name: &str, ms: u128| {
        if tty {
            eprintln!("  collected {name} ({ms} ms)");
        }
    };
    let collected = collect::collect(&machine, &progress);
    for note in &collected.notes {
        eprintln!("note: {note}");
    }
    let mut metadata = collected.metadata;
    metadata.insert("version".into(), env!("CARGO_PKG_VERSION").into());
    // A rooted snapshot is reproducible: no clock unless SOURCE_DATE_EPOCH asks for one.
    if args.root.is_none() || clock::source_date_epoch().is_some() {
        metadata.insert("timestamp".into(), clock::rfc3339(clock::now_millis()));
    }
    let doc = collected.snapshot.document(&metadata);
    let text = match args.format {
        SnapshotFormat::Yaml => crate::yaml_out::document_yaml(&doc),
        SnapshotFormat::Json => {
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        SnapshotFormat::Table => collected.snapshot.table(),
    };
    write_output(args.output.as_ref(), &text)
}
