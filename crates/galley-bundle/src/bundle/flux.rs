//! The Flux deployer: sources, one HelmRelease (v2) per component with its values inline,
//! local charts of manifests served from the GitOps repository, and a `kustomization.yaml`
//! that lists every resource.
//!
//! ```text
//! kustomization.yaml
//! sources/helmrepository-<repo>.yaml     one per HTTP(S) chart repository
//! sources/ocirepository-<name>.yaml      one per OCI chart (tag verbatim), used by chartRef
//! sources/gitrepository.yaml             the GitOps repository (`--repo`), for local charts
//! NNN-<name>/helmrelease.yaml
//! NNN-<name>-post/{Chart.yaml,values.yaml,templates/…,helmrelease.yaml}
//! README.md recipe.yaml bundle.yaml checksums.txt
//! ```

use super::{
    Options, Plan, Planned, Source, Tree, local_chart, map, readme_header, repo_name, repo_version,
    s, yaml_doc,
};
use crate::diag::{Code, Diagnostic};
use crate::value::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

pub const NAMESPACE: &str = "flux-system";
const GIT_SOURCE: &str = "galley-bundle";
const INTERVAL: &str = "10m";

pub fn emit(plan: &Plan, opts: &Options) -> Result<Tree, Vec<Diagnostic>> {
    let repo = super::require_repo(opts, "flux")?;
    let helm_repos = helm_repositories(plan)?;
    let mut tree = super::per_component(plan, |c| component(plan, c, &helm_repos));
    for (url, name) in &helm_repos {
        tree.add(
            format!("sources/{name}.yaml"),
            yaml_doc(&map([
                ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
                ("kind", s("HelmRepository")),
                (
                    "metadata",
                    map([("name", s(name)), ("namespace", s(NAMESPACE))]),
                ),
                ("spec", map([("interval", s(INTERVAL)), ("url", s(url))])),
            ])),
        );
    }
    let git = plan
        .components
        .iter()
        .any(|c| c.local_chart_dir().is_some() || matches!(c.source, Source::Kustomize { .. }));
    if git {
        tree.add(
            "sources/gitrepository.yaml",
            yaml_doc(&git_repository(GIT_SOURCE, repo, &opts.revision)),
        );
    }
    let kustomization = kustomization(&tree);
    tree.add("kustomization.yaml", kustomization);
    tree.add("README.md", readme(plan, repo, &opts.revision));
    Ok(tree)
}

