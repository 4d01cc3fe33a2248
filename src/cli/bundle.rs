//! `galley bundle (-r RECIPE | CRITERIA) -o DIR [--deployer helm|argocd|flux|helmfile] …`

use super::recipe::resolve_target;
use super::target::{CriteriaArgs, load_library};
use super::{print_diagnostics, usage_error};
use crate::bundle::{self, Deployer, Options, flags};
use crate::diag::{Code, Diagnostic};
use camino::Utf8PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A `RecipeResult` file (YAML or JSON, from `galley recipe` or `aicr recipe`); without
    /// it, the recipe is resolved from the criteria flags
    #[arg(long, short = 'r', value_name = "FILE")]
    recipe: Option<Utf8PathBuf>,
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// The directory to write; refused when it exists and is not empty, unless --force
    /// (see "Where output goes" in docs/cli.md). `oci://HOST[:PORT]/REPO[:TAG]` pushes the
    /// bundle to a registry instead (tag: galley's version; see docs/oci.md)
    #[arg(
        long,
        short = 'o',
        value_name = "DIR|REFERENCE",
        default_value = "bundle"
    )]
    output: Utf8PathBuf,
    #[command(flatten)]
    registry: super::oci::RegistryArgs,
    /// Sign the bundle: an in-toto statement with SLSA provenance over every file, in a DSSE
    /// envelope written as attestation/bundle.intoto.dsse.json (needs --signing-key)
    #[arg(long, requires = "signing_key")]
    attest: bool,
    /// The Ed25519 private key, PKCS#8 PEM, that --attest signs with
    #[arg(long, value_name = "KEY.pem", requires = "attest")]
    signing_key: Option<Utf8PathBuf>,
    /// Replace an output directory galley wrote earlier (one holding `.galley-output`)
    #[arg(long)]
    force: bool,
    /// How the bundle deploys
    #[arg(long, short = 'd', value_enum, ignore_case = true, default_value_t = DeployerArg::Helm)]
    deployer: DeployerArg,
    /// The Git repository the bundle is pushed to (required for argocd and flux)
    #[arg(long, value_name = "URL")]
    repo: Option<String>,
    /// The branch of --repo to follow
    #[arg(long, value_name = "BRANCH", default_value = "main", value_parser = revision)]
    revision: String,
    #[command(flatten)]
    flags: Flags,
}

/// `--deployer`: the command line's names for [`Deployer`] (the library does not depend on
/// clap). The doc comments are the `--help` text of each value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DeployerArg {
    /// Numbered per-component folders with deploy.sh and undeploy.sh
    Helm,
    /// Argo CD Applications with an app-of-apps
    Argocd,
    /// Flux HelmReleases and sources tied by a kustomization.yaml
    Flux,
    /// One helmfile.yaml
    Helmfile,
}

impl From<DeployerArg> for Deployer {
    fn from(arg: DeployerArg) -> Deployer {
        match arg {
            DeployerArg::Helm => Deployer::Helm,
            DeployerArg::Argocd => Deployer::Argocd,
            DeployerArg::Flux => Deployer::Flux,
            DeployerArg::Helmfile => Deployer::Helmfile,
        }
    }
}

/// The flags that shape a bundle beyond its deployer, as text; `galley serve` fills the same
/// struct from query parameters, so the CLI and the server build [`Options`] one way.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Flags {
    /// Override a value: COMPONENT:path.to.key=value (repeatable; the component's name or
    /// any registry alias; `enabled=false` drops the component). The value keeps the type of
    /// the value it replaces (a string stays a string: `570.10` stays "570.10"; a boolean
    /// takes true/false, a number a number). With nothing to replace, `true`/`false` are
    /// booleans, a number is a number only when it prints back exactly as written (`8`,
    /// `1.5`; not `570.10`, `1e3`, `007`), anything else is a string. A value in matching
    /// quotes ('"nvcr.io"') is a string without the quotes
    #[arg(long = "set", value_name = "COMPONENT:PATH=VALUE")]
    pub set: Vec<String>,
    /// Like --set, but the value is always a string, taken verbatim (quotes included);
    /// applied after every --set, as in Helm
    #[arg(long = "set-string", value_name = "COMPONENT:PATH=VALUE")]
    pub set_string: Vec<String>,
    /// Node selector for system pods, key=value (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub system_node_selector: Vec<String>,
    /// Toleration for system pods, key=value:Effect or key:Effect (repeatable; default:
    /// tolerate everything)
    #[arg(long, value_name = "TOLERATION")]
    pub system_node_toleration: Vec<String>,
    /// Node selector for GPU pods, key=value (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub accelerated_node_selector: Vec<String>,
    /// Toleration for GPU pods, key=value:Effect or key:Effect (repeatable; default:
    /// tolerate everything)
    #[arg(long, value_name = "TOLERATION")]
    pub accelerated_node_toleration: Vec<String>,
    /// The taint that keeps workloads off GPU nodes until they are ready, key=value:Effect
    #[arg(long, value_name = "TAINT")]
    pub workload_gate: Option<String>,
    /// Label selector of the workloads node tuning must not disrupt, key=value (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub workload_selector: Vec<String>,
}

