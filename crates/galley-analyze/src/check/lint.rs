//! Lints: warnings about a library that checks clean but says something other than its
//! author probably meant. They run after the checks, only when there are no errors, because
//! several resolve targets.
//!
//! | code | what |
//! |---|---|
//! | `no-op` | a field or `set` value equal to what the overlay inherits from its chain |
//! | `shadowed` | an inline value every recipe that applies its overlay replaces |
//! | `no-performance-validation` | a training or inference leaf overlay with no performance checks |
//! | `looser-constraint` | a `require` bound looser than the one an ancestor sets |
//! | `unused-component` | a registry component no overlay references |
//! | `replaced-overlay` | a data-directory overlay that replaces a lower layer's |
//!
//! Each is silenced by a comment `galley: allow(NAME, …)` on the reported line or in the
//! comment block directly above it, or by `galley: allow-file(NAME, …)` anywhere in the file
//! (`//` in `.ovl` files, `#` in YAML). `NAME` is the last part of the code or the whole code.

use crate::check::overlay::chain;
use crate::check::{Library, OverlayInfo};
use crate::diag::{Code, Diagnostic};
use crate::ir::{Recipe, ValueTracer};
use crate::resolve::criteria::Query;
use crate::resolve::{Resolver, applied_overlays, literal};
use crate::source::Span;
use crate::syntax::ast::{ComponentStmt, Constraint, Op};
use crate::value::Value;
use galley_syntax::hash::{HashMap, HashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Every lint finding that no comment silences, sorted by place.
pub fn lint(lib: &Library) -> Vec<Diagnostic> {
    lint_with(lib, &Resolver::new(lib))
}

/// [`lint`] with the caller's resolver (which keeps what it resolved; `galley check` lets
/// the process exit free it).
pub fn lint_with<'l>(lib: &'l Library, resolver: &Resolver<'l>) -> Vec<Diagnostic> {
    let places: Places<'_> = lib
        .overlays
        .values()
        .map(|o| (o.name.as_str(), places(o)))
        .collect();
    let (mut out, recipes, failed) = resolve_all(lib, resolver, &places);
    shadowed(lib, &places, &recipes, &mut out);
    no_performance_validation(lib, &recipes, &mut out);
    looser_constraints(lib, &mut out);
    unused_components(lib, &mut out);
    out.extend(crate::check::mixin::unused(&lib.overlays, &lib.mixins));
    out.extend(crate::check::mixin::repeated_blocks(&lib.overlays));
    replaced_overlays(lib, &mut out);
    super::params::unused(&lib.overlays, &lib.mixins, &mut out);
    out.retain(|d| !suppressed(d, &lib.files));
    // Conflicts are errors, which no comment silences.
    out.extend(crate::check::conflicts::report(lib, resolver, &failed));
    out
}

fn query_of(o: &OverlayInfo) -> Query {
    Query {
        values: o.criteria.clone().unwrap_or_default().values,
    }
}

/// The recipe an overlay's chain gives, `base` first (errors are the checker's business).
pub(super) fn chain_recipe(lib: &Library, resolver: &Resolver<'_>, name: &str) -> Option<Recipe> {
    let mut layers: Vec<&OverlayInfo> = chain(name, &lib.overlays);
    layers.reverse();
    let top = layers.last()?;
    resolver.resolve_layers(&layers, &query_of(top)).ok()
}

/// What the lints need of one recipe of the criteria space: which overlays it applies,
/// whether it gates performance, and for every place an applied overlay sets, the overlays
/// that won that path or a path below it.
struct Seen {
    applied: Vec<String>,
    applied_set: HashSet<String>,
    performance_checks: bool,
    winners: HashMap<String, Vec<String>>,
}

/// Value traces by tracer: recipes of one resolver share a component's tracer whenever
/// they share its blocks, so each is traced once. The tracer is kept so that its address,
/// the key, cannot be reused.
type TraceMemo = std::sync::Mutex<HashMap<usize, (Arc<dyn ValueTracer>, Arc<Traces>)>>;
type Traces = BTreeMap<String, crate::ir::Trace>;

