//! The Helm deployer: numbered per-component folders in deployment order, `deploy.sh` (one
//! dependency wave at a time, a wave's components in parallel) and `undeploy.sh`, and READMEs
//! (`docs/bundles.md`). The scripts' fixed text is in `helm_scripts.rs`.
//!
//! ```text
//! 001-cert-manager/{values.yaml,README.md}
//! 002-gpu-operator/{values.yaml,README.md}
//! 003-gpu-operator-post/{Chart.yaml,values.yaml,templates/…}   manifests as a local chart
//! 004-skyhook-customizations/{Chart.yaml,values.yaml,templates/…,README.md}  manifest-only
//! README.md deploy.sh undeploy.sh recipe.yaml bundle.yaml checksums.txt
//! ```
//!
//! Every recipe-derived string in the scripts was validated by the planner and is single-
//! quoted here as well.

use super::helm_scripts::{
    DEPLOY_EPILOGUE, DEPLOY_FLAGS, DEPLOY_FUNCTIONS, DEPLOY_PROLOGUE, SCRIPT_COMMANDS,
    UNDEPLOY_EPILOGUE, UNDEPLOY_FUNCTIONS, UNDEPLOY_PROLOGUE,
};
use super::safe::md_code;
use super::safe::sh_quote as q;
use super::{Options, Plan, Planned, Source, Tree, criteria_lines, local_chart, values_file};
use std::fmt::Write;

/// Namespaces undeploy never deletes.
const PROTECTED: [&str; 4] = ["kube-system", "kube-public", "kube-node-lease", "default"];

pub fn emit(plan: &Plan, _opts: &Options) -> Tree {
    let mut tree = super::per_component(plan, |c| {
        let mut t = Tree::default();
        t.add(format!("{}/values.yaml", c.dir), values_file(&c.values));
        t.add(format!("{}/README.md", c.dir), component_readme(c));
        if let Some(dir) = c.local_chart_dir() {
            local_chart(c, dir, &mut t);
        }
        super::remote_kustomization(c, &mut t);
        t
    });
    tree.add("README.md", readme(plan));
    tree.add_executable("deploy.sh", deploy_script(plan));
    tree.add_executable("undeploy.sh", undeploy_script(plan));
    tree
}

/// The `helm upgrade --install` arguments of a component's chart, quoted.
fn chart_args(c: &Planned) -> Option<String> {
    let Source::Chart { repo, chart, oci } = &c.source else {
        return None;
    };
    let mut args = if *oci {
        q(&c.source.oci_ref().unwrap_or_default())
    } else {
        format!("{} --repo {}", q(chart), q(repo))
    };
    if let Some(v) = &c.version {
        let _ = write!(args, " --version {}", q(v));
    }
    let _ = write!(args, " --namespace {} --create-namespace", q(&c.namespace));
    Some(args)
}

fn kustomize_url(c: &Planned) -> Option<String> {
    let Source::Kustomize { repo, path, tag } = &c.source else {
        return None;
    };
    let mut url = repo.clone();
    if !path.is_empty() {
        url = format!("{url}//{path}");
    }
    if let Some(t) = tag {
        url = format!("{url}?ref={t}");
    }
    Some(url)
}

fn deploy_script(plan: &Plan) -> String {
    let mut s = String::from(DEPLOY_PROLOGUE);
    let names: Vec<String> = plan.components.iter().map(|c| q(&c.name)).collect();
    let _ = writeln!(s, "COMPONENTS=({})", names.join(" "));
    s.push_str(DEPLOY_FLAGS);
    s.push_str(SCRIPT_COMMANDS);
    s.push_str(DEPLOY_FUNCTIONS);
    s.push_str("\n# The steps of one component, in order; the first that fails ends the component.\ndeploy_component() {\n  case \"$1\" in\n");
    for c in &plan.components {
        let _ = writeln!(s, "    {})", q(&c.name));
        component_steps(c, &mut s);
        s.push_str("      ;;\n");
    }
    s.push_str("  esac\n}\n\n# Each wave's components need only components of earlier waves.\n");
    for (i, wave) in plan.waves().iter().enumerate() {
        if wave.is_empty() {
            continue;
        }
        let names: Vec<String> = wave.iter().map(|c| q(&c.name)).collect();
        let _ = writeln!(s, "run_wave {} {}", i + 1, names.join(" "));
    }
    s.push_str(DEPLOY_EPILOGUE);
    s
}

