//! Shell and editor integration: `galley completion SHELL`, `galley schema NAME` and the
//! hidden `galley man --out DIR` that `make man` runs. All three are generated from the clap
//! definition or shipped files, never written by hand twice.

use super::{Cli, usage_error};
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
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "galley", &mut out);
    super::emit(&String::from_utf8_lossy(&out));
    ExitCode::SUCCESS
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
        return usage_error(format!("cannot create `{}`: {e}", args.out));
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
            return usage_error(format!("cannot render the man page `{name}`: {e}"));
        }
        let path = args.out.join(format!("{name}.1"));
        if let Err(e) = crate::write::write_file(&path, &out) {
            return usage_error(e);
        }
        eprintln!("wrote {path}");
    }
    ExitCode::SUCCESS
}