/// Every trace under `component.values` in a recipe (`Provenance::under`), memoised.
fn value_traces(recipe: &Recipe, component: &str, memo: &TraceMemo) -> Arc<Traces> {
    let prefix = format!("{component}.values");
    let tracer = recipe.provenance.values.get(component);
    let plain = |p: &String| p != &prefix && !p.starts_with(&format!("{prefix}."));
    let only_tracer = recipe
        .provenance
        .paths
        .range(prefix.clone()..)
        .take_while(|(p, _)| p.starts_with(&prefix))
        .all(|(p, _)| plain(p));
    let (Some(tracer), true) = (tracer, only_tracer) else {
        return Arc::new(recipe.provenance.under(&prefix));
    };
    let key = Arc::as_ptr(tracer) as *const () as usize;
    let hit = match memo.lock() {
        Ok(m) => m.get(&key).map(|e| e.1.clone()),
        Err(_) => None,
    };
    if let Some(hit) = hit {
        return hit;
    }
    let traces = Arc::new(recipe.provenance.under(&prefix));
    if let Ok(mut m) = memo.lock() {
        m.insert(key, (tracer.clone(), traces.clone()));
    }
    traces
}

/// Each overlay's [`places`], by name.
type Places<'l> = HashMap<&'l str, Vec<(&'l str, String, Span, bool)>>;

impl Seen {
    fn of(places: &Places<'_>, recipe: &Recipe, memo: &TraceMemo) -> Seen {
        let mut traces: HashMap<&str, Arc<Traces>> = HashMap::default();
        let mut winners: HashMap<String, Vec<String>> = HashMap::default();
        for set in recipe
            .applied_overlays
            .iter()
            .filter_map(|n| places.get(n.as_str()))
        {
            for (component, path, _, is_value) in set {
                let (component, is_value) = (*component, *is_value);
                if winners.contains_key(path) {
                    continue;
                }
                let below = if is_value {
                    let t = traces
                        .entry(component)
                        .or_insert_with(|| value_traces(recipe, component, memo));
                    winners_at(t, path)
                } else {
                    winners_at(&recipe.provenance.paths, path)
                };
                winners.insert(path.clone(), below);
            }
        }
        Seen {
            applied: recipe.applied_overlays.clone(),
            applied_set: recipe.applied_overlays.iter().cloned().collect(),
            performance_checks: recipe
                .validation
                .performance
                .as_ref()
                .is_some_and(|p| !p.checks.is_empty()),
            winners,
        }
    }
}

/// Every place an overlay sets a component field or an inline value:
/// (component, path, span, whether it is a value path).
fn places(o: &OverlayInfo) -> Vec<(&str, String, Span, bool)> {
    let mut out = Vec::new();
    for c in o.ast.components() {
        let name = c.name.node.as_str();
        for stmt in &c.body {
            if let Some((f, _, span)) = field(stmt) {
                out.push((name, format!("{name}.{f}"), span, false));
            }
            for (keys, _, span) in inline_values(stmt) {
                out.push((
                    name,
                    format!("{name}.values.{}", keys.join(".")),
                    span,
                    true,
                ));
            }
        }
    }
    out
}

/// What the lints resolve, on every core with one shared resolver: one recipe per
/// distinct applied overlay set of the criteria space (in space order), each reduced to
/// what the lints read; and the `no-op` findings, from one walk of the `extends` forest
/// (`check::noop`). Recipes are resolved, read and dropped on the worker threads. The
/// targets that fail to resolve come back as well.
fn resolve_all<'l>(
    lib: &'l Library,
    resolver: &Resolver<'l>,
    places: &Places<'_>,
) -> (Vec<Diagnostic>, Vec<Seen>, Vec<Query>) {
    let mut found = crate::check::noop::no_ops(lib, resolver);
    let targets = match distinct_targets(lib) {
        Ok(targets) => targets,
        Err(too_large) => {
            found.push(too_large);
            Vec::new()
        }
    };
    let memo = TraceMemo::default();
    let done = crate::parallel::map(&targets, |q| match resolver.resolve(q) {
        Ok(r) => Ok(Seen::of(places, &r, &memo)),
        Err(_) => Err(q.clone()),
    });
    let mut seen = Vec::new();
    let mut failed = Vec::new();
    for d in done {
        match d {
            Ok(s) => seen.push(s),
            Err(q) => failed.push(q),
        }
    }
    (found, seen, failed)
}

/// A component field statement as (field, value text).
pub(super) fn field(stmt: &ComponentStmt) -> Option<(&'static str, String, Span)> {
    match stmt {
        ComponentStmt::Source(s) => Some(("source", s.node.clone(), s.span)),
        ComponentStmt::Chart(s) => Some(("chart", s.node.clone(), s.span)),
        ComponentStmt::Version(s) => Some(("version", s.node.clone(), s.span)),
        ComponentStmt::Namespace(s) => Some(("namespace", s.node.clone(), s.span)),
        ComponentStmt::Tag(s) => Some(("tag", s.node.clone(), s.span)),
        ComponentStmt::Path(s) => Some(("path", s.node.clone(), s.span)),
        _ => None,
    }
}

