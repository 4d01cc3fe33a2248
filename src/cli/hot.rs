//! The command definition a run parses with: for `galley check` and `galley recipe`, the
//! commands whose start-up time issue 13 targets, a root holding only that subcommand.
//!
//! `Cli::command()` builds the definition of all twenty subcommands (every argument, every
//! help text), about 0.45 million instructions, although clap only ever looks at the one the
//! first word names. When that word is exactly `check` or `recipe`, [`command_for`] returns
//! [`HotCli`]'s definition instead: the same root (`--strict`, version, about) with only
//! those two subcommands, declared with the same argument types and help texts, so their
//! help, usage and error output are the same (`tests::hot_subcommands_match_the_full_definition`
//! compares them). Anything else (`--help`, `help`, a global flag first, a typo that clap
//! should suggest a subcommand for) parses with the full definition. `Cli::from_arg_matches`
//! reads either, since it only looks at the subcommand that was given.

use super::{Cli, check, recipe};
use clap::{CommandFactory, Parser, Subcommand};

/// `Cli` with only the hot subcommands; keep its attributes and doc comments equal to `Cli`'s.
#[derive(Parser, Debug)]
#[command(
    name = "galley",
    version,
    about = "A compiler for GPU Kubernetes cluster recipes"
)]
struct HotCli {
    /// Make a field the AICR YAML reader does not know an error, not a warning (commands
    /// that read a library or AICR YAML: check, import, and every command with --data)
    #[arg(long, global = true)]
    strict: bool,
    #[command(subcommand)]
    command: Hot,
}

/// `Command`'s hot variants, with the same doc comments. Never built: `Cli` reads the matches.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Hot {
    /// Check overlays and declarations; report every problem at once
    Check(check::Args),
    /// Resolve the recipe for a target and print it as an AICR `RecipeResult`
    Recipe(recipe::Args),
}

/// The definition to parse `args` (program name first) with.
pub(super) fn command_for(args: &[std::ffi::OsString]) -> clap::Command {
    match args.get(1).and_then(|a| a.to_str()) {
        Some("check" | "recipe") => HotCli::command(),
        _ => Cli::command(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::FromArgMatches;

    /// Everything clap prints for a subcommand, rendered from a built definition.
    fn rendered(root: clap::Command, name: &str) -> String {
        let mut root = root;
        root.build();
        let mut sub = root
            .find_subcommand(name)
            .unwrap_or_else(|| panic!("no subcommand `{name}`"))
            .clone();
        let args: Vec<String> = sub.get_arguments().map(|a| format!("{a:?}")).collect();
        format!(
            "{}\n{}\n{}\n{}\n{:?}\n{:?}\n{}",
            sub.render_usage(),
            sub.render_help(),
            sub.render_long_help(),
            args.join("\n"),
            sub.get_about().map(ToString::to_string),
            sub.get_long_about().map(ToString::to_string),
            sub.get_bin_name().unwrap_or_default(),
        )
    }

    #[test]
    fn hot_subcommands_match_the_full_definition() {
        for name in ["check", "recipe"] {
            assert_eq!(
                rendered(HotCli::command(), name),
                rendered(Cli::command(), name),
                "{name}"
            );
        }
        let (hot, full) = (HotCli::command(), Cli::command());
        assert_eq!(hot.get_version(), full.get_version());
        assert_eq!(
            hot.get_about().map(ToString::to_string),
            full.get_about().map(ToString::to_string)
        );
    }

    #[test]
    fn only_an_exact_hot_first_word_takes_the_small_definition() {
        let words = |w: &[&str]| -> Vec<std::ffi::OsString> { w.iter().map(Into::into).collect() };
        let count = |w: &[&str]| command_for(&words(w)).get_subcommands().count();
        let full = Cli::command().get_subcommands().count();
        assert_eq!(count(&["galley", "check"]), 2);
        assert_eq!(count(&["galley", "recipe", "--service", "eks"]), 2);
        for other in [
            &["galley"][..],
            &["galley", "--strict", "check"],
            &["galley", "help", "check"],
            &["galley", "chek"],
            &["galley", "bundle"],
        ] {
            assert_eq!(count(other), full, "{other:?}");
        }
    }

    #[test]
    fn the_full_cli_reads_the_hot_definitions_matches() {
        let matches = command_for(&["galley".into(), "check".into()])
            .try_get_matches_from(["galley", "check"])
            .unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert!(matches!(cli.command, super::super::Command::Check(_)));
    }
}
