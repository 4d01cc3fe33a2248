//! Mixins: `mixin NAME [with M, ...] { ... }` declarations and the `with` lists of overlays.
//!
//! A mixin is a reusable block of an overlay's statements (constraints, component blocks,
//! validation phases) without `when`. An overlay that includes it gets its statements as
//! contributions of equal rank to its own (`docs/merge.md`). This pass gathers the mixins
//! of every layer (a higher layer's mixin replaces a lower one of the same name), checks
//! their names, `when` clauses, `with` targets and cycles, and computes each overlay's
//! mixins: every mixin it reaches through `with`, each once, in name order.

use crate::check::load::LoadedUnit;
use crate::check::overlay::{OverlayInfo, is_dns_label};
use crate::check::stdlib::{Declared, layer_by_name};
use crate::diag::{Code, Diagnostic, Diagnostics, suggestion};
use crate::source::FileId;
use crate::syntax::ast::{Constraint, Item, Mixin, Name, Overlay, OverlayStmt, Syntax};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A checked mixin.
#[derive(Clone, Debug)]
pub struct MixinInfo {
    pub name: String,
    pub layer: usize,
    pub file: FileId,
    pub syntax: Syntax,
    pub ast: Mixin,
}

/// The mixins of every layer, each name's highest-layer definition.
pub fn collect(units: &[LoadedUnit], diags: &mut Diagnostics) -> BTreeMap<String, MixinInfo> {
    let mut declared = Vec::new();
    for u in units {
        for item in &u.unit.items {
            if let Item::Mixin(m) = item {
                declared.push(Declared {
                    name: m.name.node.clone(),
                    layer: u.layer,
                    span: m.name.span,
                    item: (u.unit.file, u.unit.syntax, m),
                });
            }
        }
    }
    let (winners, _) = layer_by_name(declared, Code::DuplicateMixin, "mixin", diags);
    let mixins: BTreeMap<String, MixinInfo> = winners
        .into_iter()
        .map(|(name, d)| {
            let (file, syntax, ast) = d.item;
            let info = MixinInfo {
                name: name.clone(),
                layer: d.layer,
                file,
                syntax,
                ast: ast.clone(),
            };
            (name, info)
        })
        .collect();
    for m in mixins.values() {
        check_mixin(m, &mixins, diags);
    }
    check_cycles(&mixins, diags);
    mixins
}

fn check_mixin(m: &MixinInfo, mixins: &BTreeMap<String, MixinInfo>, diags: &mut Diagnostics) {
    if !is_dns_label(&m.name) {
        diags.push(
            Diagnostic::error(
                Code::InvalidName,
                format!("mixin name `{}` is not a DNS-1123 label", m.name),
            )
            .with_label(m.ast.name.span, "invalid name")
            .with_help("use lowercase letters, digits and `-`, at most 63 characters"),
        );
    }
    for stmt in &m.ast.body {
        if let OverlayStmt::When(c) = stmt {
            diags.push(
                Diagnostic::error(
                    Code::MixinWhen,
                    format!("mixin `{}` has a `when` clause", m.name),
                )
                .with_label(c.span, "a mixin matches no target of its own")
                .with_help(
                    "remove the `when`: a mixin applies wherever an overlay that includes it (`overlay NAME with MIXIN`) applies",
                ),
            );
        }
    }
    check_with(&format!("mixin `{}`", m.name), &m.ast.mixins, mixins, diags);
}

/// Every name of a `with` list must be a mixin; naming one twice is harmless.
pub fn check_with(
    owner: &str,
    with: &[Name],
    mixins: &BTreeMap<String, MixinInfo>,
    diags: &mut Diagnostics,
) {
    for name in with {
        if !mixins.contains_key(&name.node) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownMixin,
                    format!("{owner} includes unknown mixin `{}`", name.node),
                )
                .with_label(name.span, "no mixin has this name")
                .with_help(format!(
                    "{} (declare one with `mixin {} {{ ... }}`)",
                    suggestion(&name.node, mixins.keys().map(String::as_str)),
                    name.node
                )),
            );
        }
    }
}

/// Mixins that include each other: one error per cycle, listed from its least name. A
/// depth-first walk with an explicit stack, so a long chain of mixins cannot exhaust the
/// thread's stack; each mixin and each `with` edge is visited once.
fn check_cycles(mixins: &BTreeMap<String, MixinInfo>, diags: &mut Diagnostics) {
    // 1: on the current path, 2: done.
    let mut state: HashMap<&str, u8> = HashMap::new();
    let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
    for start in mixins.keys() {
        if state.contains_key(start.as_str()) {
            continue;
        }
        // (mixin, index of its next `with` name)
        let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        state.insert(start.as_str(), 1);
        while let Some(&mut (name, ref mut next)) = stack.last_mut() {
            let with = &mixins[name].ast.mixins;
            let Some(child) = with.get(*next).map(|w| w.node.as_str()) else {
                state.insert(name, 2);
                stack.pop();
                continue;
            };
            *next += 1;
            if !mixins.contains_key(child) {
                continue;
            }
            match state.get(child) {
                Some(2) => {}
                Some(_) => {
                    let pos = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                    let cycle: Vec<&str> = stack[pos..].iter().map(|(n, _)| *n).collect();
                    report_cycle(&cycle, mixins, &mut reported, diags);
                }
                None => {
                    state.insert(child, 1);
                    stack.push((child, 0));
                }
            }
        }
    }
}

