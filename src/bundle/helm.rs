//! The Helm deployer: numbered per-component folders in deployment order, `deploy.sh` and
//! `undeploy.sh`, and READMEs (`docs/bundles.md`).
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
    for c in &plan.components {
        let _ = writeln!(s);
        let what = match &c.source {
            Source::Chart { chart, .. } => format!(
                "chart {chart} {}",
                c.version.as_deref().unwrap_or("(latest)")
            ),
            Source::Kustomize { .. } => "Kustomize".into(),
            Source::None if c.manifests.is_empty() => "nothing to install".into(),
            Source::None => "manifests".into(),
        };
        let _ = writeln!(s, "# {}: {what}", c.dir);
        if let Some(dir) = &c.pre_dir {
            let _ = writeln!(
                s,
                "step {} retry kubectl apply --server-side -k \"$SCRIPT_DIR/{dir}\"",
                q(&format!("{}-pre", c.name))
            );
        }
        if let Some(args) = chart_args(c) {
            let _ = writeln!(
                s,
                "step {} retry helm upgrade --install {} {args} \\\n  -f \"$SCRIPT_DIR/{}/values.yaml\" \"${{WAIT_ARGS[@]}}\"",
                q(&c.name),
                q(&c.name),
                c.dir
            );
        }
        if let Some(url) = kustomize_url(c) {
            let _ = writeln!(
                s,
                "step {} retry apply_kustomize {} {}",
                q(&c.name),
                q(&url),
                q(&c.namespace)
            );
        }
        if let (Some(dir), Some(release)) = (c.local_chart_dir(), c.local_release()) {
            let _ = writeln!(
                s,
                "step {} retry helm upgrade --install {} \"$SCRIPT_DIR/{dir}\" --namespace {} --create-namespace \"${{WAIT_ARGS[@]}}\"",
                q(&release),
                q(&release),
                q(&c.namespace)
            );
        }
    }
    s.push_str(DEPLOY_EPILOGUE);
    s
}

