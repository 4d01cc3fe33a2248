//! The helmfile deployer: one `helmfile.yaml` with the chart repositories, one release per
//! component (namespace, chart, version, values file) and namespace-qualified `needs` from
//! the dependencies; manifests are local chart releases after their component.
//!
//! ```text
//! helmfile.yaml
//! NNN-<name>/values.yaml
//! NNN-<name>-post/{Chart.yaml,values.yaml,templates/…}
//! README.md recipe.yaml bundle.yaml checksums.txt
//! ```

use super::{
    Options, Plan, Planned, Source, Tree, local_chart, map, readme_header, repo_name, s,
    values_file, yaml_doc,
};
use crate::diag::{Code, Diagnostic};
use crate::value::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn emit(plan: &Plan, _opts: &Options) -> Result<Tree, Vec<Diagnostic>> {
    let repos = repositories(plan)?;
    let mut tree = super::per_component(plan, |c| {
        let mut t = Tree::default();
        if matches!(c.source, Source::Chart { .. }) {
            t.add(format!("{}/values.yaml", c.dir), values_file(&c.values));
        }
        if let Some(dir) = c.local_chart_dir() {
            local_chart(c, dir, &mut t);
        }
        super::remote_kustomization(c, &mut t);
        t
    });
    let mut releases = Vec::new();
    for c in &plan.components {
        releases.extend(component_releases(plan, c));
    }
    let readme = readme(plan, &releases);
    tree.add("helmfile.yaml", yaml_doc(&helmfile(&repos, releases)));
    tree.add("README.md", readme);
    Ok(tree)
}

/// Chart repositories by helmfile alias: the URL without `oci://`, and whether it is OCI.
type Repos = BTreeMap<String, (String, bool)>;

/// The chart repositories; an error for what helmfile cannot install and for two URLs
/// with one alias.
fn repositories(plan: &Plan) -> Result<Repos, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    // Repository aliases: one per distinct URL.
    let mut repos = Repos::new();
    for c in &plan.components {
        match &c.source {
            Source::Chart { repo, oci, .. } => {
                let url = repo.trim_start_matches("oci://").trim_end_matches('/').to_string();
                let name = repo_name(&url);
                if let Some((other, _)) = repos.get(&name)
                    && *other != url
                {
                    errors.push(Diagnostic::error(
                        Code::BundleUnsupported,
                        format!("chart repositories `{other}` and `{url}` would share the helmfile alias `{name}`"),
                    ));
                }
                repos.insert(name, (url, *oci));
            }
            Source::Kustomize { .. } => errors.push(
                Diagnostic::error(
                    Code::BundleUnsupported,
                    format!(
                        "component `{}` is a remote Kustomize source, which helmfile cannot install",
                        c.name
                    ),
                )
                .with_help("bundle with `--deployer helm`, `argocd` or `flux`, or disable the component"),
            ),
            Source::None => {}
        }
        if c.pre_dir.is_some() && matches!(c.source, Source::None) && c.manifests.is_empty() {
            errors.push(Diagnostic::error(
                Code::BundleUnsupported,
                format!("component `{}` has only remote manifests; helmfile applies them from a release hook, and it has no release", c.name),
            ));
        }
    }
    if errors.is_empty() {
        Ok(repos)
    } else {
        Err(errors)
    }
}

/// `helmfile.yaml`: the repositories, Helm's defaults and the releases.
fn helmfile(repos: &Repos, releases: Vec<Value>) -> Value {
    let repositories: Vec<Value> = repos
        .iter()
        .map(|(name, (url, oci))| {
            let mut m = Map::new();
            m.insert("name".into(), s(name));
            m.insert("url".into(), s(url));
            if *oci {
                m.insert("oci".into(), Value::Bool(true));
            }
            Value::Map(m)
        })
        .collect();
    let mut doc = Map::new();
    if !repositories.is_empty() {
        doc.insert("repositories".into(), Value::List(repositories));
    }
    doc.insert(
        "helmDefaults".into(),
        map([
            ("wait", Value::Bool(true)),
            ("waitForJobs", Value::Bool(true)),
            ("timeout", Value::Int(600)),
            ("createNamespace", Value::Bool(true)),
        ]),
    );
    doc.insert("releases".into(), Value::List(releases));
    Value::Map(doc)
}

