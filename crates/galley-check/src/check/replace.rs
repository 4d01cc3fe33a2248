//! An overlay that replaces a lower layer's overlay of the same name (the way to change an
//! embedded overlay from `--data`) must restate what it keeps: everything the replaced
//! overlay says that the replacement says nothing about is listed in one error,
//! `galley::data::replacement-drops`, unless a `galley: allow(replacement-drops)` comment
//! says dropping it is the point. A statement the replacement restates with another value
//! is a change, not a drop.

use crate::check::load::LoadedUnit;
use crate::check::mixin::{self, MixinInfo};
use crate::check::stdlib::Replaced;
use crate::check::suppress::suppressed;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::source::{Files, Span};
use crate::syntax::ast::{ComponentRef, ComponentStmt, Item, Overlay};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The most dropped items one diagnostic lists; the rest are counted.
const MAX_LISTED: usize = 40;

/// `mixins`: every mixin of the library; an overlay's mixins count as its statements (a
/// replacement may restate them, or include the same mixins).
pub fn check(
    units: &[LoadedUnit],
    replaced: &[Replaced],
    mixins: &BTreeMap<String, MixinInfo>,
    files: &Files,
    diags: &mut Diagnostics,
) {
    if replaced.is_empty() {
        return;
    }
    let by_span: HashMap<Span, &Overlay> = units
        .iter()
        .flat_map(|u| &u.unit.items)
        .filter_map(|i| match i {
            Item::Overlay(o) => Some((o.name.span, o)),
            _ => None,
        })
        .collect();
    for (name, old, new) in replaced {
        let (Some(old_ast), Some(new_ast)) = (by_span.get(old), by_span.get(new)) else {
            continue;
        };
        let flat = |o: &Overlay| mixin::flatten(o, &mixin::closure(&o.mixins, mixins), mixins);
        let drops = dropped(&flat(old_ast), &flat(new_ast));
        if drops.is_empty() {
            continue;
        }
        let d = diagnostic(name, *old, *new, &drops, files);
        if !suppressed(&d, files) {
            diags.push(d);
        }
    }
}

fn diagnostic(name: &str, old: Span, new: Span, drops: &[String], files: &Files) -> Diagnostic {
    let yaml = files.name(new.file).ends_with(".yaml") || files.name(new.file).ends_with(".yml");
    let comment = if yaml { "#" } else { "//" };
    let mut d = Diagnostic::error(
        Code::DataReplacementDrops,
        format!(
            "overlay `{name}` replaces the overlay of the same name in `{}` and drops {} of its statements",
            files.name(old.file),
            drops.len()
        ),
    )
    .with_label(new, "this replacement")
    .with_label(old, "replaced; what it says and the replacement does not is lost")
    .with_help(format!(
        "a replacement is the whole overlay: restate what it drops (start from a copy of `{}`; a values file or manifest at the same path in the data directory replaces the file itself), or keep `{name}` and add an overlay that `extends {name}` with more specific criteria; if dropping is the point, put `{comment} galley: allow(replacement-drops)` above the replacement",
        files.name(old.file)
    ));
    for item in drops.iter().take(MAX_LISTED) {
        d = d.with_note(format!("drops {item}"));
    }
    if drops.len() > MAX_LISTED {
        d = d.with_note(format!("and {} more", drops.len() - MAX_LISTED));
    }
    d
}

/// What `old` says that `new` says nothing about, in `old`'s order.
pub fn dropped(old: &Overlay, new: &Overlay) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = &old.extends
        && new.extends.as_ref().map(|n| &n.node) != Some(&e.node)
    {
        out.push(format!("`extends {}`", e.node));
    }
    if let Some(p) = &old.priority
        && new.priority.is_none()
    {
        out.push(format!("`priority {}`", p.node));
    }
    if let Some(c) = old.criteria()
        && new.criteria().is_none()
    {
        let terms: Vec<String> = c
            .terms
            .iter()
            .map(|t| format!("{} = {}", t.dimension.node, t.value.node))
            .collect();
        out.push(format!("`when {}`", terms.join(", ")));
    }
    let kept: BTreeSet<String> = new.constraints().map(|c| c.path.aicr_name()).collect();
    for c in old.constraints() {
        let name = c.path.aicr_name();
        if !kept.contains(&name) {
            out.push(format!("`require {name}`"));
        }
    }
    let new_components: HashMap<&str, &ComponentRef> = new
        .components()
        .map(|c| (c.name.node.as_str(), c))
        .collect();
    for c in old.components() {
        match new_components.get(c.name.node.as_str()) {
            None => out.push(format!("component `{}` (its whole block)", c.name.node)),
            Some(n) => component_drops(c, n, &mut out),
        }
    }
    let phases: BTreeSet<&str> = new.phases().map(|p| p.name.node.as_str()).collect();
    for p in old.phases() {
        if !phases.contains(p.name.node.as_str()) {
            out.push(format!("`validate {}`", p.name.node));
        }
    }
    out
}

