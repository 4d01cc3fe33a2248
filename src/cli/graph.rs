//! `galley graph [criteria] [--format dot|mermaid|json] [-o FILE]`

use super::print_diagnostics;
use super::recipe::write_output;
use super::target::{CriteriaArgs, load_library};
use crate::author::graph::Graph;
use camino::Utf8PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// Output format
    #[arg(long, short = 't', value_enum, default_value_t)]
    format: GraphFormat,
    /// Write to FILE instead of stdout (`-` is stdout)
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<Utf8PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
enum GraphFormat {
    /// Graphviz (`dot -Tsvg`)
    #[default]
    Dot,
    /// A Mermaid flowchart
    Mermaid,
    /// One JSON document (`version` 1)
    Json,
}

pub fn run(args: Args) -> ExitCode {
    let library = match load_library(&args.criteria.data) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let query = match args.criteria.query(library) {
        Ok(q) => q,
        Err(e) => return super::fail::fail(&e, 2),
    };
    let resolver = crate::resolve::Resolver::new(library);
    let given = match args.criteria.given_params() {
        Ok(g) => g,
        Err(e) => return super::fail::fail(&e, 2),
    };
    let resolved = resolver
        .resolve_unordered(&query)
        .and_then(|(mut recipe, problems)| {
            crate::resolve::params::apply(library, &mut recipe, &given).map(|()| (recipe, problems))
        });
    let (recipe, problems) = match resolved {
        Ok(r) => r,
        Err(diags) => {
            print_diagnostics(&diags, &library.files);
            return ExitCode::from(1);
        }
    };
    let graph = Graph::new(&recipe);
    let text = match args.format {
        GraphFormat::Dot => graph.to_dot(),
        GraphFormat::Mermaid => graph.to_mermaid(),
        GraphFormat::Json => graph.to_json(),
    };
    let written = write_output(args.output.as_ref(), &text);
    if problems.is_empty() {
        return written;
    }
    print_diagnostics(&problems, &library.files);
    let d = crate::diag::Diagnostic::error(
        crate::diag::Code::GraphUndeployable,
        "the recipe cannot be deployed: the graph shows why",
    );
    super::fail::fail(&d, 1)
}