/// The `step` lines of one component inside `deploy_component`.
fn component_steps(c: &Planned, s: &mut String) {
    let what = match &c.source {
        Source::Chart { chart, .. } => format!(
            "chart {chart} {}",
            c.version.as_deref().unwrap_or("(latest)")
        ),
        Source::Kustomize { .. } => "Kustomize".into(),
        Source::None if c.manifests.is_empty() && c.remote.is_empty() => {
            "nothing to install".into()
        }
        Source::None => "manifests".into(),
    };
    let _ = writeln!(s, "      # {}: {what}", c.dir);
    if !c.installs_anything() {
        s.push_str("      :\n");
    }
    if let Some(dir) = &c.pre_dir {
        let _ = writeln!(
            s,
            "      step {} retry kubectl_run apply --server-side -k \"$SCRIPT_DIR/{dir}\" || return 1",
            q(&format!("{}-pre", c.name))
        );
    }
    if let Some(args) = chart_args(c) {
        let _ = writeln!(
            s,
            "      step {} retry helm_install {} {args} \\\n        -f \"$SCRIPT_DIR/{}/values.yaml\" || return 1",
            q(&c.name),
            q(&c.name),
            c.dir
        );
    }
    if let Some(url) = kustomize_url(c) {
        let _ = writeln!(
            s,
            "      step {} retry apply_kustomize {} {} || return 1",
            q(&c.name),
            q(&url),
            q(&c.namespace)
        );
    }
    if let (Some(dir), Some(release)) = (c.local_chart_dir(), c.local_release()) {
        let _ = writeln!(
            s,
            "      step {} retry helm_install {} \"$SCRIPT_DIR/{dir}\" --namespace {} --create-namespace || return 1",
            q(&release),
            q(&release),
            q(&c.namespace)
        );
    }
}

fn undeploy_script(plan: &Plan) -> String {
    let mut s = String::from(UNDEPLOY_PROLOGUE);
    s.push_str(SCRIPT_COMMANDS);
    s.push_str(UNDEPLOY_FUNCTIONS);
    for c in plan.components.iter().rev() {
        if !c.installs_anything() {
            continue;
        }
        let _ = writeln!(s, "\n# {}", c.dir);
        if let Some(release) = c.local_release() {
            let _ = writeln!(s, "uninstall {} {}", q(&release), q(&c.namespace));
        }
        if matches!(c.source, Source::Chart { .. }) {
            let _ = writeln!(s, "uninstall {} {}", q(&c.name), q(&c.namespace));
        }
        if let Some(url) = kustomize_url(c) {
            let _ = writeln!(s, "delete_kustomize {} {}", q(&url), q(&c.namespace));
        }
        if let Some(dir) = &c.pre_dir {
            let _ = writeln!(
                s,
                "echo \"==> delete {dir}\" >&2\nkubectl_run delete -k \"$SCRIPT_DIR/{dir}\" --ignore-not-found || FAILED+=({})",
                q(dir)
            );
        }
    }
    let mut namespaces: Vec<&str> = plan
        .components
        .iter()
        .filter(|c| c.installs_anything())
        .map(|c| c.namespace.as_str())
        .filter(|ns| !PROTECTED.contains(ns))
        .collect();
    namespaces.sort();
    namespaces.dedup();
    let list: Vec<String> = namespaces.iter().map(|n| q(n)).collect();
    let _ = writeln!(s, "\nNAMESPACES=({})", list.join(" "));
    s.push_str(UNDEPLOY_EPILOGUE);
    s
}

fn readme(plan: &Plan) -> String {
    let r = &plan.recipe;
    let mut s = String::from("# Deployment bundle\n\nGenerated by galley ");
    let _ = writeln!(
        s,
        "{} with the Helm deployer. Recipe fingerprint `{}`.\n",
        env!("CARGO_PKG_VERSION"),
        r.fingerprint
    );
    s.push_str("## Criteria\n\n");
    let lines = criteria_lines(r);
    if lines.is_empty() {
        s.push_str("Any cluster (no criteria narrowed the recipe).\n");
    }
    for (k, v) in lines {
        let _ = writeln!(s, "- {k}: {}", md_code(&v));
    }
    s.push_str("\n## Components\n\nIn deployment order. A `-post` folder is a local chart of the component's manifests, installed after its chart.\n\n");
    s.push_str(
        "| Folder | Component | Type | Version | Namespace | Source |\n|---|---|---|---|---|---|\n",
    );
    for c in &plan.components {
        let (kind, source) = match &c.source {
            Source::Chart { repo, .. } => ("Helm", repo.as_str()),
            Source::Kustomize { repo, .. } => ("Kustomize", repo.as_str()),
            Source::None => ("Manifests", "(this bundle)"),
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {kind} | {} | {} | {source} |",
            c.dir,
            c.name,
            c.version.as_deref().unwrap_or("-"),
            c.namespace
        );
    }
    if !r.constraints.is_empty() {
        s.push_str("\n## Constraints\n\nThe cluster must satisfy these before deployment (`galley validate` checks them against a snapshot):\n\n");
        for c in &r.constraints {
            let _ = writeln!(s, "- {}: {}", md_code(&c.name), md_code(&c.value));
        }
    }
    s.push_str(README_USAGE);
    s
}

