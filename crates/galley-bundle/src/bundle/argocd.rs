//! The Argo CD deployer: one Application per component, an app-of-apps, repository secrets
//! for OCI registries, and the values and manifest charts the Applications read from the
//! GitOps repository (`--repo`).
//!
//! ```text
//! app-of-apps.yaml
//! repositories/<registry>.yaml           one per OCI registry path (enableOCI)
//! NNN-<name>/application.yaml, values.yaml
//! NNN-<name>-post/{Chart.yaml,values.yaml,templates/…}   a path source of the Application
//! README.md recipe.yaml bundle.yaml checksums.txt
//! ```
//!
//! Sync waves are dependency depths, so independent components share a wave.

use super::{
    Options, Plan, Planned, Source, Tree, local_chart, map, readme_header, repo_name, repo_version,
    s, values_file, yaml_doc,
};
use crate::diag::Diagnostic;
use crate::value::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

pub const NAMESPACE: &str = "argocd";
const IN_CLUSTER: &str = "https://kubernetes.default.svc";

pub fn emit(plan: &Plan, opts: &Options) -> Result<Tree, Vec<Diagnostic>> {
    let repo = super::require_repo(opts, "argocd")?;
    let revision = opts.revision.as_str();
    let mut tree = super::per_component(plan, |c| {
        let mut t = Tree::default();
        t.add(
            format!("{}/application.yaml", c.dir),
            yaml_doc(&application(c, repo, revision)),
        );
        if matches!(c.source, Source::Chart { .. }) {
            t.add(format!("{}/values.yaml", c.dir), values_file(&c.values));
        }
        if let Some(dir) = c.local_chart_dir() {
            local_chart(c, dir, &mut t);
        }
        super::remote_kustomization(c, &mut t);
        t
    });
    let registries = oci_registries(plan);
    for (name, url) in &registries {
        tree.add(
            format!("repositories/{name}.yaml"),
            yaml_doc(&repository(name, url)),
        );
    }
    tree.add(
        "app-of-apps.yaml",
        yaml_doc(&app_of_apps(repo, revision, !registries.is_empty())),
    );
    tree.add("README.md", readme(plan, repo, revision));
    Ok(tree)
}

/// OCI registry paths (without `oci://`) that charts come from, by secret name.
fn oci_registries(plan: &Plan) -> BTreeMap<String, String> {
    plan.components
        .iter()
        .filter_map(|c| match &c.source {
            Source::Chart {
                repo, oci: true, ..
            } => {
                let url = repo.trim_start_matches("oci://").trim_end_matches('/');
                Some((format!("oci-{}", repo_name(url)), url.to_string()))
            }
            _ => None,
        })
        .collect()
}

fn repository(name: &str, url: &str) -> Value {
    map([
        ("apiVersion", s("v1")),
        ("kind", s("Secret")),
        (
            "metadata",
            map([
                ("name", s(name)),
                ("namespace", s(NAMESPACE)),
                (
                    "labels",
                    map([("argocd.argoproj.io/secret-type", s("repository"))]),
                ),
            ]),
        ),
        (
            "stringData",
            map([
                ("name", s(name)),
                ("type", s("helm")),
                ("url", s(url)),
                ("enableOCI", s("true")),
            ]),
        ),
    ])
}

fn sync_policy() -> Value {
    map([
        (
            "automated",
            map([
                ("prune", Value::Bool(true)),
                ("selfHeal", Value::Bool(true)),
            ]),
        ),
        (
            "syncOptions",
            Value::List(vec![
                s("CreateNamespace=true"),
                s("ServerSideApply=true"),
                s("SkipDryRunOnMissingResource=true"),
            ]),
        ),
        (
            "retry",
            map([
                ("limit", Value::Int(5)),
                (
                    "backoff",
                    map([
                        ("duration", s("5s")),
                        ("factor", Value::Int(2)),
                        ("maxDuration", s("2m")),
                    ]),
                ),
            ]),
        ),
    ])
}

fn application(c: &Planned, repo: &str, revision: &str) -> Value {
    map([
        ("apiVersion", s("argoproj.io/v1alpha1")),
        ("kind", s("Application")),
        (
            "metadata",
            map([
                ("name", s(&c.name)),
                ("namespace", s(NAMESPACE)),
                (
                    "annotations",
                    map([("argocd.argoproj.io/sync-wave", s(c.depth.to_string()))]),
                ),
                (
                    "finalizers",
                    Value::List(vec![s("resources-finalizer.argocd.argoproj.io")]),
                ),
            ]),
        ),
        (
            "spec",
            map([
                ("project", s("default")),
                ("sources", Value::List(sources(c, repo, revision))),
                (
                    "destination",
                    map([("server", s(IN_CLUSTER)), ("namespace", s(&c.namespace))]),
                ),
                ("syncPolicy", sync_policy()),
            ]),
        ),
    ])
}

