//! What `recipe`, `query`, `explain` (and later `bundle`) share: the library and the target.

use super::fail;
use super::print_diagnostics;
use crate::check::{self, Library};
use crate::diag::{Code, Diagnostic};
use crate::measure::detect::{self, Detected};
use crate::measure::snapshot;
use crate::resolve::criteria::{self, Query};
use camino::Utf8PathBuf;
use std::process::ExitCode;

/// Criteria flags, named as the reference names them.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct CriteriaArgs {
    /// Cloud service: eks, gke, aks, oke, kind (self-managed, self, vanilla mean any)
    #[arg(long, value_parser = criteria_value)]
    pub service: Option<String>,
    /// Accelerator: h100, gb200, b200, a100, l40
    #[arg(long, visible_alias = "gpu", value_parser = criteria_value)]
    pub accelerator: Option<String>,
    /// Workload intent: training, inference
    #[arg(long, value_parser = criteria_value)]
    pub intent: Option<String>,
    /// Node OS: ubuntu, rhel, cos, amazonlinux (al2, al2023)
    #[arg(long, value_parser = criteria_value)]
    pub os: Option<String>,
    /// Platform: dynamo, kubeflow
    #[arg(long, value_parser = criteria_value)]
    pub platform: Option<String>,
    /// Number of GPU nodes (0 means any)
    #[arg(long, allow_negative_numbers = true, value_parser = criteria_value)]
    pub nodes: Option<String>,
    /// A `RecipeCriteria` file (YAML or JSON); flags override its values
    #[arg(long, value_name = "FILE")]
    pub criteria: Option<Utf8PathBuf>,
    /// Detect service, accelerator and OS from a snapshot (YAML or JSON); a criteria file and
    /// flags override what is detected, and each override is reported
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<Utf8PathBuf>,
    /// A data directory layered over the embedded library (repeatable)
    #[arg(long = "data", value_name = "DIR")]
    pub data: Vec<Utf8PathBuf>,
    /// Set a parameter an overlay of the target declares: NAME=VALUE (repeatable; wins
    /// over the criteria file's `spec.params` and the default)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = crate::params::parse_flag)]
    pub params: Vec<crate::params::Given>,
    /// The criteria file's text, read once (it may be a pipe): its dimensions and its
    /// `spec.params` are read from the same text.
    #[arg(skip)]
    criteria_text: std::sync::OnceLock<Result<String, Diagnostic>>,
}

/// A criteria flag's value: an empty one would count as criteria given while narrowing
/// nothing, so it is refused.
fn criteria_value(raw: &str) -> Result<String, String> {
    if raw.trim().is_empty() {
        return Err("an empty value narrows nothing: give a value, or leave the flag out".into());
    }
    Ok(raw.to_string())
}

impl CriteriaArgs {
    /// The parameter values given: the criteria file's `spec.params`, then `--param`.
    pub fn given_params(&self) -> Result<Vec<crate::params::Given>, Diagnostic> {
        let mut out = Vec::new();
        if let Some(path) = &self.criteria {
            let text = self.criteria_text(path)?;
            out = criteria::params_from_criteria_file(&text).map_err(|e| {
                Diagnostic::error(Code::UsageCriteria, format!("criteria file `{path}`: {e}"))
            })?;
        }
        out.extend(self.params.iter().cloned());
        Ok(out)
    }

    /// The criteria file's text, read once (it may be a pipe).
    fn criteria_text(&self, path: &Utf8PathBuf) -> Result<String, Diagnostic> {
        self.criteria_text
            .get_or_init(|| {
                crate::input::read_text(path).map_err(|e| fail::input(&e, "criteria file", path))
            })
            .clone()
    }

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

    /// The target alone (see [`CriteriaArgs::query_and_snapshot`]).
    pub fn query(&self, lib: &Library) -> Result<Query, Diagnostic> {
        self.query_and_snapshot(lib).map(|(q, _)| q)
    }