fn component_field(recipe: &Recipe, component: &str, f: &str) -> Option<String> {
    let c = recipe.component(component)?;
    match f {
        "source" => Some(c.source.clone()),
        "chart" => c.chart.clone(),
        "version" => c.version.clone(),
        "namespace" => c.namespace.clone(),
        "tag" => c.tag.clone(),
        "path" => c.path.clone(),
        _ => None,
    }
}

/// Inline values of one component block: (dotted path, value, span).
pub(super) fn inline_values(stmt: &ComponentStmt) -> Vec<(Vec<String>, Value, Span)> {
    match stmt {
        ComponentStmt::Set(block) => block
            .entries
            .iter()
            .map(|e| {
                let keys = e.path.keys().map(String::from).collect();
                (keys, literal(&e.value), e.span)
            })
            .collect(),
        ComponentStmt::Enabled(b) => vec![(vec!["enabled".into()], Value::Bool(b.node), b.span)],
        _ => Vec::new(),
    }
}

/// `want` is already in `have`: equal, or a map whose every entry is.
fn contained(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Map(w), Value::Map(h)) => w
            .iter()
            .all(|(k, v)| h.get(k).is_some_and(|hv| contained(v, hv))),
        _ => want == have,
    }
}

fn value_at<'v>(v: &'v Value, keys: &[String]) -> Option<&'v Value> {
    keys.iter().try_fold(v, |cur, k| cur.as_map()?.get(k))
}

/// `no-op` for one overlay, against the recipe of its parent's chain.
pub(super) fn no_op(o: &OverlayInfo, parent: &str, recipe: &Recipe, out: &mut Vec<Diagnostic>) {
    for c in o.ast.components() {
        let name = &c.name.node;
        let Some(have) = recipe.component(name) else {
            continue;
        };
        for stmt in &c.body {
            if let Some((f, value, span)) = field(stmt)
                && component_field(recipe, name, f).as_deref() == Some(value.as_str())
            {
                out.push(no_op_diag(o, parent, &format!("{name}.{f}"), span));
            }
            for (keys, value, span) in inline_values(stmt) {
                if value_at(&have.values, &keys).is_some_and(|h| contained(&value, h)) {
                    let path = format!("{name}.values.{}", keys.join("."));
                    out.push(no_op_diag(o, parent, &path, span));
                }
            }
        }
    }
}

pub(super) fn no_op_diag(o: &OverlayInfo, parent: &str, path: &str, span: Span) -> Diagnostic {
    Diagnostic::warning(
        Code::LintNoOp,
        format!(
            "`{}` sets `{path}` to the value it already inherits from `{parent}`",
            o.name
        ),
    )
    .with_label(span, "this changes nothing")
    .with_help("remove the statement, or silence this with `// galley: allow(no-op)`")
}

/// For each distinct applied overlay set of the criteria space, the first target in space
/// order that gets it. The applied set follows from the matched set, so targets are grouped
/// by matched set first, which is cheap, and only one target of each group is looked at
/// further.
fn distinct_targets(lib: &Library) -> Result<Vec<Query>, Diagnostic> {
    use crate::author::coverage::{
        DEFAULT_MAX_TARGETS, MatchIndex, positions, query_at, space, space_too_large,
    };
    let space = space(lib);
    if let Some(d) = space_too_large(&space, DEFAULT_MAX_TARGETS, false) {
        return Err(d);
    }
    let index = MatchIndex::new(lib, &space);
    let mut matched_seen = HashSet::default();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for at in positions(&space) {
        if !matched_seen.insert(index.matched(&at)) {
            continue;
        }
        let q = query_at(&space, &at);
        let Ok(applied) = applied_overlays(lib, &q) else {
            continue;
        };
        let key: Vec<String> = applied.iter().map(|o| o.name.clone()).collect();
        if seen.insert(key) {
            out.push(q);
        }
    }
    Ok(out)
}