/// An Application's sources: the chart (with the GitOps repository as `$values`) or the
/// Kustomize source, then the local chart of its manifests, then its remote manifests.
fn sources(c: &Planned, repo: &str, revision: &str) -> Vec<Value> {
    let mut sources = Vec::new();
    match &c.source {
        Source::Chart {
            repo: url,
            chart,
            oci,
        } => {
            sources.push(chart_source(c, url, chart, *oci));
            sources.push(map([
                ("repoURL", s(repo)),
                ("targetRevision", s(revision)),
                ("ref", s("values")),
            ]));
        }
        Source::Kustomize {
            repo: url,
            path,
            tag,
        } => {
            let mut src = crate::value::Map::new();
            src.insert("repoURL".into(), s(url));
            src.insert(
                "targetRevision".into(),
                s(tag.clone().unwrap_or_else(|| "HEAD".into())),
            );
            src.insert(
                "path".into(),
                s(if path.is_empty() { "." } else { path.as_str() }),
            );
            sources.push(Value::Map(src));
        }
        Source::None => {}
    }
    if let (Some(dir), Some(release)) = (c.local_chart_dir(), c.local_release()) {
        sources.push(map([
            ("repoURL", s(repo)),
            ("targetRevision", s(revision)),
            ("path", s(dir)),
            ("helm", map([("releaseName", s(release))])),
        ]));
    }
    if let Some(dir) = &c.pre_dir {
        sources.push(map([
            ("repoURL", s(repo)),
            ("targetRevision", s(revision)),
            ("path", s(dir)),
        ]));
    }
    sources
}

/// A chart source whose values come from the GitOps repository (`$values`).
fn chart_source(c: &Planned, url: &str, chart: &str, oci: bool) -> Value {
    // Helm-over-OCI: the registry path without its scheme, plus `chart`; the tag
    // is kept verbatim. HTTP repositories match versions as semver (no `v`).
    let repo_url = if oci {
        url.trim_start_matches("oci://")
            .trim_end_matches('/')
            .to_string()
    } else {
        url.to_string()
    };
    let mut helm = crate::value::Map::new();
    helm.insert("releaseName".into(), s(&c.name));
    helm.insert(
        "valueFiles".into(),
        Value::List(vec![s(format!("$values/{}/values.yaml", c.dir))]),
    );
    let mut src = crate::value::Map::new();
    src.insert("repoURL".into(), s(repo_url));
    src.insert("chart".into(), s(chart));
    src.insert(
        "targetRevision".into(),
        s(repo_version(c).unwrap_or_else(|| "*".into())),
    );
    src.insert("helm".into(), Value::Map(helm));
    Value::Map(src)
}

fn app_of_apps(repo: &str, revision: &str, registries: bool) -> Value {
    let include = if registries {
        "{*/application.yaml,repositories/*.yaml}"
    } else {
        "*/application.yaml"
    };
    map([
        ("apiVersion", s("argoproj.io/v1alpha1")),
        ("kind", s("Application")),
        (
            "metadata",
            map([("name", s("galley-bundle")), ("namespace", s(NAMESPACE))]),
        ),
        (
            "spec",
            map([
                ("project", s("default")),
                (
                    "source",
                    map([
                        ("repoURL", s(repo)),
                        ("targetRevision", s(revision)),
                        ("path", s(".")),
                        (
                            "directory",
                            map([("recurse", Value::Bool(true)), ("include", s(include))]),
                        ),
                    ]),
                ),
                (
                    "destination",
                    map([("server", s(IN_CLUSTER)), ("namespace", s(NAMESPACE))]),
                ),
                (
                    "syncPolicy",
                    map([(
                        "automated",
                        map([
                            ("prune", Value::Bool(true)),
                            ("selfHeal", Value::Bool(true)),
                        ]),
                    )]),
                ),
            ]),
        ),
    ])
}

fn readme(plan: &Plan, repo: &str, revision: &str) -> String {
    let mut out = readme_header("Argo CD bundle", plan);
    let _ = writeln!(
        out,
        "Every Application reads its values and manifest charts from `{repo}` at `{revision}`: push this folder's contents to the root of that repository first.\n"
    );
    out.push_str("## Applications\n\n| Wave | Application | Namespace | Chart | Version |\n|---|---|---|---|---|\n");
    for c in &plan.components {
        let chart = match &c.source {
            Source::Chart { chart, .. } => chart.as_str(),
            Source::Kustomize { .. } => "(Kustomize)",
            Source::None => "(manifests)",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {chart} | {} |",
            c.depth,
            c.name,
            c.namespace,
            c.version.as_deref().unwrap_or("-")
        );
    }
    out.push_str(ARGO_USAGE);
    out
}

const ARGO_USAGE: &str = r#"
## Deploy

```sh
git add . && git commit -m "galley bundle" && git push   # into the repository above
kubectl apply -f app-of-apps.yaml
```

The app-of-apps creates one Application per component (and, for OCI charts, a repository
secret with `enableOCI`). Components in the same wave are independent; a wave starts when
the previous one is healthy.

## Enable the Application health check

Argo CD does not assess the health of child Applications by default (it was removed in
1.8), so without it every wave starts at once. Add this to the `argocd-cm` ConfigMap:

```yaml
data:
  resource.customizations.health.argoproj.io_Application: |
    hs = {}
    hs.status = "Progressing"
    hs.message = ""
    if obj.status ~= nil then
      if obj.status.health ~= nil then
        hs.status = obj.status.health.status
        if obj.status.health.message ~= nil then
          hs.message = obj.status.health.message
        end
      end
    end
    return hs
```

## Undeploy

```sh
kubectl delete -f app-of-apps.yaml   # the finalizers remove each Application's resources
```
"#;