fn need(plan: &Plan, name: &str) -> Option<String> {
    let d = plan.component(name)?;
    d.installs_anything()
        .then(|| format!("{}/{}", d.namespace, d.terminal_release()))
}

fn component_releases(plan: &Plan, c: &Planned) -> Vec<Value> {
    let mut needs: Vec<String> = c.needs.iter().filter_map(|n| need(plan, n)).collect();
    needs.sort();
    needs.dedup();
    let mut out = Vec::new();
    if let Source::Chart { repo, chart, .. } = &c.source {
        let url = repo.trim_start_matches("oci://").trim_end_matches('/');
        let mut r = Map::new();
        r.insert("name".into(), s(&c.name));
        r.insert("namespace".into(), s(&c.namespace));
        r.insert("chart".into(), s(format!("{}/{chart}", repo_name(url))));
        if let Some(v) = &c.version {
            r.insert("version".into(), s(v));
        }
        r.insert(
            "values".into(),
            Value::List(vec![s(format!("./{}/values.yaml", c.dir))]),
        );
        if !needs.is_empty() {
            r.insert(
                "needs".into(),
                Value::List(needs.iter().cloned().map(Value::String).collect()),
            );
        }
        if let Some(hooks) = pre_hooks(c) {
            r.insert("hooks".into(), hooks);
        }
        out.push(Value::Map(r));
    }
    if let (Some(dir), Some(release)) = (c.local_chart_dir(), c.local_release()) {
        let local_needs: Vec<String> = match &c.source {
            Source::None => needs.clone(),
            _ => vec![format!("{}/{}", c.namespace, c.name)],
        };
        let mut r = Map::new();
        r.insert("name".into(), s(&release));
        r.insert("namespace".into(), s(&c.namespace));
        r.insert("chart".into(), s(format!("./{dir}")));
        // The manifests are custom resources of the component's CRDs: helm-diff cannot
        // validate them before the chart that defines them is installed.
        r.insert("disableValidation".into(), Value::Bool(true));
        if matches!(c.source, Source::None)
            && let Some(hooks) = pre_hooks(c)
        {
            r.insert("hooks".into(), hooks);
        }
        if !local_needs.is_empty() {
            r.insert(
                "needs".into(),
                Value::List(local_needs.into_iter().map(Value::String).collect()),
            );
        }
        out.push(Value::Map(r));
    }
    out
}

/// Remote manifests (upstream CRDs) are applied before the component's first release syncs.
fn pre_hooks(c: &Planned) -> Option<Value> {
    let dir = c.pre_dir.as_ref()?;
    Some(Value::List(vec![map([
        ("events", Value::List(vec![s("presync")])),
        ("showlogs", Value::Bool(true)),
        ("command", s("kubectl")),
        (
            "args",
            Value::List(vec![
                s("apply"),
                s("--server-side"),
                s("-k"),
                s(format!("./{dir}")),
            ]),
        ),
    ])]))
}

/// The README's table lists the releases of `helmfile.yaml`, read from the same values.
fn readme(plan: &Plan, releases: &[Value]) -> String {
    let mut out = readme_header("helmfile bundle", plan);
    out.push_str(
        "## Releases\n\n| Release | Namespace | Chart | Version | Needs |\n|---|---|---|---|---|\n",
    );
    for r in releases.iter().filter_map(Value::as_map) {
        let text = |key: &str| match r.get(key) {
            Some(Value::String(v)) => v.clone(),
            _ => "-".into(),
        };
        let needs: Vec<String> = match r.get("needs") {
            Some(Value::List(l)) => l
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            text("name"),
            text("namespace"),
            text("chart"),
            text("version"),
            if needs.is_empty() {
                "-".into()
            } else {
                needs.join(", ")
            }
        );
    }
    out.push_str(
        r#"
## Deploy

```sh
helmfile diff      # what would change (needs the helm-diff plugin)
helmfile apply     # install or upgrade, in dependency order
helmfile destroy   # uninstall, dependents first
```

Releases that do not need each other install concurrently; `needs` orders the rest.
"#,
    );
    out
}