fn component_readme(c: &Planned) -> String {
    let mut s = format!("# {}\n\n", c.name);
    let _ = writeln!(s, "Namespace `{}`.", c.namespace);
    if !c.needs.is_empty() {
        let _ = writeln!(
            s,
            "Needs {} (installed before it).",
            c.needs
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s.push('\n');
    if let Some(args) = chart_args(c) {
        let _ = writeln!(
            s,
            "Install or upgrade, from this folder:\n\n```sh\nhelm upgrade --install {} {args} -f values.yaml --wait --timeout 10m\n```\n",
            q(&c.name)
        );
        let _ = writeln!(
            s,
            "Uninstall:\n\n```sh\nhelm uninstall {} --namespace {}\n```",
            q(&c.name),
            q(&c.namespace)
        );
    }
    if let Some(url) = kustomize_url(c) {
        let _ = writeln!(
            s,
            "Apply (needs network access to the source):\n\n```sh\nkubectl kustomize {} | kubectl apply -n {} -f -\n```",
            q(&url),
            q(&c.namespace)
        );
    }
    if let Some(dir) = &c.pre_dir {
        let _ = writeln!(
            s,
            "Its upstream manifests ({}) are applied first, from the bundle root (needs network access):\n\n```sh\nkubectl apply --server-side -k ./{dir}\n```\n",
            c.remote.join(", ")
        );
    }
    if let (Some(dir), Some(release)) = (c.local_chart_dir(), c.local_release()) {
        let _ = writeln!(
            s,
            "\nThe manifests ({}) are the local chart `{dir}`; from the bundle root:\n\n```sh\nhelm upgrade --install {} ./{dir} --namespace {} --create-namespace\n```",
            c.manifests
                .iter()
                .map(|m| format!("`{}`", m.name))
                .collect::<Vec<_>>()
                .join(", "),
            q(&release),
            q(&c.namespace)
        );
    }
    if !c.installs_anything() {
        s.push_str("This component has no chart and no manifests: nothing is installed for it.\n");
    }
    s
}

const README_USAGE: &str = r#"
## Deploy

```sh
./deploy.sh                     # install wave by wave; a wave's components in parallel
./deploy.sh --no-wait           # do not wait for resources to become ready
./deploy.sh --best-effort       # keep going when a component fails; list failures at the end
./deploy.sh --retries 2         # attempts after the first (default 5, backoff 5·n² s, at most 120 s)
./deploy.sh --kube-context CTX  # the kubeconfig context helm and kubectl use
./deploy.sh --dry-run           # print the helm and kubectl commands instead of running them
./deploy.sh --only COMPONENT    # only this component (repeatable); what it needs must be installed
```

A wave is the components whose dependencies are all in earlier waves (`galley graph` draws
them); the next wave starts when every component of the previous one is installed, and a
failed component stops the deployment after its wave.

Needs `helm` (3.13 or later) and `kubectl` with a kubeconfig for the target cluster; a
Kustomize component also needs network access to its source. Each folder's README has the
commands for that component alone.

## Undeploy

```sh
./undeploy.sh                    # uninstall in reverse order, then delete the namespaces
./undeploy.sh --keep-namespaces  # leave the namespaces in place
./undeploy.sh --delete-pvcs      # also delete PersistentVolumeClaims in those namespaces
./undeploy.sh --timeout 300      # seconds each uninstall may take (default 120)
./undeploy.sh --kube-context CTX # the kubeconfig context helm and kubectl use
./undeploy.sh --dry-run          # print the commands instead of running them
```

`kube-system`, `kube-public`, `kube-node-lease` and `default` are never deleted.

## Verify

```sh
sha256sum -c checksums.txt
```
"#;
