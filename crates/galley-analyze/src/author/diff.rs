//! Two recipes compared: components added and removed, version changes with a verdict,
//! other field changes, constraints, validation phases, the deployment order, and every
//! changed value path, each with the overlay that set the old and the new value.
//!
//! Both sides are first reduced to a [`Side`]: from a resolved [`Recipe`] (with provenance)
//! or from a `RecipeResult` document (without). Values are compared path by path: maps are
//! walked key by key, anything else (scalars, lists, `null`) is one leaf.

use crate::ir::Recipe;
use crate::ir::result_view::ReadRecipe;
use crate::ir::{Provenance, Trace};
use crate::value::Value;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One recipe, reduced to what a diff compares.
#[derive(Clone, Debug, Default)]
pub struct Side {
    /// What the user named: criteria, or a file.
    pub label: String,
    pub applied: Vec<String>,
    pub components: BTreeMap<String, SideComponent>,
    pub constraints: BTreeMap<String, String>,
    pub validation: BTreeMap<String, String>,
    pub order: Vec<String>,
    /// Parameter → its value as text (`metadata.params`).
    pub params: BTreeMap<String, String>,
    provenance: Option<Provenance>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SideComponent {
    /// `version`, `source`, `needs`, … as text (lists joined with `, `).
    pub fields: BTreeMap<String, String>,
    /// Leaf value paths below `values` (`driver.version`).
    pub values: BTreeMap<String, Value>,
}

impl Side {
    pub fn from_recipe(label: String, recipe: &Recipe) -> Side {
        let mut components = BTreeMap::new();
        for c in &recipe.components {
            let mut fields = BTreeMap::new();
            let mut put = |k: &str, v: Option<String>| {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    fields.insert(k.to_string(), v);
                }
            };
            put("type", Some(c.kind.as_str().to_string()));
            put("source", Some(c.source.clone()));
            put("chart", c.chart.clone());
            put("version", c.version.clone());
            put("tag", c.tag.clone());
            put("namespace", c.namespace.clone());
            put("path", c.path.clone());
            put("needs", Some(c.dependency_refs.join(", ")));
            put("manifests", Some(c.manifest_files.join(", ")));
            put("patches", Some(c.patches.join(", ")));
            let mut values = BTreeMap::new();
            flatten("", &c.values, &mut values);
            components.insert(c.name.clone(), SideComponent { fields, values });
        }
        let validation = ["readiness", "deployment", "performance", "conformance"]
            .iter()
            .filter_map(|p| {
                let mut v = recipe.validation.clone();
                let phase = v.slot(p)?.take()?;
                Some((p.to_string(), serde_json::to_string(&phase).ok()?))
            })
            .collect();
        Side {
            label,
            applied: recipe.applied_overlays.clone(),
            components,
            constraints: recipe
                .constraints
                .iter()
                .map(|c| (c.name.clone(), c.value.clone()))
                .collect(),
            validation,
            order: recipe.deployment_order.clone(),
            params: recipe
                .params
                .iter()
                .map(|p| {
                    let text = crate::params::scalar_text(&p.value).unwrap_or_default();
                    (p.name.clone(), text)
                })
                .collect(),
            provenance: Some(recipe.provenance.clone()),
        }
    }

    /// A `RecipeResult` document: hydrated `values` when present, else the `overrides`.
    pub fn from_document(label: String, doc: &ReadRecipe) -> Side {
        let mut components = BTreeMap::new();
        for (name, c) in &doc.components {
            let mut fields = BTreeMap::new();
            for (key, v) in &c.scalars {
                fields.insert(key.clone(), v.clone());
            }
            for (key, v) in c.lists.iter().filter(|(_, v)| !v.is_empty()) {
                fields.insert(list_label(key).to_string(), v.join(", "));
            }
            let mut values = BTreeMap::new();
            if let Some(v) = c.values.as_ref().or(c.overrides.as_ref()) {
                flatten("", v, &mut values);
            }
            components.insert(name.clone(), SideComponent { fields, values });
        }
        Side {
            label,
            applied: doc.applied_overlays.clone(),
            components,
            constraints: doc.constraints.clone(),
            validation: doc
                .validation
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        serde_json::to_string(&v.sorted()).unwrap_or_default(),
                    )
                })
                .collect(),
            order: doc.deployment_order.clone(),
            params: doc.params.clone(),
            provenance: None,
        }
    }

    /// The overlay that set a provenance path (`gpu-operator.version`, `constraints.X`).
    fn origin(&self, path: &str) -> Option<String> {
        let trace = self.provenance.as_ref()?.paths.get(path)?;
        Some(trace.winner.overlay.to_string())
    }

    /// Every value trace of one component, computed on demand.
    fn value_traces(&self, component: &str) -> BTreeMap<String, Trace> {
        match &self.provenance {
            Some(p) => p.under(&format!("{component}.values")),
            None => BTreeMap::new(),
        }
    }
}