fn undeploy_script(plan: &Plan) -> String {
    let mut s = String::from(UNDEPLOY_PROLOGUE);
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
                "echo \"==> delete {dir}\"\nkubectl delete -k \"$SCRIPT_DIR/{dir}\" --ignore-not-found || FAILED+=({})",
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
./deploy.sh                # install every component in order, waiting for each
./deploy.sh --no-wait      # do not wait for resources to become ready
./deploy.sh --best-effort  # keep going when a component fails; list failures at the end
./deploy.sh --retries 2    # attempts after the first (default 5, backoff 5·n² s, at most 120 s)
```

Needs `helm` (3.13 or later) and `kubectl` with a kubeconfig for the target cluster; a
Kustomize component also needs network access to its source. Each folder's README has the
commands for that component alone.

## Undeploy

```sh
./undeploy.sh                    # uninstall in reverse order, then delete the namespaces
./undeploy.sh --keep-namespaces  # leave the namespaces in place
./undeploy.sh --delete-pvcs      # also delete PersistentVolumeClaims in those namespaces
./undeploy.sh --timeout 300      # seconds each uninstall may take (default 120)
```

`kube-system`, `kube-public`, `kube-node-lease` and `default` are never deleted.

## Verify

```sh
sha256sum -c checksums.txt
```
"#;

const DEPLOY_PROLOGUE: &str = r#"#!/usr/bin/env bash
# Deploys this bundle's components in deployment order. Generated by galley.
#
#   ./deploy.sh [--no-wait] [--best-effort] [--retries N]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WAIT_ARGS=(--wait --timeout 10m)
MAX_RETRIES=5
BEST_EFFORT=false
FAILED=()

usage() {
  echo "usage: $0 [--no-wait] [--best-effort] [--retries N]"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-wait) WAIT_ARGS=(); shift ;;
    --best-effort) BEST_EFFORT=true; shift ;;
    --retries)
      if [[ $# -lt 2 || ! $2 =~ ^[0-9]+$ ]]; then
        echo "error: --retries takes a non-negative integer" >&2
        exit 2
      fi
      MAX_RETRIES=$2
      shift 2
      ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown flag: $1" >&2; usage >&2; exit 2 ;;
  esac
done

# Work from an empty directory, so a local folder named like a chart cannot shadow it.
WORK_DIR="$(mktemp -d)"
trap 'rm -rf "$WORK_DIR"' EXIT
cd "$WORK_DIR"

backoff_seconds() {
  local seconds=$((5 * $1 * $1))
  if ((seconds > 120)); then
    seconds=120
  fi
  echo "$seconds"
}

# Run a command; on failure retry it MAX_RETRIES times with growing pauses.
retry() {
  local attempt=0 pause
  until "$@"; do
    attempt=$((attempt + 1))
    if ((attempt > MAX_RETRIES)); then
      return 1
    fi
    pause="$(backoff_seconds "$attempt")"
    echo "    attempt $attempt of $MAX_RETRIES failed; retrying in ${pause}s" >&2
    sleep "$pause"
  done
}

# Run one component's step; stop on failure unless --best-effort.
step() {
  local name=$1
  shift
  echo "==> $name"
  if ! "$@"; then
    if [[ $BEST_EFFORT == true ]]; then
      echo "    $name failed; continuing (--best-effort)" >&2
      FAILED+=("$name")
    else
      echo "error: $name failed" >&2
      exit 1
    fi
  fi
}

apply_kustomize() {
  kubectl create namespace "$2" --dry-run=client -o yaml | kubectl apply -f -
  kubectl kustomize "$1" | kubectl apply -n "$2" -f -
}

# A namespace that is still terminating from an earlier undeploy would fail the install.
for ns in $(kubectl get namespaces -o jsonpath='{range .items[?(@.status.phase=="Terminating")]}{.metadata.name}{" "}{end}' 2>/dev/null); do
  echo "error: namespace $ns is terminating; wait for it to go, or clear its finalizers" >&2
  exit 1
done

echo "Deploying the bundle in $SCRIPT_DIR (Helm: ${WAIT_ARGS[*]:-no waiting})"
"#;

const DEPLOY_EPILOGUE: &str = r#"
if ((${#FAILED[@]} > 0)); then
  echo "Deployment finished with failures: ${FAILED[*]}" >&2
  exit 1
fi
echo "Deployment complete."
"#;

const UNDEPLOY_PROLOGUE: &str = r#"#!/usr/bin/env bash
# Removes this bundle's components in reverse deployment order. Generated by galley.
#
#   ./undeploy.sh [--keep-namespaces] [--delete-pvcs] [--timeout SECONDS]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

KEEP_NAMESPACES=false
DELETE_PVCS=false
TIMEOUT=120
FAILED=()

usage() {
  echo "usage: $0 [--keep-namespaces] [--delete-pvcs] [--timeout SECONDS]"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep-namespaces) KEEP_NAMESPACES=true; shift ;;
    --delete-pvcs) DELETE_PVCS=true; shift ;;
    --timeout)
      if [[ $# -lt 2 || ! $2 =~ ^[0-9]+$ ]]; then
        echo "error: --timeout takes a number of seconds" >&2
        exit 2
      fi
      TIMEOUT=$2
      shift 2
      ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown flag: $1" >&2; usage >&2; exit 2 ;;
  esac
done

# Uninstall a release; if its hooks fail, try again without them.
uninstall() {
  echo "==> uninstall $1 ($2)"
  if ! helm uninstall "$1" --namespace "$2" --ignore-not-found --timeout "${TIMEOUT}s"; then
    if ! helm uninstall "$1" --namespace "$2" --ignore-not-found --no-hooks --timeout "${TIMEOUT}s"; then
      echo "    could not uninstall $1" >&2
      FAILED+=("$1")
    fi
  fi
}

delete_kustomize() {
  echo "==> delete $1 ($2)"
  kubectl kustomize "$1" | kubectl delete -n "$2" --ignore-not-found -f - || FAILED+=("$1")
}

echo "Removing the bundle in $SCRIPT_DIR"
"#;

const UNDEPLOY_EPILOGUE: &str = r#"
# Namespaces go last, once every release in them is gone.
for ns in "${NAMESPACES[@]}"; do
  if [[ $DELETE_PVCS == true ]]; then
    echo "==> delete PVCs in $ns"
    kubectl delete pvc --all --namespace "$ns" --ignore-not-found || FAILED+=("pvc/$ns")
  fi
  if [[ $KEEP_NAMESPACES == false ]]; then
    echo "==> delete namespace $ns"
    kubectl delete namespace "$ns" --ignore-not-found --wait=false || FAILED+=("namespace/$ns")
  fi
done

if ((${#FAILED[@]} > 0)); then
  echo "Undeploy finished with failures: ${FAILED[*]}" >&2
  exit 1
fi
echo "Undeploy complete."
"#;