fn report_cycle(
    cycle: &[&str],
    mixins: &BTreeMap<String, MixinInfo>,
    reported: &mut BTreeSet<Vec<String>>,
    diags: &mut Diagnostics,
) {
    let least = cycle
        .iter()
        .enumerate()
        .min_by_key(|(_, n)| **n)
        .map_or(0, |(i, _)| i);
    let ordered: Vec<String> = cycle[least..]
        .iter()
        .chain(&cycle[..least])
        .map(|n| n.to_string())
        .collect();
    if !reported.insert(ordered.clone()) {
        return;
    }
    let mut chain: Vec<String> = ordered.iter().map(|n| format!("`{n}`")).collect();
    chain.push(format!("`{}`", ordered[0]));
    let first = &mixins[&ordered[0]];
    let next = ordered.get(1).unwrap_or(&ordered[0]);
    let at = first
        .ast
        .mixins
        .iter()
        .find(|w| &w.node == next)
        .map_or(first.ast.name.span, |w| w.span);
    diags.push(
        Diagnostic::error(
            Code::MixinCycle,
            format!(
                "mixins include each other in a cycle: {}",
                chain.join(" → ")
            ),
        )
        .with_label(at, "this inclusion closes the cycle")
        .with_help("remove one of the `with` names of the cycle"),
    );
}

/// Every mixin reachable from `with` (each once, cycles cut), in name order.
pub fn closure(with: &[Name], mixins: &BTreeMap<String, MixinInfo>) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<&str> = with.iter().map(|n| n.node.as_str()).collect();
    while let Some(name) = stack.pop() {
        let Some(m) = mixins.get(name) else { continue };
        if seen.insert(name.to_string()) {
            stack.extend(m.ast.mixins.iter().map(|n| n.node.as_str()));
        }
    }
    seen.into_iter().collect()
}

/// Check the overlays' `with` lists and record each overlay's mixins.
pub fn attach(
    overlays: &mut BTreeMap<String, OverlayInfo>,
    mixins: &BTreeMap<String, MixinInfo>,
    diags: &mut Diagnostics,
) {
    for o in overlays.values_mut() {
        check_with(
            &format!("overlay `{}`", o.name),
            &o.ast.mixins,
            mixins,
            diags,
        );
        o.mixins = closure(&o.ast.mixins, mixins);
    }
}

/// `galley::lint::unused-mixin`: a mixin no overlay includes, directly or through another
/// mixin.
pub fn unused(
    overlays: &BTreeMap<String, OverlayInfo>,
    mixins: &BTreeMap<String, MixinInfo>,
) -> Vec<Diagnostic> {
    let used: BTreeSet<&str> = overlays
        .values()
        .flat_map(|o| o.mixins.iter().map(String::as_str))
        .collect();
    mixins
        .values()
        .filter(|m| !used.contains(m.name.as_str()))
        .map(|m| {
            Diagnostic::warning(
                Code::LintUnusedMixin,
                format!("mixin `{}` is not included by any overlay", m.name),
            )
            .with_label(m.ast.name.span, "declared here, included nowhere")
            .with_help(format!(
                "include it with `overlay NAME with {}`, or remove it",
                m.name
            ))
        })
        .collect()
}

/// How provenance and conflicts name a mixin's contribution: `OVERLAY with MIXIN`, the
/// overlay that brought it in and the mixin that wrote it (as `overlay OVERLAY with MIXIN`
/// reads in the source).
pub fn owner(overlay: &str, mixin: &str) -> String {
    format!("{overlay} with {mixin}")
}

/// The overlay of a contribution's owner (see [`owner`]); names never contain spaces.
pub fn overlay_of(owner: &str) -> &str {
    owner.split_once(' ').map_or(owner, |(o, _)| o)
}

/// The help for a conflict between two contributions of one overlay (its own statements
/// and its mixins rank alike), or `None` when the owners are different overlays.
pub fn settle_within(a: &str, b: &str, paths: &str) -> Option<String> {
    let overlay = overlay_of(a);
    (overlay == overlay_of(b)).then(|| {
        format!(
            "a mixin's statements rank with the overlay that includes it: set {paths} in one place only (in `{overlay}` itself or in one of its mixins), or move the value to an overlay that extends `{overlay}`"
        )
    })
}

/// How many overlays must write the same requirements before `repeated-block` reports them,
/// and how many requirements make a block.
const REPEATED_IN: usize = 3;
const BLOCK_SIZE: usize = 2;

