//! Overlay-level checks: names, criteria, `extends`, duplicates and specificity.

use crate::check::load::LoadedUnit;
use crate::check::stdlib::{
    Declared, Dimensions, Replaced, ValueError, layer_by_name, unknown_dimension,
};
use crate::diag::{Code, Diagnostic, Diagnostics, suggestion};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Criteria, Item, Overlay, Syntax};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Normalised criteria: dimension → canonical value, wildcards (`any`) left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CriteriaSet {
    pub values: BTreeMap<String, String>,
}

impl CriteriaSet {
    /// Every target this set matches is matched by `other` too.
    pub fn refines(&self, other: &CriteriaSet) -> bool {
        other
            .values
            .iter()
            .all(|(d, v)| self.values.get(d) == Some(v))
    }

    pub fn specificity(&self) -> usize {
        self.values.len()
    }

    pub fn describe(&self) -> String {
        if self.values.is_empty() {
            return "any".into();
        }
        crate::check::stdlib::DIMENSIONS
            .iter()
            .filter_map(|d| self.values.get(*d).map(|v| format!("{d} = {v}")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A checked overlay.
#[derive(Clone, Debug)]
pub struct OverlayInfo {
    pub name: String,
    pub layer: usize,
    pub file: FileId,
    pub syntax: Syntax,
    pub ast: Overlay,
    /// `None` for `base`; otherwise the parent (`base` when not written).
    pub parent: Option<String>,
    /// `None` for an abstract overlay (no `when`): reached only through `extends`.
    pub criteria: Option<CriteriaSet>,
    pub priority: i64,
    /// Every mixin the overlay includes, directly or through other mixins, each once, in
    /// name order (`check::mixin`).
    pub mixins: Vec<String>,
}

pub const BASE: &str = "base";

/// The overlays of every layer, each name's highest-layer definition, with the replaced ones.
pub fn collect(
    units: &[LoadedUnit],
    dims: &Dimensions,
    diags: &mut Diagnostics,
) -> (BTreeMap<String, OverlayInfo>, Vec<Replaced>) {
    let mut declared = Vec::new();
    for u in units {
        for item in &u.unit.items {
            if let Item::Overlay(o) = item {
                declared.push(Declared {
                    name: o.name.node.clone(),
                    layer: u.layer,
                    span: o.name.span,
                    item: (u.unit.file, u.unit.syntax, o),
                });
            }
        }
    }
    let (winners, replaced) = layer_by_name(declared, Code::DuplicateOverlay, "overlay", diags);
    let overlays = winners
        .into_iter()
        .map(|(name, d)| {
            let (file, syntax, ast) = d.item;
            let info = OverlayInfo {
                criteria: criteria_of(ast, dims, diags),
                parent: parent_of(ast),
                priority: ast.priority.map_or(0, |p| p.node),
                mixins: Vec::new(),
                name: name.clone(),
                layer: d.layer,
                file,
                syntax,
                ast: ast.clone(),
            };
            (name, info)
        })
        .collect();
    (overlays, replaced)
}

fn parent_of(o: &Overlay) -> Option<String> {
    if o.name.node == BASE && o.extends.is_none() {
        None
    } else {
        Some(
            o.extends
                .as_ref()
                .map_or(BASE.to_string(), |e| e.node.clone()),
        )
    }
}

fn criteria_of(o: &Overlay, dims: &Dimensions, diags: &mut Diagnostics) -> Option<CriteriaSet> {
    let mut whens = o.whens();
    let first = whens.next()?;
    for extra in whens {
        diags.push(
            Diagnostic::error(
                Code::DuplicateField,
                format!("overlay `{}` has two `when` clauses", o.name.node),
            )
            .with_label(extra.span, "second `when`")
            .with_label(first.span, "first `when`")
            .with_help("join the terms into one `when`, separated by commas"),
        );
    }
    let before = diags.error_count();
    let set = criteria_set(first, dims, diags);
    // Criteria with errors would match the wrong targets; leave the overlay unmatched
    // rather than report follow-on problems (duplicate criteria, specificity).
    (diags.error_count() == before).then_some(set)
}

/// Normalise a `when` clause, reporting unknown dimensions and values.
pub fn criteria_set(c: &Criteria, dims: &Dimensions, diags: &mut Diagnostics) -> CriteriaSet {
    let mut set = CriteriaSet::default();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for term in &c.terms {
        let dim = term.dimension.node.as_str();
        if let Some(&first) = seen.get(dim) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateField,
                    format!("dimension `{dim}` is named twice"),
                )
                .with_label(term.span, "named again here")
                .with_label(first, "first named here"),
            );
            continue;
        }
        seen.insert(dim, term.span);
        match dims.normalise(dim, &term.value.node) {
            Ok(v) if v == "any" => {}
            Ok(v) => {
                set.values.insert(dim.to_string(), v);
            }
            Err(ValueError::UnknownDimension) => diags.push(unknown_dimension(&term.dimension)),
            Err(ValueError::NotACount) => diags.push(
                Diagnostic::error(
                    Code::UnknownValue,
                    format!("`{dim}` takes a non-negative integer"),
                )
                .with_label(
                    term.value.span,
                    format!("`{}` is not a count", term.value.node),
                )
                .with_help(format!("write `{dim} = 8`, or `{dim} = any`")),
            ),
            Err(ValueError::UnknownValue) => {
                let spellings = dims.spellings(dim);
                diags.push(
                    Diagnostic::error(
                        Code::UnknownValue,
                        format!("unknown {dim} `{}`", term.value.node),
                    )
                    .with_label(term.value.span, format!("not a value of `{dim}`"))
                    .with_help(format!(
                        "{} (values are declared in `stdlib/criteria.ovl`; add one with `dimension {dim} += ...`)",
                        suggestion(&term.value.node.to_ascii_lowercase(), spellings.iter().map(String::as_str))
                    )),
                )
            }
        }
    }
    set
}

/// Lowercase DNS-1123 label: what Kubernetes, Helm and the bundle layout accept.
pub fn is_dns_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Library-wide overlay checks: base, names, `extends`, cycles, duplicate criteria,
/// specificity.
pub fn check(overlays: &BTreeMap<String, OverlayInfo>, diags: &mut Diagnostics) {
    if !overlays.contains_key(BASE) && !overlays.is_empty() {
        let first = overlays.values().next().map(|o| o.ast.name.span);
        let mut d = Diagnostic::error(Code::MissingBase, "the library has no root overlay `base`")
            .with_help("add `overlay base { ... }` with the components every recipe shares");
        if let Some(span) = first {
            d = d.with_label(span, "overlays extend `base` unless they say otherwise");
        }
        diags.push(d);
    }
    for o in overlays.values() {
        check_name(o, diags);
        check_extends(o, overlays, diags);
    }
    check_cycles(overlays, diags);
    check_duplicate_criteria(overlays, diags);
}

fn check_name(o: &OverlayInfo, diags: &mut Diagnostics) {
    if !is_dns_label(&o.name) {
        diags.push(
            Diagnostic::error(
                Code::InvalidName,
                format!("overlay name `{}` is not a DNS-1123 label", o.name),
            )
            .with_label(o.ast.name.span, "invalid name")
            .with_help("use lowercase letters, digits and `-`, at most 63 characters"),
        );
    }
}

fn check_extends(
    o: &OverlayInfo,
    overlays: &BTreeMap<String, OverlayInfo>,
    diags: &mut Diagnostics,
) {
    let Some(ext) = &o.ast.extends else { return };
    if o.name == BASE {
        diags.push(
            Diagnostic::error(
                Code::UnknownExtends,
                "the root overlay `base` cannot extend another overlay",
            )
            .with_label(ext.span, "remove this")
            .with_help("`base` is where every chain of `extends` ends"),
        );
        return;
    }
    let Some(parent) = overlays.get(&ext.node) else {
        diags.push(
            Diagnostic::error(
                Code::UnknownExtends,
                format!(
                    "overlay `{}` extends unknown overlay `{}`",
                    o.name, ext.node
                ),
            )
            .with_label(ext.span, "no overlay has this name")
            .with_help(suggestion(
                &ext.node,
                overlays.keys().map(String::as_str).filter(|n| *n != o.name),
            )),
        );
        return;
    };
    if let (Some(child), Some(up)) = (&o.criteria, &parent.criteria)
        && !child.refines(up)
    {
        let when = o.ast.criteria().map_or(o.ast.name.span, |c| c.span);
        let parent_when = parent
            .ast
            .criteria()
            .map_or(parent.ast.name.span, |c| c.span);
        diags.push(
            Diagnostic::error(
                Code::LessSpecific,
                format!("overlay `{}` is less specific than `{}`, which it extends", o.name, parent.name),
            )
            .with_label(when, format!("matches `{}`", child.describe()))
            .with_label(parent_when, format!("the parent requires `{}`", up.describe()))
            .with_help(format!(
                "an overlay must name every criterion its parent names, with the same value: add `{}`",
                up.describe()
            )),
        );
    }
}

/// Each overlay's `extends` walk is followed until it meets an overlay an earlier walk
/// already settled, so every overlay is visited once, whatever the chains' lengths.
fn check_cycles(overlays: &BTreeMap<String, OverlayInfo>, diags: &mut Diagnostics) {
    // The walk that first reached each overlay.
    let mut walk_of: HashMap<&str, usize> = HashMap::new();
    for (walk, start) in overlays.keys().enumerate() {
        let mut path: Vec<&str> = Vec::new();
        let mut cur = start.as_str();
        while let Some(o) = overlays.get(cur) {
            match walk_of.get(cur) {
                Some(&w) if w == walk => {
                    let pos = path.iter().position(|&n| n == cur).unwrap_or(0);
                    diags.push(cycle_diagnostic(&path[pos..], overlays));
                    break;
                }
                Some(_) => break,
                None => {}
            }
            walk_of.insert(cur, walk);
            path.push(cur);
            match &o.ast.extends {
                Some(e) if o.name != BASE => cur = e.node.as_str(),
                _ => break,
            }
        }
    }
}

fn cycle_diagnostic(cycle: &[&str], overlays: &BTreeMap<String, OverlayInfo>) -> Diagnostic {
    let start = cycle
        .iter()
        .position(|n| Some(n) == cycle.iter().min())
        .unwrap_or(0);
    let ordered: Vec<&str> = cycle[start..]
        .iter()
        .chain(&cycle[..start])
        .copied()
        .collect();
    let mut chain = ordered.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>();
    chain.push(format!("`{}`", ordered[0]));
    let mut d = Diagnostic::error(
        Code::ExtendsCycle,
        format!(
            "overlays extend each other in a cycle: {}",
            chain.join(" → ")
        ),
    )
    .with_help(
        "break the cycle: one of these overlays must extend an overlay outside it, or `base`",
    );
    for name in &ordered {
        if let Some(ext) = overlays.get(*name).and_then(|o| o.ast.extends.as_ref()) {
            d = d.with_label(ext.span, format!("`{name}` extends `{}`", ext.node));
        }
    }
    d
}

fn check_duplicate_criteria(overlays: &BTreeMap<String, OverlayInfo>, diags: &mut Diagnostics) {
    let mut by_criteria: BTreeMap<&CriteriaSet, &OverlayInfo> = BTreeMap::new();
    for o in overlays.values() {
        let Some(c) = &o.criteria else { continue };
        if let Some(first) = by_criteria.get(c) {
            let span = |o: &OverlayInfo| o.ast.criteria().map_or(o.ast.name.span, |c| c.span);
            diags.push(
                Diagnostic::error(
                    Code::DuplicateCriteria,
                    format!(
                        "overlays `{}` and `{}` have the same criteria",
                        first.name, o.name
                    ),
                )
                .with_label(span(o), format!("`{}`", c.describe()))
                .with_label(span(first), "the same criteria here")
                .with_help("merge the two overlays, or make one more specific; to change an embedded overlay, give one of the same name in the `--data` directory instead: it replaces the embedded one and must restate what it keeps"),
            );
        } else {
            by_criteria.insert(c, o);
        }
    }
}

/// The overlay and its ancestors, nearest first (stops at a cycle or a missing parent).
pub fn chain<'a>(name: &str, overlays: &'a BTreeMap<String, OverlayInfo>) -> Vec<&'a OverlayInfo> {
    let mut out: Vec<&OverlayInfo> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut cur = Some(name);
    while let Some(n) = cur {
        let Some(o) = overlays.get(n) else { break };
        if !seen.insert(o.name.as_str()) {
            break;
        }
        out.push(o);
        cur = o.parent.as_deref();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("h100-eks-training"));
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"x".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn refinement() {
        let set = |pairs: &[(&str, &str)]| CriteriaSet {
            values: pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        };
        let eks = set(&[("service", "eks")]);
        let eks_training = set(&[("service", "eks"), ("intent", "training")]);
        assert!(eks_training.refines(&eks));
        assert!(!eks.refines(&eks_training));
        assert!(eks.refines(&CriteriaSet::default()));
    }
}