/// The `HelmRepository` source name of each HTTP(S) chart repository, by URL; an error
/// where two URLs would get the same name.
fn helm_repositories(plan: &Plan) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let helm_repos: BTreeMap<String, String> = plan
        .components
        .iter()
        .filter_map(|c| match &c.source {
            Source::Chart {
                repo, oci: false, ..
            } => Some((repo.clone(), format!("helmrepository-{}", repo_name(repo)))),
            _ => None,
        })
        .collect();
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    for (url, name) in &helm_repos {
        if let Some(other) = names.insert(name, url) {
            errors.push(Diagnostic::error(
                Code::BundleUnsupported,
                format!(
                    "chart repositories `{other}` and `{url}` would share the source name `{name}`"
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(helm_repos)
    } else {
        Err(errors)
    }
}

/// The top `kustomization.yaml`: every source, HelmRelease and Flux Kustomization of the
/// tree, sorted.
fn kustomization(tree: &Tree) -> String {
    let mut resources: Vec<String> = tree
        .files
        .keys()
        .filter(|p| {
            p.starts_with("sources/")
                || p.ends_with("/helmrelease.yaml")
                || p.ends_with("/flux-kustomization.yaml")
        })
        .cloned()
        .collect();
    resources.sort();
    yaml_doc(&map([
        ("apiVersion", s("kustomize.config.k8s.io/v1beta1")),
        ("kind", s("Kustomization")),
        (
            "resources",
            Value::List(resources.into_iter().map(Value::String).collect()),
        ),
    ]))
}

/// The GitOps repository as a Flux source, following a branch.
fn git_repository(name: &str, url: &str, revision: &str) -> Value {
    git_source(name, url, map([("branch", s(revision))]))
}

/// A `GitRepository` named `name` of `url` at `reference` (`branch:` or `tag:`).
fn git_source(name: &str, url: &str, reference: Value) -> Value {
    map([
        ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
        ("kind", s("GitRepository")),
        (
            "metadata",
            map([("name", s(name)), ("namespace", s(NAMESPACE))]),
        ),
        (
            "spec",
            map([
                ("interval", s(INTERVAL)),
                ("url", s(url)),
                ("ref", reference),
            ]),
        ),
    ])
}

/// The HelmReleases a component's first release waits for: the last release of each
/// dependency that installs anything.
fn dependencies(plan: &Plan, c: &Planned) -> Vec<String> {
    let mut deps: Vec<String> = c
        .needs
        .iter()
        .filter_map(|n| plan.component(n))
        .filter(|d| d.installs_anything())
        .map(Planned::terminal_release)
        .collect();
    deps.sort();
    deps.dedup();
    deps
}

/// What the `<name>-post` release waits for: the component's chart, or, for a component
/// without one, its dependencies.
fn post_dependencies(plan: &Plan, c: &Planned) -> Vec<String> {
    match &c.source {
        Source::None => dependencies(plan, c),
        _ => vec![c.name.clone()],
    }
}

fn depends_on(names: Vec<String>) -> Value {
    Value::List(
        names
            .into_iter()
            .map(|d| map([("name", s(d)), ("namespace", s(NAMESPACE))]))
            .collect(),
    )
}

fn release_spec(
    release: &str,
    c: &Planned,
    chart: Value,
    depends: Value,
    values: Option<&Value>,
) -> Value {
    let mut spec = Map::new();
    spec.insert("interval".into(), s(INTERVAL));
    spec.insert("releaseName".into(), s(release));
    spec.insert("targetNamespace".into(), s(&c.namespace));
    spec.insert("storageNamespace".into(), s(&c.namespace));
    spec.insert(
        "install".into(),
        map([
            ("createNamespace", Value::Bool(true)),
            ("remediation", map([("retries", Value::Int(5))])),
        ]),
    );
    spec.insert(
        "upgrade".into(),
        map([("remediation", map([("retries", Value::Int(5))]))]),
    );
    if let Value::Map(m) = chart {
        spec.extend(m);
    }
    if matches!(&depends, Value::List(l) if !l.is_empty()) {
        spec.insert("dependsOn".into(), depends);
    }
    if let Some(v) = values
        && v.as_map().is_some_and(|m| !m.is_empty())
    {
        spec.insert("values".into(), v.sorted());
    }
    map([
        ("apiVersion", s("helm.toolkit.fluxcd.io/v2")),
        ("kind", s("HelmRelease")),
        (
            "metadata",
            map([("name", s(release)), ("namespace", s(NAMESPACE))]),
        ),
        ("spec", Value::Map(spec)),
    ])
}

/// A component's files: its remote manifests' Flux Kustomization, its HelmRelease or
/// Kustomization with their sources, and the release of its local chart.
fn component(plan: &Plan, c: &Planned, helm_repos: &BTreeMap<String, String>) -> Tree {
    let mut t = Tree::default();
    if let Some(dir) = &c.pre_dir {
        super::remote_kustomization(c, &mut t);
        t.add(
            format!("{dir}/flux-kustomization.yaml"),
            yaml_doc(&pre_kustomization(c, dir)),
        );
    }
    match &c.source {
        Source::Chart { repo, chart, oci } => {
            let chart_value = if *oci {
                oci_chart(c, &mut t)
            } else {
                helm_chart(c, repo, chart, helm_repos)
            };
            let depends = depends_on(dependencies(plan, c));
            t.add(
                format!("{}/helmrelease.yaml", c.dir),
                yaml_doc(&release_spec(
                    &c.name,
                    c,
                    chart_value,
                    depends,
                    Some(&c.values),
                )),
            );
        }
        Source::Kustomize { repo, path, tag } => {
            kustomize(c, repo, path, tag.as_deref(), &mut t);
        }
        Source::None => {}
    }
    if let (Some(dir), Some(release)) = (c.local_chart_dir(), c.local_release()) {
        local_chart(c, dir, &mut t);
        t.add(
            format!("{dir}/helmrelease.yaml"),
            yaml_doc(&post_release(plan, c, dir, &release)),
        );
    }
    t
}

/// The Flux Kustomization that applies a component's remote manifests from `dir`.
fn pre_kustomization(c: &Planned, dir: &str) -> Value {
    map([
        ("apiVersion", s("kustomize.toolkit.fluxcd.io/v1")),
        ("kind", s("Kustomization")),
        (
            "metadata",
            map([
                ("name", s(format!("{}-pre", c.name))),
                ("namespace", s(NAMESPACE)),
            ]),
        ),
        (
            "spec",
            map([
                ("interval", s(INTERVAL)),
                ("path", s(format!("./{dir}"))),
                ("prune", Value::Bool(true)),
                ("wait", Value::Bool(true)),
                (
                    "sourceRef",
                    map([("kind", s("GitRepository")), ("name", s(GIT_SOURCE))]),
                ),
            ]),
        ),
    ])
}

/// An OCI chart: its `OCIRepository` source (tag verbatim) added to `t`, and the release's
/// `chartRef` to it.
fn oci_chart(c: &Planned, t: &mut Tree) -> Value {
    let name = format!("ocirepository-{}", c.name);
    let mut reference = Map::new();
    if let Some(v) = &c.version {
        reference.insert("tag".into(), s(v));
    } else {
        reference.insert("semver".into(), s("*"));
    }
    t.add(
        format!("sources/{name}.yaml"),
        yaml_doc(&map([
            ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
            ("kind", s("OCIRepository")),
            (
                "metadata",
                map([("name", s(&name)), ("namespace", s(NAMESPACE))]),
            ),
            (
                "spec",
                map([
                    ("interval", s(INTERVAL)),
                    ("url", s(c.source.oci_ref().unwrap_or_default())),
                    ("ref", Value::Map(reference)),
                    (
                        "layerSelector",
                        map([
                            (
                                "mediaType",
                                s("application/vnd.cncf.helm.chart.content.v1.tar+gzip"),
                            ),
                            ("operation", s("copy")),
                        ]),
                    ),
                ]),
            ),
        ])),
    );
    map([(
        "chartRef",
        map([
            ("kind", s("OCIRepository")),
            ("name", s(name)),
            ("namespace", s(NAMESPACE)),
        ]),
    )])
}

/// A chart of an HTTP(S) repository: the release's `chart.spec`, its source the shared
/// `HelmRepository` of `repo`.
fn helm_chart(
    c: &Planned,
    repo: &str,
    chart: &str,
    helm_repos: &BTreeMap<String, String>,
) -> Value {
    let mut spec = Map::new();
    spec.insert("chart".into(), s(chart));
    if let Some(v) = repo_version(c) {
        spec.insert("version".into(), s(v));
    }
    spec.insert(
        "sourceRef".into(),
        map([
            ("kind", s("HelmRepository")),
            ("name", s(helm_repos.get(repo).cloned().unwrap_or_default())),
            ("namespace", s(NAMESPACE)),
        ]),
    );
    spec.insert("interval".into(), s(INTERVAL));
    map([("chart", map([("spec", Value::Map(spec))]))])
}

/// A Kustomize component: a Flux Kustomization in its folder and a `GitRepository` of its
/// source at its tag (or `main`).
fn kustomize(c: &Planned, repo: &str, path: &str, tag: Option<&str>, t: &mut Tree) {
    let mut spec = Map::new();
    spec.insert("interval".into(), s(INTERVAL));
    spec.insert(
        "path".into(),
        s(if path.is_empty() {
            "./".to_string()
        } else {
            format!("./{path}")
        }),
    );
    spec.insert("prune".into(), Value::Bool(true));
    spec.insert("targetNamespace".into(), s(&c.namespace));
    let source_name = format!("{}-source", c.name);
    spec.insert(
        "sourceRef".into(),
        map([("kind", s("GitRepository")), ("name", s(&source_name))]),
    );
    spec.insert("wait".into(), Value::Bool(true));
    let kust = map([
        ("apiVersion", s("kustomize.toolkit.fluxcd.io/v1")),
        ("kind", s("Kustomization")),
        (
            "metadata",
            map([("name", s(&c.name)), ("namespace", s(NAMESPACE))]),
        ),
        ("spec", Value::Map(spec)),
    ]);
    let reference = match tag {
        Some(t) => map([("tag", s(t))]),
        None => map([("branch", s("main"))]),
    };
    t.add(
        format!("sources/gitrepository-{}.yaml", c.name),
        yaml_doc(&git_source(&source_name, repo, reference)),
    );
    t.add(
        format!("{}/flux-kustomization.yaml", c.dir),
        yaml_doc(&kust),
    );
}

/// The HelmRelease of a component's local chart in `dir`, served from the GitOps
/// repository.
fn post_release(plan: &Plan, c: &Planned, dir: &str, release: &str) -> Value {
    let chart_value = map([(
        "chart",
        map([(
            "spec",
            map([
                ("chart", s(format!("./{dir}"))),
                (
                    "sourceRef",
                    map([
                        ("kind", s("GitRepository")),
                        ("name", s(GIT_SOURCE)),
                        ("namespace", s(NAMESPACE)),
                    ]),
                ),
                ("interval", s(INTERVAL)),
                ("reconcileStrategy", s("Revision")),
            ]),
        )]),
    )]);
    let depends = depends_on(post_dependencies(plan, c));
    release_spec(release, c, chart_value, depends, None)
}

fn readme(plan: &Plan, repo: &str, revision: &str) -> String {
    let mut out = readme_header("Flux bundle", plan);
    let _ = writeln!(
        out,
        "Local charts (component manifests) are read from `{repo}` at `{revision}`: push this folder's contents to the root of that repository.\n"
    );
    out.push_str(
        "## Resources\n\n| Name | Kind | Folder | Namespace | Depends on | Version |\n|---|---|---|---|---|---|\n",
    );
    for row in plan.components.iter().flat_map(|c| rows(plan, c)) {
        let deps = if row.depends.is_empty() {
            "-".to_string()
        } else {
            row.depends.join(", ")
        };
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {} | {deps} | {} |",
            row.name,
            row.kind,
            row.folder,
            row.namespace,
            row.version.unwrap_or("-")
        );
    }
    out.push_str(FLUX_USAGE);
    out
}

/// One Flux object of the bundle, as the README lists it.
struct Row<'p> {
    name: String,
    kind: &'static str,
    folder: &'p str,
    namespace: &'p str,
    depends: Vec<String>,
    version: Option<&'p str>,
}

/// The objects [`component`] writes for `c`, in the same order.
fn rows<'p>(plan: &Plan, c: &'p Planned) -> Vec<Row<'p>> {
    let mut out = Vec::new();
    if let Some(dir) = &c.pre_dir {
        out.push(Row {
            name: format!("{}-pre", c.name),
            kind: "Kustomization",
            folder: dir,
            namespace: "-",
            depends: Vec::new(),
            version: None,
        });
    }
    let kind = match &c.source {
        Source::Chart { .. } => Some(("HelmRelease", dependencies(plan, c))),
        Source::Kustomize { .. } => Some(("Kustomization", Vec::new())),
        Source::None => None,
    };
    if let Some((kind, depends)) = kind {
        out.push(Row {
            name: c.name.clone(),
            kind,
            folder: &c.dir,
            namespace: &c.namespace,
            depends,
            version: c.version.as_deref(),
        });
    }
    if let (Some(dir), Some(release)) = (c.local_chart_dir(), c.local_release()) {
        out.push(Row {
            name: release,
            kind: "HelmRelease",
            folder: dir,
            namespace: &c.namespace,
            depends: post_dependencies(plan, c),
            version: None,
        });
    }
    out
}

const FLUX_USAGE: &str = r#"
## Deploy

With Flux installed in the cluster (`flux install`), push this folder to the repository and
point a Flux Kustomization at it:

```sh
git add . && git commit -m "galley bundle" && git push
flux create source git galley-bundle --url=<repo> --branch=<revision>
flux create kustomization galley-bundle --source=GitRepository/galley-bundle --path=./ --prune=true
```

or apply it once without a Flux Kustomization: `kubectl apply -k .`

Each HelmRelease waits for the releases it depends on (`dependsOn`) to be ready; a
component's manifests are a separate `<name>-post` release after its chart.

## Undeploy

Delete the Flux Kustomization (with `prune`, its HelmReleases are uninstalled), or
`kubectl delete -k .`
"#;