/// A constraint as a key: everything it says, without its place.
fn constraint_key(c: &Constraint) -> String {
    format!(
        "{} {} {:?} {:?} {:?} {:?}",
        c.path.aicr_name(),
        c.op.node.as_str(),
        c.value.node,
        c.severity.as_ref().map(|s| &s.node),
        c.remediation.as_ref().map(|s| &s.node),
        c.unit.as_ref().map(|s| &s.node),
    )
}

/// The overlays that write one requirement, each with its statement, in name order.
type Writers<'a> = [(&'a str, &'a Constraint)];

/// `galley::lint::repeated-block`: at least [`BLOCK_SIZE`] requirements that the same
/// [`REPEATED_IN`] or more overlays each write themselves (not through a mixin), which one
/// mixin could hold. Requirements are grouped by the exact set of overlays that write them,
/// in one pass over the statements.
pub fn repeated_blocks(overlays: &BTreeMap<String, OverlayInfo>) -> Vec<Diagnostic> {
    // requirement → (the overlays that write it, in name order; its first statement in each)
    let mut writers: BTreeMap<String, Vec<(&str, &Constraint)>> = BTreeMap::new();
    for o in overlays.values() {
        for c in o.ast.constraints() {
            let entry = writers.entry(constraint_key(c)).or_default();
            if entry.last().is_none_or(|(n, _)| *n != o.name) {
                entry.push((o.name.as_str(), c));
            }
        }
    }
    let mut blocks: HashMap<Vec<&str>, Vec<&Writers<'_>>> = HashMap::new();
    for w in writers.values().filter(|w| w.len() >= REPEATED_IN) {
        let names: Vec<&str> = w.iter().map(|(n, _)| *n).collect();
        blocks.entry(names).or_default().push(w);
    }
    let mut found: Vec<(Vec<&str>, Vec<&Writers<'_>>)> = blocks
        .into_iter()
        .filter(|(_, reqs)| reqs.len() >= BLOCK_SIZE)
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
        .into_iter()
        .map(|(names, reqs)| repeated_diagnostic(&names, &reqs))
        .collect()
}

fn repeated_diagnostic(names: &[&str], reqs: &[&Writers<'_>]) -> Diagnostic {
    let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let first = reqs[0];
    let mut d = Diagnostic::warning(
        Code::LintRepeatedBlock,
        format!(
            "the same {} requirements are written in {} overlays: {}",
            reqs.len(),
            names.len(),
            listed.join(", ")
        ),
    )
    .with_label(first[0].1.span, "written here")
    .with_label(first[1].1.span, "and again here");
    let paths: Vec<String> = reqs
        .iter()
        .map(|r| format!("`{}`", r[0].1.path.aicr_name()))
        .collect();
    d = d.with_note(format!("the requirements: {}", paths.join(", ")));
    d.with_help(format!(
        "write them once, in a mixin (`mixin NAME {{ require ... }}`), and include it in each of the {} overlays with `with NAME`",
        names.len()
    ))
}

/// An overlay with the statements of `names` (its mixins, as [`closure`] lists them) joined
/// into its own: a component block joins the overlay's block of that component, and a
/// constraint or phase the overlay states itself is kept over the mixin's (the merge has made
/// sure they agree). What AICR YAML writes, and what a replacement is compared against.
pub fn flatten(o: &Overlay, names: &[String], mixins: &BTreeMap<String, MixinInfo>) -> Overlay {
    let mut o = o.clone();
    o.mixins.clear();
    for m in names.iter().filter_map(|m| mixins.get(m)) {
        for stmt in &m.ast.body {
            add(&mut o.body, stmt);
        }
    }
    o
}

fn add(body: &mut Vec<OverlayStmt>, stmt: &OverlayStmt) {
    match stmt {
        OverlayStmt::When(_) => {}
        OverlayStmt::Param(p) => {
            if !body
                .iter()
                .any(|s| matches!(s, OverlayStmt::Param(h) if h.name.node == p.name.node))
            {
                body.push(stmt.clone());
            }
        }
        OverlayStmt::Require(c) => {
            let key = c.path.aicr_name();
            if !body
                .iter()
                .any(|s| matches!(s, OverlayStmt::Require(h) if h.path.aicr_name() == key))
            {
                body.push(stmt.clone());
            }
        }
        OverlayStmt::Validate(p) => {
            if !body
                .iter()
                .any(|s| matches!(s, OverlayStmt::Validate(h) if h.name.node == p.name.node))
            {
                body.push(stmt.clone());
            }
        }
        OverlayStmt::Component(c) => {
            let own = body.iter_mut().find_map(|s| match s {
                OverlayStmt::Component(h) if h.name.node == c.name.node => Some(h),
                _ => None,
            });
            match own {
                Some(h) => h.body.extend(c.body.iter().cloned()),
                None => body.push(stmt.clone()),
            }
        }
    }
}