pub fn run(args: Args) -> ExitCode {
    let opts = match options(&args) {
        Ok(o) => o,
        Err(msg) => return usage_error(Code::BundleFlag, msg),
    };
    let push_to = match push_reference(&args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let (library, recipe) = match &args.recipe {
        Some(path) => {
            if criteria_given(&args.criteria) {
                return usage_error(
                    Code::UsageConflict,
                    "give either `--recipe FILE` or criteria flags, not both (only `--data` and `--nodes` go with a recipe file)",
                );
            }
            let library = match load_library(&args.criteria.data) {
                Ok(l) => l,
                Err(code) => return code,
            };
            let text = match crate::input::read_text(path) {
                Ok(t) => t,
                Err(e) => return usage_error(Code::Io, e.report("recipe file", path)),
            };
            let mut files = library.files.clone();
            let id = files.add(path.to_string(), text.clone());
            match crate::ir::read::read_result_with(library, &mut files, id, &text, super::strict())
            {
                Ok((r, warnings)) => {
                    print_diagnostics(&warnings, &files);
                    (library, r)
                }
                Err(diags) => {
                    print_diagnostics(&diags, &files);
                    return exit_for(&diags);
                }
            }
        }
        None => match resolve_target(&args.criteria) {
            Ok(pair) => pair,
            Err(code) => return code,
        },
    };
    let mut out = match bundle::bundle(library, &recipe, &opts) {
        Ok(b) => b,
        Err(diags) => {
            print_diagnostics(&diags, &library.files);
            return exit_for(&diags);
        }
    };
    print_diagnostics(&out.warnings, &library.files);
    let tree = std::mem::take(&mut out.tree);
    let mut files = crate::oci::Files {
        files: tree.files,
        executable: tree.executable,
    };
    if let Some(key) = &args.signing_key
        && let Err(code) = super::oci::attest(&mut files, key, &out.plan, opts.deployer)
    {
        return code;
    }
    if let Some(reference) = push_to {
        return super::oci::push(&reference, files, args.registry);
    }
    let target = crate::write::Target {
        dir: &args.output,
        force: args.force,
        inputs: inputs(&args),
    };
    if let Err(e) = crate::write::write_tree(&target, &files.files, &files.executable) {
        return usage_error(Code::IoWrite, e);
    }
    eprintln!(
        "wrote {} bundle of {} component{} ({} files) to {}",
        deployer_phrase(opts.deployer),
        out.plan.components.len(),
        if out.plan.components.len() == 1 {
            ""
        } else {
            "s"
        },
        files.files.len(),
        args.output
    );
    super::leave_to_exit((out, recipe, files));
    ExitCode::SUCCESS
}

/// The registry reference when `-o` is `oci://…`; registry flags only go with one.
fn push_reference(args: &Args) -> Result<Option<crate::oci::Reference>, ExitCode> {
    if !args.output.as_str().starts_with("oci://") {
        if args.registry.any() {
            return Err(usage_error(
                Code::UsageConflict,
                "`--plain-http`, `--insecure-tls` and `--ca-file` apply to `-o oci://…`, not to a directory",
            ));
        }
        return Ok(None);
    }
    if args.force {
        return Err(usage_error(
            Code::UsageConflict,
            "`--force` applies to an output directory; a push to a registry replaces the tag anyway",
        ));
    }
    match crate::oci::Reference::parse(args.output.as_str()) {
        Ok(r) => Ok(Some(r)),
        Err(e) => Err(super::oci::fail(&e)),
    }
}

/// The files and directories the bundle is made from, which `--force` must not replace.
fn inputs(args: &Args) -> Vec<&camino::Utf8Path> {
    let c = &args.criteria;
    let files = [&args.recipe, &c.criteria, &c.snapshot, &args.signing_key];
    files
        .into_iter()
        .flatten()
        .chain(&c.data)
        .map(|p| p.as_path())
        .collect()
}

fn criteria_given(c: &CriteriaArgs) -> bool {
    c.service.is_some()
        || c.accelerator.is_some()
        || c.intent.is_some()
        || c.os.is_some()
        || c.platform.is_some()
        || c.criteria.is_some()
        || c.snapshot.is_some()
        || !c.params.is_empty()
}

/// Bad flags and unreadable recipe files are usage errors (2); a recipe that cannot be
/// bundled is a problem with the input (1).
fn exit_for(diags: &[Diagnostic]) -> ExitCode {
    let usage = diags.iter().any(|d| {
        matches!(
            d.code,
            Code::BundleFlag
                | Code::BundleUnknownComponent
                | Code::BundleSetPath
                | Code::BundleRepo
                | Code::ResultParse
                | Code::ResultShape
                | Code::YamlUnknownField
        )
    });
    ExitCode::from(if usage { 2 } else { 1 })
}

fn options(args: &Args) -> Result<Options, String> {
    options_from(
        args.deployer.into(),
        args.repo.clone(),
        args.revision.clone(),
        &args.flags,
        args.criteria.nodes.as_deref(),
    )
}

/// [`Options`] from the flags as text: every malformed flag is an error naming it.
pub fn options_from(
    deployer: Deployer,
    repo: Option<String>,
    revision: String,
    given: &Flags,
    nodes: Option<&str>,
) -> Result<Options, String> {
    let selectors = |list: &[String], flag: &str| -> Result<Vec<(String, String)>, String> {
        let mut out: Vec<(String, String)> = Vec::new();
        for raw in list {
            let (k, v) = flags::parse_selector(raw, flag)?;
            out.retain(|(ok, _)| *ok != k);
            out.push((k, v));
        }
        Ok(out)
    };
    let tolerations = |list: &[String], flag: &str| {
        list.iter()
            .map(|raw| flags::parse_toleration(raw, flag))
            .collect::<Result<Vec<_>, _>>()
    };
    let nodes = match nodes {
        None => 0,
        Some(raw) => raw
            .parse::<u64>()
            .map_err(|_| format!("invalid --nodes `{raw}`: expected a non-negative integer"))?,
    };
    let f = given;
    Ok(Options {
        deployer,
        repo,
        revision,
        sets: f
            .set
            .iter()
            .map(|raw| flags::parse_set(raw, false))
            .chain(f.set_string.iter().map(|raw| flags::parse_set(raw, true)))
            .collect::<Result<_, _>>()?,
        system_selector: selectors(&f.system_node_selector, "system-node-selector")?,
        system_tolerations: tolerations(&f.system_node_toleration, "system-node-toleration")?,
        accelerated_selector: selectors(&f.accelerated_node_selector, "accelerated-node-selector")?,
        accelerated_tolerations: tolerations(
            &f.accelerated_node_toleration,
            "accelerated-node-toleration",
        )?,
        workload_gate: f
            .workload_gate
            .as_deref()
            .map(|raw| flags::parse_taint(raw, "workload-gate"))
            .transpose()?,
        workload_selector: selectors(&f.workload_selector, "workload-selector")?,
        nodes,
    })
}

/// The deployer with its article, as a sentence names it: "an Argo CD", "a Helm".
fn deployer_phrase(deployer: Deployer) -> &'static str {
    match deployer {
        Deployer::Helm => "a Helm",
        Deployer::Argocd => "an Argo CD",
        Deployer::Flux => "a Flux",
        Deployer::Helmfile => "a helmfile",
    }
}

/// A `--revision`: a Git branch, tag or commit, never empty (`targetRevision: ""` would follow
/// whatever the repository's default is), without spaces, control characters or backticks
/// (the README quotes it).
fn revision(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("an empty revision: give a branch, tag or commit (default `main`)".into());
    }
    if raw
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '`')
    {
        return Err("a Git revision has no spaces, control characters or backticks".into());
    }
    Ok(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// `--deployer`'s values are the library's deployers, same names, same order, each
    /// mapped to the deployer of its name.
    #[test]
    fn deployer_arg_mirrors_the_library() {
        let names: Vec<String> = DeployerArg::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        let library: Vec<&str> = Deployer::ALL.iter().map(|d| d.as_str()).collect();
        assert_eq!(names, library);
        for arg in DeployerArg::value_variants() {
            let name = arg.to_possible_value().map(|p| p.get_name().to_string());
            assert_eq!(name.as_deref(), Some(Deployer::from(*arg).as_str()));
            assert_eq!(
                name.as_deref().and_then(Deployer::parse),
                Some((*arg).into())
            );
        }
    }
}