    /// The target: what the snapshot shows, then the criteria file, then each flag; every
    /// value that replaces a detected one is reported on stderr.
    /// The snapshot comes back too when `--snapshot` gave one.
    pub fn query_and_snapshot(
        &self,
        lib: &Library,
    ) -> Result<(Query, Option<snapshot::Snapshot>), Diagnostic> {
        let dims = &lib.stdlib.dimensions;
        let (mut query, detected, snap) = match &self.snapshot {
            Some(path) => self.detect(path, lib)?,
            None => (Query::any(), Vec::new(), None),
        };
        // A snapshot counts as criteria only when something was detected from it.
        let mut given = !detected.is_empty();
        if let Some(path) = &self.criteria {
            let text = self.criteria_text(path)?;
            let file = criteria::from_criteria_file(&text, dims).map_err(|e| {
                Diagnostic::error(Code::UsageCriteria, format!("criteria file `{path}`: {e}"))
            })?;
            for (dim, value) in &file.values {
                report_override(&detected, dim, value, &format!("criteria file `{path}`"));
                query.values.insert(dim.clone(), value.clone());
            }
            given = true;
        }
        for (dim, value) in self.flags() {
            if let Some(raw) = value {
                given = true;
                query.set(dims, dim, raw).map_err(|e| {
                    let text = criteria::invalid_value(dims, dim, raw, e);
                    fail::from_text(Code::UsageCriteria, &text)
                })?;
                report_override(&detected, dim, query.get(dim), &format!("--{dim}"));
            }
        }
        if let (false, Some(path)) = (given, &self.snapshot) {
            return Err(Diagnostic::error(
                Code::UsageCriteria,
                format!(
                    "nothing was detected from snapshot `{path}` (see the notes above), and no criteria were given: specify at least one of --service, --accelerator, --intent, --os, --platform, --nodes or --criteria"
                ),
            ));
        }
        if !given {
            return Err(Diagnostic::error(
                Code::UsageCriteria,
                "no criteria provided: specify at least one of --service, --accelerator, --intent, --os, --platform, --nodes, --criteria, or --snapshot",
            ));
        }
        Ok((query, snap))
    }

    #[allow(clippy::type_complexity)]
    fn detect(
        &self,
        path: &Utf8PathBuf,
        lib: &Library,
    ) -> Result<(Query, Vec<Detected>, Option<snapshot::Snapshot>), Diagnostic> {
        let text = crate::input::read_text(path).map_err(|e| fail::input(&e, "snapshot", path))?;
        let mut files = crate::source::Files::new();
        let file = files.add(path.to_string(), text.clone());
        let (snapshot, warnings) = snapshot::read(file, &text).map_err(|d| {
            print_diagnostics(std::slice::from_ref(&d), &files);
            Diagnostic::error(d.code, format!("`{path}` is not a readable snapshot"))
        })?;
        print_diagnostics(&warnings, &files);
        let (query, detected) = detect::detect(&snapshot, &lib.stdlib.dimensions);
        for d in &detected {
            eprintln!(
                "note: detected {} = {} from {}",
                d.dimension, d.value, d.from
            );
        }
        let dims = &lib.stdlib.dimensions;
        for u in detect::undetected(&snapshot, dims, &detected) {
            eprintln!("note: {} not detected: {}", u.dimension, u.reason);
        }
        match detect::fabric_class(&snapshot) {
            Some(class) => eprintln!(
                "note: detected fabric class {class} from Network.fabric.class (bounds keyed by it take its entry)"
            ),
            None => eprintln!(
                "note: fabric class not detected: the snapshot has no `Network.fabric.class`; a constraint whose bound is keyed by it is skipped"
            ),
        }
        let flags = self.flags();
        let unset: Vec<&str> = detect::NEVER_DETECTED
            .into_iter()
            .filter(|dim| flags.iter().any(|(f, v)| f == dim && v.is_none()))
            .collect();
        if !unset.is_empty() {
            let how: Vec<String> = unset.iter().map(|d| format!("--{d}")).collect();
            eprintln!(
                "note: {} not detected: a snapshot never says; give {}",
                unset.join(", "),
                how.join(", ")
            );
        }
        Ok((query, detected, Some(snapshot)))
    }
}

fn report_override(detected: &[Detected], dim: &str, value: &str, by: &str) {
    if let Some(d) = detected
        .iter()
        .find(|d| d.dimension == dim && d.value != value)
    {
        eprintln!(
            "note: {by} sets {dim} = {value}, overriding `{}` detected from the snapshot",
            d.value
        );
    }
}

/// The embedded library with `--data` directories, checked; problems are printed and end
/// the command (exit 1 for library errors, 2 for unreadable directories).
///
/// The library lives until the process exits and is never dropped (see
/// [`super::leave_to_exit`]).
pub fn load_library(data: &[Utf8PathBuf]) -> Result<&'static Library, ExitCode> {
    let set = super::check::data_set(&[], data).map_err(fail::path_error)?;
    let (library, mut diags) = check::check_with(set, check::Options { deep_files: false });
    if super::strict() {
        diags = check::strict::apply(diags);
    }
    if diags.has_errors() {
        let list: Vec<_> = diags.into_iter().collect();
        print_diagnostics(&list, &library.files);
        return Err(fail::library_errors());
    }
    // Unknown fields are the one warning worth a word here: what they meant is silently
    // not in the recipe.
    let unknown: Vec<_> = diags
        .into_iter()
        .filter(|d| d.code == crate::diag::Code::YamlUnknownField)
        .collect();
    print_diagnostics(&unknown, &library.files);
    Ok(Box::leak(Box::new(library)))
}
