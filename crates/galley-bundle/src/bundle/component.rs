//! One component of the plan: its names and sources checked for what they reach (file
//! names, YAML, shell scripts), its values built and its manifests read.

use super::flags::SetFlag;
use super::folders::Folders;
use super::{Manifest, Options, Planned, Source, is_remote, safe, values};
use crate::check::Library;
use crate::diag::{Code, Diagnostic};
use crate::ir::Component;
use crate::syntax::ast::ComponentType;
use std::collections::{BTreeMap, BTreeSet};

/// What building every component shares.
pub(super) struct Context<'a> {
    pub lib: &'a Library,
    pub opts: &'a Options,
    /// `--set` flags by the component they apply to.
    pub sets: &'a BTreeMap<String, Vec<&'a SetFlag>>,
    /// The enabled components.
    pub enabled: &'a BTreeSet<&'a str>,
    /// Each component's dependency depth.
    pub depths: &'a BTreeMap<String, usize>,
}

/// Check and build one component in its folders; every problem at once.
pub(super) fn build(cx: &Context, folders: &Folders) -> Result<Planned, Vec<Diagnostic>> {
    let c = folders.component;
    let mut errors = Vec::new();
    let namespace = check_identity(c, &mut errors);
    let source = source(c, &mut errors);
    let sets: Vec<&SetFlag> = cx
        .sets
        .get(&c.name)
        .into_iter()
        .flatten()
        .copied()
        .collect();
    let mut values = values::with_sets(&c.values, &sets, &mut errors);
    if let Err(e) = values::schedule(cx.lib, &c.name, &mut values, cx.opts) {
        errors.push(e);
    }
    let (manifests, remote) = manifests(cx.lib, c, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut needs: Vec<String> = c
        .dependency_refs
        .iter()
        .filter(|d| cx.enabled.contains(d.as_str()))
        .cloned()
        .collect();
    needs.sort();
    needs.dedup();
    Ok(Planned {
        name: c.name.clone(),
        namespace,
        source,
        version: match c.kind {
            ComponentType::Kustomize => c.tag.clone(),
            ComponentType::Helm => c.version.clone(),
        },
        values,
        manifests,
        remote,
        pre_dir: folders.pre.clone(),
        needs,
        depth: cx.depths.get(&c.name).copied().unwrap_or(0),
        dir: folders.dir.clone(),
        post_dir: folders.post.clone(),
    })
}

/// A recipe-derived string that cannot be bundled.
fn unsafe_field(c: &Component, field: &str, value: &str, why: String) -> Diagnostic {
    Diagnostic::error(
        Code::BundleUnsafe,
        format!("component `{}`: {field} `{value}` cannot be bundled: {why}", c.name),
    )
    .with_help("recipe-derived strings reach file names, YAML and shell scripts; fix the recipe or the overlay that sets it")
}

/// The name, namespace and version checked; the namespace.
fn check_identity(c: &Component, errors: &mut Vec<Diagnostic>) -> String {
    // Helm release names are DNS-1123 labels of at most 53 characters; `-post` takes 5.
    if let Err(e) = safe::dns_label(&c.name, 48) {
        errors.push(unsafe_field(c, "name", &c.name, e));
    }
    let namespace = c.namespace.clone().unwrap_or_default();
    if let Err(e) = safe::dns_label(&namespace, 63) {
        let e = if namespace.is_empty() {
            "every component needs a namespace".to_string()
        } else {
            e
        };
        errors.push(unsafe_field(c, "namespace", &namespace, e));
    }
    if let Some(v) = &c.version
        && let Err(e) = safe::version(v)
    {
        errors.push(unsafe_field(c, "version", v, e));
    }
    namespace
}

/// Where the component's chart or sources come from, each part checked.
fn source(c: &Component, errors: &mut Vec<Diagnostic>) -> Source {
    if matches!(c.kind, ComponentType::Helm) && c.source.is_empty() {
        return Source::None;
    }
    if let Err(e) = safe::source_url(&c.source) {
        errors.push(unsafe_field(c, "source", &c.source, e));
    }
    match c.kind {
        ComponentType::Kustomize => {
            let path = c.path.clone().unwrap_or_default();
            if !path.is_empty()
                && let Err(e) = safe::rel_path(&path)
            {
                errors.push(unsafe_field(c, "path", &path, e));
            }
            if let Some(t) = &c.tag
                && let Err(e) = safe::version(t)
            {
                errors.push(unsafe_field(c, "tag", t, e));
            }
            Source::Kustomize {
                repo: c.source.clone(),
                path,
                tag: c.tag.clone(),
            }
        }
        ComponentType::Helm => {
            let chart = c.chart.clone().unwrap_or_else(|| c.name.clone());
            if let Err(e) = safe::chart_name(&chart) {
                errors.push(unsafe_field(c, "chart", &chart, e));
            }
            Source::Chart {
                oci: c.source.starts_with("oci://"),
                repo: c.source.clone(),
                chart,
            }
        }
    }
}

/// The component's manifests: local ones read from the data (sorted by file name), remote
/// ones (`https://` only) kept as URLs.
fn manifests(
    lib: &Library,
    c: &Component,
    errors: &mut Vec<Diagnostic>,
) -> (Vec<Manifest>, Vec<String>) {
    let mut manifests: Vec<Manifest> = Vec::new();
    let mut remote = Vec::new();
    for path in &c.manifest_files {
        if is_remote(path) {
            match safe::source_url(path) {
                Ok(()) if path.starts_with("https://") => remote.push(path.clone()),
                Ok(()) => errors.push(unsafe_field(
                    c,
                    "manifest",
                    path,
                    "a remote manifest must be an https:// URL".into(),
                )),
                Err(e) => errors.push(unsafe_field(c, "manifest", path, e)),
            }
            continue;
        }
        match local_manifest(lib, c, path, &manifests) {
            Ok(m) => manifests.push(m),
            Err(e) => errors.push(e),
        }
    }
    manifests.sort_by(|a, b| a.name.cmp(&b.name));
    (manifests, remote)
}

/// A manifest read from the data, named by its file name (distinct from those `so_far`).
fn local_manifest(
    lib: &Library,
    c: &Component,
    path: &str,
    so_far: &[Manifest],
) -> Result<Manifest, Diagnostic> {
    let text = match lib.data.resolve(path) {
        Ok((_, text)) => text,
        Err(e) => {
            return Err(Diagnostic::error(
                Code::BundleManifest,
                format!(
                    "component `{}`: manifest `{path}` cannot be read: {e}",
                    c.name
                ),
            )
            .with_help("manifest paths are relative to a data root and must stay inside it"));
        }
    };
    let name = path.rsplit('/').next().unwrap_or(path).to_string();
    if so_far.iter().any(|m| m.name == name) {
        return Err(Diagnostic::error(
            Code::BundleManifest,
            format!(
                "component `{}`: two manifests are named `{name}`; a chart's templates need distinct names",
                c.name
            ),
        ));
    }
    if let Err(e) = safe::rel_path(&name) {
        return Err(unsafe_field(c, "manifest", &name, e));
    }
    Ok(Manifest {
        name,
        text: text.to_string(),
    })
}
