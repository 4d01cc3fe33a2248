//! Shell and editor integration: `galley completion SHELL`, `galley schema NAME` and the
//! hidden `galley man --out DIR` that `make man` runs. All three are generated from the clap
//! definition or shipped files, never written by hand twice.

use super::{Cli, usage_error};
use crate::check::stdlib::Dimensions;
use crate::data::{DataSet, Root};
use crate::diag::Code;
use camino::Utf8PathBuf;
use clap::CommandFactory;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CompletionArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn completion(args: CompletionArgs) -> ExitCode {
    let mut cmd = with_criteria_values(Cli::command());
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "galley", &mut out);
    super::emit(&String::from_utf8_lossy(&out));
    ExitCode::SUCCESS
}

/// The command with every criteria flag (`--service`, `--gpu`, `--to-os`, ...) offering the
/// values of the embedded stdlib's dimensions, for the completion script. Only the script
/// sees them: the flags still take any text, and galley's own diagnostic (with suggestions,
/// and the values `--data` adds) judges it.
fn with_criteria_values(cmd: clap::Command) -> clap::Command {
    let set = DataSet::new(vec![Root::embedded_stdlib()]);
    let (library, _) = crate::check::check_with(set, crate::check::Options { deep_files: false });
    let dims = &library.stdlib.dimensions;
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut cmd = cmd;
    for name in names {
        cmd = cmd.mut_subcommand(name, |sub| offer_values(sub, dims));
    }
    super::leave_to_exit(library);
    cmd
}

fn offer_values(mut sub: clap::Command, dims: &Dimensions) -> clap::Command {
    let flags: Vec<(String, Vec<&'static str>)> = sub
        .get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            let dim = long.strip_prefix("to-").unwrap_or(long);
            let dim = if dim == "gpu" { "accelerator" } else { dim };
            let d = dims.map.get(dim).filter(|d| !d.count)?;
            // clap wants `'static` names; the command prints its script and exits, so the few
            // bytes are left to the operating system.
            let mut values: Vec<&'static str> = d
                .values
                .iter()
                .map(|v| &*Box::leak(v.clone().into_boxed_str()))
                .collect();
            values.push("any");
            Some((a.get_id().to_string(), values))
        })
        .collect();
    for (id, values) in flags {
        sub = sub.mut_arg(id, |a| a.value_parser(Offered(values)));
    }
    sub
}

/// A parser that takes any text and offers a list of values to completion scripts.
#[derive(Clone)]
struct Offered(Vec<&'static str>);

impl clap::builder::TypedValueParser for Offered {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.0.iter().map(|&v| clap::builder::PossibleValue::new(v)),
        ))
    }
}

#[derive(clap::Args, Debug)]
pub struct SchemaArgs {
    /// Which document
    #[arg(value_enum)]
    name: SchemaName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum SchemaName {
    /// The `RecipeResult` that `galley recipe` writes
    RecipeResult,
    /// The `RecipeCriteria` file that `--criteria` reads
    Criteria,
}

pub const RECIPE_RESULT_SCHEMA: &str = include_str!("../../schemas/recipe-result.schema.json");
pub const CRITERIA_SCHEMA: &str = include_str!("../../schemas/recipe-criteria.schema.json");

pub fn schema(args: SchemaArgs) -> ExitCode {
    super::emit(match args.name {
        SchemaName::RecipeResult => RECIPE_RESULT_SCHEMA,
        SchemaName::Criteria => CRITERIA_SCHEMA,
    });
    ExitCode::SUCCESS
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// The directory to write `galley.1` and `galley-COMMAND.1` into (created if missing)
    #[arg(long, value_name = "DIR")]
    out: Utf8PathBuf,
}

pub fn man(args: ManArgs) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        return usage_error(Code::IoWrite, format!("cannot create `{}`: {e}", args.out));
    }
    let cmd = Cli::command();
    let mut pages = vec![("galley".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("galley-{}", sub.get_name());
        let page = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("galley {}", sub.get_name()));
        pages.push((name, page));
    }
    for (name, page) in pages {
        let mut out = Vec::new();
        if let Err(e) = clap_mangen::Man::new(page).render(&mut out) {
            return usage_error(
                Code::IoWrite,
                format!("cannot render the man page `{name}`: {e}"),
            );
        }
        let path = args.out.join(format!("{name}.1"));
        if let Err(e) = crate::write::write_file(&path, &out) {
            return usage_error(Code::IoWrite, e);
        }
        eprintln!("wrote {path}");
    }
    ExitCode::SUCCESS
}