/// A list field as a diff shows it: by its overlay keyword (`needs`), as a resolved recipe's
/// side does.
fn list_label(key: &str) -> &str {
    crate::syntax::ast::component_field(key)
        .and_then(|f| f.keyword)
        .unwrap_or(key)
}

/// Leaf paths of a value: maps are walked, everything else is a leaf. An empty map is a
/// leaf too, so that `{}` and absent differ.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Map(m) if !m.is_empty() => {
            for (k, child) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, child, out);
            }
        }
        Value::Map(_) if prefix.is_empty() => {}
        other => {
            out.insert(prefix.to_string(), other.sorted());
        }
    }
}

/// How a version moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Patch,
    Minor,
    Major,
    Downgrade,
    /// Only the pre-release or build part differs.
    Prerelease,
    /// One side is not a version (a tag such as `latest`, or a digest).
    Tag,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Patch => "patch",
            Verdict::Minor => "minor",
            Verdict::Major => "major",
            Verdict::Downgrade => "downgrade",
            Verdict::Prerelease => "prerelease",
            Verdict::Tag => "not a version",
        }
    }
}

/// A chart version as semver: a leading `v` dropped, `1.2` read as `1.2.0`.
pub fn semver_of(text: &str) -> Option<semver::Version> {
    let t = text.trim();
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    if let Ok(v) = semver::Version::parse(t) {
        return Some(v);
    }
    let end = t.find(['-', '+']).unwrap_or(t.len());
    let (core, rest) = t.split_at(end);
    let parts = core.split('.').count();
    let all_digits = core
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !all_digits || parts >= 3 {
        return None;
    }
    let padded = format!("{core}{}{rest}", ".0".repeat(3 - parts));
    semver::Version::parse(&padded).ok()
}

pub fn verdict(from: &str, to: &str) -> Verdict {
    match (semver_of(from), semver_of(to)) {
        (Some(a), Some(b)) => {
            if b < a {
                Verdict::Downgrade
            } else if a.major != b.major {
                Verdict::Major
            } else if a.minor != b.minor {
                Verdict::Minor
            } else if a.patch != b.patch {
                Verdict::Patch
            } else {
                Verdict::Prerelease
            }
        }
        _ => Verdict::Tag,
    }
}

/// One changed thing; `None` on a side where it is absent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change<T> {
    pub path: String,
    pub from: Option<T>,
    pub to: Option<T>,
    /// The overlay that set the old value (resolved recipes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_overlay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_overlay: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionChange {
    pub component: String,
    /// `version` (Helm) or `tag` (Kustomize).
    pub field: String,
    pub from: String,
    pub to: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_overlay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_overlay: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Presence {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
}

/// Everything that differs; `applied overlays` is context and never makes sides differ.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Diff {
    pub from: String,
    pub to: String,
    pub overlays_removed: Vec<String>,
    pub overlays_added: Vec<String>,
    pub components_removed: Vec<Presence>,
    pub components_added: Vec<Presence>,
    pub versions: Vec<VersionChange>,
    pub fields: Vec<Change<String>>,
    pub constraints: Vec<Change<String>>,
    pub validation: Vec<Change<String>>,
    pub values: Vec<Change<Value>>,
    /// Parameters whose value differs (galley's `metadata.params`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Change<String>>,
    /// The old and new deployment order, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_order: Option<(Vec<String>, Vec<String>)>,
}

impl Diff {
    /// The two recipes are the same.
    pub fn is_equal(&self) -> bool {
        self.components_removed.is_empty()
            && self.components_added.is_empty()
            && self.versions.is_empty()
            && self.fields.is_empty()
            && self.constraints.is_empty()
            && self.validation.is_empty()
            && self.values.is_empty()
            && self.params.is_empty()
            && self.deployment_order.is_none()
    }
}

