//! What `recipe`, `query`, `explain` (and later `bundle`) share: the library and the target.

use super::{print_diagnostics, usage_error};
use crate::check::{self, Library};
use crate::resolve::criteria::{self, Query};
use camino::Utf8PathBuf;
use std::process::ExitCode;

/// Criteria flags, named as the reference names them.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct CriteriaArgs {
    /// Cloud service: eks, gke, aks, oke, kind (self-managed, self, vanilla mean any)
    #[arg(long)]
    pub service: Option<String>,
    /// Accelerator: h100, gb200, b200, a100, l40
    #[arg(long, visible_alias = "gpu")]
    pub accelerator: Option<String>,
    /// Workload intent: training, inference
    #[arg(long)]
    pub intent: Option<String>,
    /// Node OS: ubuntu, rhel, cos, amazonlinux (al2, al2023)
    #[arg(long)]
    pub os: Option<String>,
    /// Platform: dynamo, kubeflow
    #[arg(long)]
    pub platform: Option<String>,
    /// Number of GPU nodes (0 means any)
    #[arg(long)]
    pub nodes: Option<String>,
    /// A `RecipeCriteria` file (YAML or JSON); flags override its values
    #[arg(long, value_name = "FILE")]
    pub criteria: Option<Utf8PathBuf>,
    /// A data directory layered over the embedded library (repeatable)
    #[arg(long = "data", value_name = "DIR")]
    pub data: Vec<Utf8PathBuf>,
}

impl CriteriaArgs {
    fn flags(&self) -> [(&'static str, &Option<String>); 6] {
        [
            ("service", &self.service),
            ("accelerator", &self.accelerator),
            ("intent", &self.intent),
            ("os", &self.os),
            ("platform", &self.platform),
            ("nodes", &self.nodes),
        ]
    }

    /// The target: the criteria file (if any), then each flag over it.
    pub fn query(&self, lib: &Library) -> Result<Query, String> {
        let dims = &lib.stdlib.dimensions;
        let mut query = match &self.criteria {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read criteria file `{path}`: {e}"))?;
                criteria::from_criteria_file(&text, dims)
                    .map_err(|e| format!("criteria file `{path}`: {e}"))?
            }
            None => Query::any(),
        };
        let mut given = self.criteria.is_some();
        for (dim, value) in self.flags() {
            if let Some(raw) = value {
                given = true;
                query
                    .set(dims, dim, raw)
                    .map_err(|e| criteria::invalid_value(dims, dim, raw, e))?;
            }
        }
        if !given {
            return Err("no criteria provided: specify at least one of --service, --accelerator, --intent, --os, --platform, --nodes, or --criteria".into());
        }
        Ok(query)
    }
}

/// The embedded library with `--data` directories, checked; problems are printed and end
/// the command (exit 1 for library errors, 2 for unreadable directories).
pub fn load_library(data: &[Utf8PathBuf]) -> Result<Library, ExitCode> {
    let set = super::check::data_set(&[], data).map_err(usage_error)?;
    let (library, diags) = check::check_with(set, check::Options { deep_files: false });
    if diags.has_errors() {
        let list: Vec<_> = diags.into_iter().collect();
        print_diagnostics(&list, &library.files);
        eprintln!("error: the recipe library has errors; fix them first (`galley check`)");
        return Err(ExitCode::from(1));
    }
    Ok(library)
}