/// Within one component: statements whose keyword the replacement never uses (a
/// `manifests` list with other files is a change), `expect`s it does not list, and
/// `set`/`unset` paths it does not cover (the same path or one above it).
fn component_drops(old: &ComponentRef, new: &ComponentRef, out: &mut Vec<String>) {
    let keywords: BTreeSet<&str> = new.body.iter().map(ComponentStmt::keyword).collect();
    let mut expects = BTreeSet::new();
    let mut covered: BTreeSet<Vec<&str>> = BTreeSet::new();
    for s in &new.body {
        match s {
            ComponentStmt::Expect(e) => {
                expects.insert((&e.kind.node, &e.name.node));
            }
            ComponentStmt::Set(b) => {
                covered.extend(b.entries.iter().map(|a| a.path.keys().collect()))
            }
            ComponentStmt::Unset(u) => covered.extend(u.node.iter().map(|p| p.keys().collect())),
            _ => {}
        }
    }
    let is_covered = |keys: Vec<&str>| (1..=keys.len()).any(|n| covered.contains(&keys[..n]));
    let of = format!("of component `{}`", old.name.node);
    for s in &old.body {
        match s {
            ComponentStmt::Manifests(m) if !keywords.contains("manifests") => {
                for p in &m.node {
                    out.push(format!("manifest \"{}\" {of}", p.node));
                }
            }
            ComponentStmt::Expect(e) if !expects.contains(&(&e.kind.node, &e.name.node)) => {
                out.push(format!("`expect {} {}` {of}", e.kind.node, e.name.node));
            }
            ComponentStmt::Set(b) => {
                for a in b
                    .entries
                    .iter()
                    .filter(|a| !is_covered(a.path.keys().collect()))
                {
                    out.push(format!("`set {}` {of}", dotted(a.path.keys())));
                }
            }
            ComponentStmt::Unset(u) => {
                for p in u.node.iter().filter(|p| !is_covered(p.keys().collect())) {
                    out.push(format!("`unset {}` {of}", dotted(p.keys())));
                }
            }
            ComponentStmt::Values(f) if !keywords.contains("values") => {
                out.push(format!("values file \"{}\" {of}", f.node));
            }
            other if !keywords.contains(other.keyword()) => {
                out.push(format!("`{}` {of}", other.keyword()));
            }
            _ => {}
        }
    }
}

fn dotted<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    keys.collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Files;

    fn overlay(text: &str) -> Overlay {
        let mut files = Files::new();
        let id = files.add("t.ovl", text);
        let (unit, diags) = crate::syntax::parser::parse(id, text);
        assert!(diags.is_empty(), "{diags:?}");
        match unit.items.into_iter().next() {
            Some(Item::Overlay(o)) => o,
            _ => panic!("no overlay"),
        }
    }

    const OLD: &str = r#"overlay o extends p {
  when service = gke, os = cos
  require K8s.server.version >= 1.28
  component a {
    values "components/a/v.yaml"
    version "1.0"
    manifests "m1.yaml", "m2.yaml"
    set { x.y = 1
      z = 2 }
    unset q.r
  }
  component b { version "2.0" }
  validate conformance { checks c1 }
}"#;

    #[test]
    fn a_replacement_without_a_mixin_drops_what_the_mixin_said() {
        let mut files = Files::new();
        let text = "mixin m1 {\n  require K8s.server.version >= 1.30\n}\nmixin m2 {\n}\n";
        let id = files.add("m.ovl", text);
        let (unit, _) = crate::syntax::parser::parse(id, text);
        let mixins: BTreeMap<String, MixinInfo> = unit
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Mixin(m) => Some((
                    m.name.node.clone(),
                    MixinInfo {
                        name: m.name.node.clone(),
                        layer: 0,
                        file: id,
                        syntax: crate::syntax::ast::Syntax::Ovl,
                        ast: m.clone(),
                    },
                )),
                _ => None,
            })
            .collect();
        let flat = |o: &Overlay| mixin::flatten(o, &mixin::closure(&o.mixins, &mixins), &mixins);
        let old = overlay("overlay o extends p with m1, m2 {\n  when service = gke\n}");
        let without = overlay("overlay o extends p with m2 {\n  when service = gke\n}");
        assert_eq!(
            dropped(&flat(&old), &flat(&without)),
            ["`require K8s.server.version`"]
        );
        let restated = overlay(
            "overlay o extends p {\n  when service = gke\n  require K8s.server.version >= 1.30\n}",
        );
        assert!(dropped(&flat(&old), &flat(&restated)).is_empty());
    }

    #[test]
    fn a_full_restatement_drops_nothing() {
        assert!(dropped(&overlay(OLD), &overlay(OLD)).is_empty());
        // Another value for a statement, or a path set above, is a change, not a drop.
        let changed = OLD
            .replace("\"1.0\"", "\"1.1\"")
            .replace("x.y = 1", "x = { y = 3 }")
            .replace("\"m1.yaml\", \"m2.yaml\"", "\"m3.yaml\"");
        assert!(dropped(&overlay(OLD), &overlay(&changed)).is_empty());
    }

    #[test]
    fn each_dropped_statement_is_listed() {
        let new = r#"overlay o {
  when service = gke, os = cos
  component a {
    version "1.0"
    set { z = 3 }
  }
}"#;
        assert_eq!(
            dropped(&overlay(OLD), &overlay(new)),
            [
                "`extends p`",
                "`require K8s.server.version`",
                "values file \"components/a/v.yaml\" of component `a`",
                "manifest \"m1.yaml\" of component `a`",
                "manifest \"m2.yaml\" of component `a`",
                "`set x.y` of component `a`",
                "`unset q.r` of component `a`",
                "component `b` (its whole block)",
                "`validate conformance`",
            ]
        );
    }
}