pub fn diff(a: &Side, b: &Side) -> Diff {
    let names = |s: &Side| s.components.keys().cloned().collect::<BTreeSet<_>>();
    let (na, nb) = (names(a), names(b));
    let presence = |s: &Side, n: &String| Presence {
        name: n.clone(),
        version: s.components[n].fields.get("version").cloned(),
        overlay: s.origin(&format!("{n}.version")),
    };
    let mut d = Diff {
        from: a.label.clone(),
        to: b.label.clone(),
        overlays_removed: minus(&a.applied, &b.applied),
        overlays_added: minus(&b.applied, &a.applied),
        components_removed: na.difference(&nb).map(|n| presence(a, n)).collect(),
        components_added: nb.difference(&na).map(|n| presence(b, n)).collect(),
        ..Diff::default()
    };
    for name in na.intersection(&nb) {
        component(a, b, name, &mut d);
    }
    d.constraints = changes(&a.constraints, &b.constraints, |k| {
        (
            a.origin(&format!("constraints.{k}")),
            b.origin(&format!("constraints.{k}")),
        )
    });
    d.validation = changes(&a.validation, &b.validation, |k| {
        (
            a.origin(&format!("validation.{k}")),
            b.origin(&format!("validation.{k}")),
        )
    });
    d.params = changes(&a.params, &b.params, |_| (None, None));
    if a.order != b.order {
        d.deployment_order = Some((a.order.clone(), b.order.clone()));
    }
    d
}

fn minus(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

fn component(a: &Side, b: &Side, name: &str, d: &mut Diff) {
    let (ca, cb) = (&a.components[name], &b.components[name]);
    let origins = |f: &str| {
        (
            a.origin(&format!("{name}.{f}")),
            b.origin(&format!("{name}.{f}")),
        )
    };
    for change in changes(&ca.fields, &cb.fields, |f| origins(f)) {
        match (&change.from, &change.to) {
            (Some(from), Some(to)) if change.path == "version" || change.path == "tag" => {
                d.versions.push(VersionChange {
                    component: name.to_string(),
                    field: change.path.clone(),
                    verdict: verdict(from, to),
                    from: from.clone(),
                    to: to.clone(),
                    from_overlay: change.from_overlay,
                    to_overlay: change.to_overlay,
                })
            }
            _ => d.fields.push(Change {
                path: format!("{name}.{}", change.path),
                ..change
            }),
        }
    }
    if ca.values == cb.values {
        return;
    }
    let (ta, tb) = (a.value_traces(name), b.value_traces(name));
    let winner = |t: &BTreeMap<String, Trace>, path: &str| {
        // A leaf's trace, or the nearest traced map above it.
        let mut p = format!("{name}.values.{path}");
        loop {
            if let Some(trace) = t.get(&p) {
                return Some(trace.winner.overlay.to_string());
            }
            p.truncate(p.rfind('.')?);
        }
    };
    for change in changes(&ca.values, &cb.values, |p| (winner(&ta, p), winner(&tb, p))) {
        d.values.push(Change {
            path: format!("{name}.values.{}", change.path),
            ..change
        });
    }
}

/// Keys whose values differ (added, removed or changed), in key order.
fn changes<T: Clone + PartialEq>(
    a: &BTreeMap<String, T>,
    b: &BTreeMap<String, T>,
    origins: impl Fn(&str) -> (Option<String>, Option<String>),
) -> Vec<Change<T>> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            let (fo, to) = origins(k);
            Change {
                path: k.clone(),
                from: a.get(k).cloned(),
                to: b.get(k).cloned(),
                from_overlay: a.get(k).and(fo),
                to_overlay: b.get(k).and(to),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let cases = [
            ("v1.17.2", "v1.17.3", Verdict::Patch),
            ("v1.17.2", "v1.18.0", Verdict::Minor),
            ("82.8.0", "83.0.0", Verdict::Major),
            ("v25.10.1", "v25.3.0", Verdict::Downgrade),
            ("1.19", "1.19.1", Verdict::Patch),
            ("v1.0.0-rc.1", "v1.0.0", Verdict::Prerelease),
            ("latest", "v1.0.0", Verdict::Tag),
            ("v1.0.0", "sha256-abc", Verdict::Tag),
        ];
        for (a, b, want) in cases {
            assert_eq!(verdict(a, b), want, "{a} → {b}");
        }
    }

    #[test]
    fn flatten_walks_maps_and_keeps_lists_whole() {
        let mut m = crate::value::Map::new();
        let mut inner = crate::value::Map::new();
        inner.insert("b".into(), Value::List(vec![Value::Int(1)]));
        inner.insert("c".into(), Value::Map(Default::default()));
        m.insert("a".into(), Value::Map(inner));
        let mut out = BTreeMap::new();
        flatten("", &Value::Map(m), &mut out);
        let keys: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a.b", "a.c"]);
    }
}