fn shadowed(lib: &Library, places: &Places<'_>, recipes: &[Seen], out: &mut Vec<Diagnostic>) {
    for o in lib.overlays.values() {
        let applying: Vec<&Seen> = recipes
            .iter()
            .filter(|r| r.applied_set.contains(o.name.as_str()))
            .collect();
        if applying.is_empty() {
            continue;
        }
        for (_, path, span, _) in places.get(o.name.as_str()).into_iter().flatten() {
            let mut winners = BTreeSet::new();
            let mut lost_everywhere = true;
            for r in &applying {
                let below = r.winners.get(path).map_or(&[][..], Vec::as_slice);
                // A value the overlay's own mixin wins with (equal, as the merge checked)
                // is the overlay's own.
                let own = |w: &String| crate::check::mixin::overlay_of(w) == o.name;
                if below.is_empty() || below.iter().any(own) {
                    lost_everywhere = false;
                    break;
                }
                winners.extend(below.iter().cloned());
            }
            if lost_everywhere {
                out.push(shadowed_diag(o, path, *span, &winners, applying.len()));
            }
        }
    }
}

/// The overlays that won `path` or any path below it.
fn winners_at(traces: &BTreeMap<String, crate::ir::Trace>, path: &str) -> Vec<String> {
    let prefix = format!("{path}.");
    let mut out: Vec<String> = traces
        .get(path)
        .map(|t| t.winner.overlay.to_string())
        .into_iter()
        .collect();
    out.extend(
        traces
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(_, t)| t.winner.overlay.to_string()),
    );
    out
}

fn shadowed_diag(
    o: &OverlayInfo,
    path: &str,
    span: Span,
    winners: &BTreeSet<String>,
    recipes: usize,
) -> Diagnostic {
    let by: Vec<String> = winners.iter().map(|w| format!("`{w}`")).collect();
    Diagnostic::warning(
        Code::LintShadowed,
        format!(
            "`{}` sets `{path}`, but every recipe that applies it ({recipes}) takes the value from {}",
            o.name,
            by.join(", ")
        ),
    )
    .with_label(span, "never reaches a recipe")
    .with_help("remove the statement, or move it to the overlays that need it")
}

/// Every leaf's exact target is in the space, so its recipe is the one resolved for its
/// applied overlay set.
fn no_performance_validation(lib: &Library, recipes: &[Seen], out: &mut Vec<Diagnostic>) {
    let parents: BTreeSet<&str> = lib
        .overlays
        .values()
        .filter_map(|o| o.parent.as_deref())
        .collect();
    for o in lib.overlays.values() {
        let Some(crit) = &o.criteria else { continue };
        let intent = crit.values.get("intent").map(String::as_str);
        if parents.contains(o.name.as_str()) || !matches!(intent, Some("training" | "inference")) {
            continue;
        }
        let Ok(applied) = applied_overlays(lib, &query_of(o)) else {
            continue;
        };
        let Some(recipe) = recipes.iter().find(|r| {
            r.applied.len() == applied.len()
                && r.applied.iter().zip(&applied).all(|(a, b)| *a == b.name)
        }) else {
            continue;
        };
        if !recipe.performance_checks {
            out.push(
                Diagnostic::warning(
                    Code::LintNoPerformanceValidation,
                    format!(
                        "the {} recipe `{}` has no performance validation",
                        intent.unwrap_or_default(),
                        o.name
                    ),
                )
                .with_label(o.ast.name.span, "no `validate performance` with checks applies here")
                .with_help("add `validate performance { checks … }` so the recipe's performance is gated, or say why not with `// galley: allow(no-performance-validation)`"),
            );
        }
    }
}

/// `a` is looser than `b` (both bounds in the same direction).
fn looser(a: &Constraint, b: &Constraint) -> bool {
    let order = |x: &str, y: &str| {
        use crate::version::ClusterVersion as V;
        match (V::parse(x), V::parse(y)) {
            (Some(p), Some(q)) => Some(p.cmp_numeric(&q)),
            _ => x.parse::<f64>().ok()?.partial_cmp(&y.parse::<f64>().ok()?),
        }
    };
    let Some(ord) = order(&a.value.node, &b.value.node) else {
        return false;
    };
    use std::cmp::Ordering::*;
    match (a.op.node, b.op.node) {
        (Op::Ge | Op::Gt, Op::Ge | Op::Gt) => {
            ord == Less || (ord == Equal && a.op.node == Op::Ge && b.op.node == Op::Gt)
        }
        (Op::Le | Op::Lt, Op::Le | Op::Lt) => {
            ord == Greater || (ord == Equal && a.op.node == Op::Le && b.op.node == Op::Lt)
        }
        _ => false,
    }
}

