//! The plan: the recipe with the command line's options applied and everything an emitter
//! relies on checked, as a list of components in deployment order.

use super::component::{self, Context};
use super::{Deployer, Options, folders, order, safe, select};
use crate::check::Library;
use crate::diag::{Code, Diagnostic};
use crate::ir::Recipe;
use crate::value::Value;

/// Where a component's chart or sources come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A Helm chart from an HTTP(S) repository or an OCI registry path.
    Chart {
        repo: String,
        chart: String,
        oci: bool,
    },
    /// A Kustomize source at a path and ref.
    Kustomize {
        repo: String,
        path: String,
        tag: Option<String>,
    },
    /// No chart: the component is its manifests only (or nothing at all).
    None,
}

impl Source {
    /// `oci://registry/path/chart`, the reference Helm takes for an OCI chart.
    pub fn oci_ref(&self) -> Option<String> {
        match self {
            Source::Chart {
                repo,
                chart,
                oci: true,
            } => Some(format!("{}/{chart}", repo.trim_end_matches('/'))),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Manifest {
    /// The file name under `templates/`.
    pub name: String,
    pub text: String,
}

/// One enabled component, ready to emit.
#[derive(Clone, Debug)]
pub struct Planned {
    pub name: String,
    pub namespace: String,
    pub source: Source,
    /// The chart version or Kustomize tag, verbatim.
    pub version: Option<String>,
    /// What Helm receives: the recipe's values, then `--set`, then node scheduling.
    pub values: Value,
    pub manifests: Vec<Manifest>,
    /// Manifests given as `https://` URLs (upstream CRD releases), applied before the chart
    /// through a kustomization in `pre_dir`.
    pub remote: Vec<String>,
    /// The folder of the remote manifests' kustomization (`004-kgateway-crds-pre`).
    pub pre_dir: Option<String>,
    /// Enabled dependencies, sorted.
    pub needs: Vec<String>,
    /// Dependency depth: 0 for a component that needs nothing.
    pub depth: usize,
    /// The folder of the component (`001-cert-manager`); for a component without a chart
    /// under a deployer that writes nothing for it, the folder of its manifests (empty when
    /// it has none).
    pub dir: String,
    /// The folder of the local chart of its manifests (`003-gpu-operator-post`), installed
    /// as the release `<name>-post` after the component's chart.
    pub post_dir: Option<String>,
}

impl Planned {
    /// The folder that holds a local chart of this component's manifests, if any.
    pub fn local_chart_dir(&self) -> Option<&str> {
        self.post_dir.as_deref()
    }

    /// The release that installs this component's manifests.
    pub fn local_release(&self) -> Option<String> {
        self.post_dir
            .as_ref()
            .map(|_| format!("{}-post", self.name))
    }

    /// The last release of the component: what a dependent waits for.
    pub fn terminal_release(&self) -> String {
        self.local_release().unwrap_or_else(|| self.name.clone())
    }

    /// Whether anything gets installed for this component.
    pub fn installs_anything(&self) -> bool {
        !matches!(self.source, Source::None)
            || !self.manifests.is_empty()
            || !self.remote.is_empty()
    }

    /// `Chart.Version` for a local chart: the version without `v` when it is semver,
    /// otherwise `0.1.0` (the reference's rule for manifest rendering).
    pub fn chart_version(&self) -> String {
        self.version
            .as_deref()
            .map(|v| v.strip_prefix('v').unwrap_or(v))
            .filter(|v| semver::Version::parse(v).is_ok())
            .unwrap_or("0.1.0")
            .to_string()
    }

    /// The chart name templates see as `.Chart.Name`.
    pub fn chart_name(&self) -> &str {
        match &self.source {
            Source::Chart { chart, .. } => chart,
            _ => &self.name,
        }
    }
}

/// A recipe ready for the emitters.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The recipe with disabled components left out.
    pub recipe: Recipe,
    /// Enabled components in deployment order.
    pub components: Vec<Planned>,
    /// Warnings (registry bundle checks, components dropped by `enabled=false`).
    pub warnings: Vec<Diagnostic>,
}

impl Plan {
    pub fn component(&self, name: &str) -> Option<&Planned> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The deploy waves: components grouped by dependency depth.
    pub fn waves(&self) -> Vec<Vec<&Planned>> {
        let max = self.components.iter().map(|c| c.depth).max().unwrap_or(0);
        (0..=max)
            .map(|d| self.components.iter().filter(|c| c.depth == d).collect())
            .collect()
    }
}

/// Apply the options to the recipe and check everything an emitter relies on.
pub fn plan(lib: &Library, recipe: &Recipe, opts: &Options) -> Result<Plan, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    check_options(opts, &mut errors);
    let sets = select::group_sets(lib, recipe, &opts.sets, &mut errors);
    let enabled = select::enabled_set(recipe, &sets, &mut errors, &mut warnings);
    select::disabled_dependencies(recipe, &enabled, &mut errors);
    if enabled.is_empty() && errors.is_empty() {
        errors.push(Diagnostic::error(
            Code::BundleEmpty,
            "the recipe has no enabled components after filtering; there is nothing to bundle",
        ));
    }
    let order = order::order(recipe, &enabled).unwrap_or_else(|e| {
        errors.extend(e);
        Vec::new()
    });
    select::run_bundle_checks(lib, recipe, opts, &enabled, &mut errors, &mut warnings);
    // Lay out the folders first (cheap, sequential), then build every component in
    // parallel: values merging and manifest reading are the work.
    let slots = folders::number(recipe, &order, opts.deployer, &mut errors);
    let depths = order::depths(recipe, &order, &enabled);
    let cx = Context {
        lib,
        opts,
        sets: &sets,
        enabled: &enabled,
        depths: &depths,
    };
    let mut components = Vec::new();
    for built in crate::parallel::map(&slots, |f| component::build(&cx, f)) {
        match built {
            Ok(p) => components.push(p),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut filtered = recipe.clone();
    filtered
        .components
        .retain(|c| enabled.contains(c.name.as_str()));
    filtered
        .deployment_order
        .retain(|c| enabled.contains(c.as_str()));
    Ok(Plan {
        recipe: filtered,
        components,
        warnings,
    })
}

/// `--repo` and `--revision` checked.
fn check_options(opts: &Options, errors: &mut Vec<Diagnostic>) {
    if let Some(repo) = &opts.repo
        && let Err(d) = check_repo(repo, opts.deployer)
    {
        errors.push(d);
    }
    if !opts.revision.is_empty()
        && let Err(e) = safe::version(&opts.revision)
    {
        errors.push(Diagnostic::error(
            Code::BundleFlag,
            format!("`--revision {}`: {e}", opts.revision),
        ));
    }
}

/// `--repo` in a form the deployer's documents accept: Flux's `GitRepository.spec.url`
/// must match `^(http|https|ssh)://`, so the scp-like `git@host:path` that Argo CD (and
/// Git) take is refused there, with its `ssh://` spelling as the fix.
fn check_repo(repo: &str, deployer: Deployer) -> Result<(), Diagnostic> {
    let forms = match deployer {
        Deployer::Flux => "`https://host/path`, `http://host/path` or `ssh://[user@]host/path`",
        _ => "`https://host/path`, `http://host/path`, `ssh://[user@]host/path` or `git@host:path`",
    };
    let refuse = |why: String| {
        Diagnostic::error(
            Code::BundleRepo,
            format!("`--repo {repo}` is not a usable Git URL: {why}"),
        )
        .with_help(format!("the {} deployer takes {forms}", deployer.as_str()))
    };
    match safe::repo_url(repo) {
        Err(e) => Err(refuse(e)),
        Ok(safe::RepoForm::Scp) if deployer == Deployer::Flux => {
            let ssh = safe::scp_as_ssh(repo).unwrap_or_default();
            Err(refuse(
                "Flux's GitRepository does not take the scp-like `git@host:path` form".into(),
            )
            .with_help(format!(
                "write it as `--repo {ssh}`; the flux deployer takes {forms}"
            )))
        }
        Ok(_) => Ok(()),
    }
}