/// An overlay's constraints: its own, then its mixins' (which rank with it).
fn requires<'l>(lib: &'l Library, o: &'l OverlayInfo) -> Vec<&'l Constraint> {
    let mixins = o.mixins.iter().filter_map(|m| lib.mixins.get(m));
    std::iter::once(&o.ast.body)
        .chain(mixins.map(|m| &m.ast.body))
        .flat_map(|body| {
            body.iter().filter_map(|s| match s {
                crate::syntax::ast::OverlayStmt::Require(c) => Some(c),
                _ => None,
            })
        })
        .collect()
}

/// Per overlay, the nearest ancestor's constraint of each name it inherits; each overlay's
/// table is built once from its parent's (names come from the measurement catalog).
type Inherited<'l> = HashMap<String, (&'l OverlayInfo, &'l Constraint)>;

fn inherited_constraints(lib: &Library) -> HashMap<&str, Arc<Inherited<'_>>> {
    let mut memo: HashMap<&str, Arc<Inherited<'_>>> = HashMap::default();
    for o in lib.overlays.values() {
        // The ancestors without a table yet, nearest first.
        let mut todo: Vec<&OverlayInfo> = Vec::new();
        let mut cur = Some(o);
        while let Some(x) = cur.filter(|x| !memo.contains_key(x.name.as_str())) {
            if todo.iter().any(|t| t.name == x.name) {
                break;
            }
            todo.push(x);
            cur = x.parent.as_deref().and_then(|p| lib.overlays.get(p));
        }
        for x in todo.into_iter().rev() {
            let parent = x.parent.as_deref().and_then(|p| lib.overlays.get(p));
            let mut table: Inherited<'_> = parent
                .and_then(|p| memo.get(p.name.as_str()))
                .map(|t| (**t).clone())
                .unwrap_or_default();
            if let Some(p) = parent {
                for c in requires(lib, p) {
                    table.insert(c.path.aicr_name(), (p, c));
                }
            }
            memo.insert(x.name.as_str(), Arc::new(table));
        }
    }
    memo
}

fn looser_constraints(lib: &Library, out: &mut Vec<Diagnostic>) {
    let inherited_by = inherited_constraints(lib);
    for o in lib.overlays.values() {
        let Some(table) = inherited_by.get(o.name.as_str()) else {
            continue;
        };
        for c in requires(lib, o) {
            let name = c.path.aicr_name();
            if let Some(&(a, p)) = table.get(&name)
                && looser(c, p)
            {
                out.push(
                    Diagnostic::warning(
                        Code::LintLooserConstraint,
                        format!(
                            "`{}` requires `{name} {} {}`, looser than `{} {}` from `{}`",
                            o.name,
                            c.op.node.as_str(),
                            c.value.node,
                            p.op.node.as_str(),
                            p.value.node,
                            a.name
                        ),
                    )
                    .with_label(c.span, "looser than the inherited bound")
                    .with_label(p.span, "the inherited bound")
                    .with_help("a more specific overlay replaces the constraint whole; tighten it, or remove it to inherit"),
                );
            }
        }
    }
}

fn unused_components(lib: &Library, out: &mut Vec<Diagnostic>) {
    let used: BTreeSet<&str> = lib
        .overlays
        .values()
        .flat_map(|o| o.ast.components().map(|c| c.name.node.as_str()))
        .chain(lib.mixins.values().flat_map(|m| {
            m.ast.body.iter().filter_map(|s| match s {
                crate::syntax::ast::OverlayStmt::Component(c) => Some(c.name.node.as_str()),
                _ => None,
            })
        }))
        .collect();
    for c in lib.stdlib.registry.values() {
        if !used.contains(c.name.as_str()) {
            out.push(
                Diagnostic::warning(
                    Code::LintUnusedComponent,
                    format!("registry component `{}` is in no recipe", c.name),
                )
                .with_label(c.span, "no overlay references it")
                .with_help("reference it from an overlay, or remove it from the registry"),
            );
        }
    }
}

fn replaced_overlays(lib: &Library, out: &mut Vec<Diagnostic>) {
    // (name, the replaced span, the replacing span), as `layer_by_name` records them.
    for (name, old, new) in &lib.summary.replaced_overlays {
        let lower = if lib.data.roots.iter().any(|r| r.embedded) {
            "an embedded overlay"
        } else {
            "a lower layer's overlay"
        };
        out.push(
            Diagnostic::warning(
                Code::LintReplacedOverlay,
                format!("overlay `{name}` replaces {lower} of the same name"),
            )
            .with_label(*new, "this definition wins")
            .with_label(*old, "replaced")
            .with_help("rename the overlay to add one, or silence this with `// galley: allow(replaced-overlay)` where replacing is the point"),
        );
    }
}

pub use crate::check::suppress::suppressed;
