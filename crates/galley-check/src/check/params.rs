//! Parameters: each declaration fits its type (default, range, set), a name is declared once
//! in the library, and every `$NAME` an overlay writes names a parameter of the overlay or
//! of an overlay it extends, so a parameter is always declared where it is used.

use crate::check::mixin::MixinInfo;
use crate::check::overlay::OverlayInfo;
use crate::check::stdlib::Stdlib;
use crate::diag::{Code, Diagnostic, Diagnostics, suggestion};
use crate::params::{self, Misfit};
use crate::source::Span;
use crate::syntax::ast::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// A `param` written in a mixin: parameters are declared by overlays (docs/language.md,
/// "Parameters"); a mixin's declaration would be in scope nowhere, so it is refused rather
/// than ignored.
pub fn in_mixins(mixins: &BTreeMap<String, super::mixin::MixinInfo>, diags: &mut Diagnostics) {
    for m in mixins.values() {
        for stmt in &m.ast.body {
            if let crate::syntax::ast::OverlayStmt::Param(d) = stmt {
                diags.push(
                    Diagnostic::error(
                        Code::ParamDecl,
                        format!(
                            "parameter `{}` is declared in mixin `{}`; mixins cannot declare parameters",
                            d.name.node, m.name
                        ),
                    )
                    .with_label(d.span, "declared in a mixin")
                    .with_help(
                        "declare the parameter in an overlay that includes the mixin",
                    ),
                );
            }
        }
    }
}

/// Check every declaration and every reference of the library's overlays. Linear in the
/// library: a reference is checked against the one declaration of its name with an
/// ancestor test on the `extends` tree, never by walking the chain.
pub fn check(
    overlays: &BTreeMap<String, OverlayInfo>,
    mixins: &BTreeMap<String, MixinInfo>,
    stdlib: &Stdlib,
    diags: &mut Diagnostics,
) {
    // Each name's first declaration, and the overlay that makes it.
    let mut first: BTreeMap<&str, (&ParamDecl, &str)> = BTreeMap::new();
    for o in overlays.values() {
        for d in o.ast.params() {
            if let Some((at, _)) = first.get(d.name.node.as_str()) {
                diags.push(
                    Diagnostic::error(
                        Code::ParamDecl,
                        format!("parameter `{}` is declared twice", d.name.node),
                    )
                    .with_label(d.name.span, "again here")
                    .with_label(at.name.span, "first here")
                    .with_help("declare it once, in the overlay every user of it extends"),
                );
            } else {
                first.insert(&d.name.node, (d, &o.name));
            }
            declaration(d, diags);
        }
    }
    if first.is_empty()
        && overlays.values().all(|o| references(&o.ast).is_empty())
        && mixins
            .values()
            .all(|m| references_in(&m.ast.body).is_empty())
    {
        return;
    }
    let tree = Tree::new(overlays);
    let mut reported = HashSet::new();
    for o in overlays.values() {
        let in_scope = |name: &str| {
            first
                .get(name)
                .filter(|(_, by)| tree.is_ancestor(by, &o.name))
                .map(|(d, _)| *d)
        };
        constraint_types(&o.ast, &in_scope, stdlib, diags);
        for (name, span) in references(&o.ast) {
            if in_scope(name).is_none() {
                let help = match first.get(name) {
                    Some((_, by)) => format!(
                        "`{name}` is declared by overlay `{by}`, which `{}` does not extend; declare it in an overlay both extend",
                        o.name
                    ),
                    None => format!(
                        "declare it with `param {name}: TYPE` in this overlay or one it extends; {}",
                        suggestion(name, first.keys().copied())
                    ),
                };
                diags.push(
                    Diagnostic::error(
                        Code::ParamUnknown,
                        format!(
                            "overlay `{}` refers to an undeclared parameter `{name}`",
                            o.name
                        ),
                    )
                    .with_label(span, "no such parameter here")
                    .with_help(help),
                );
            }
        }
        mixin_references(o, mixins, &|n| in_scope(n).is_some(), &mut reported, diags);
    }
}

/// A `$NAME` written in a mixin must be a parameter of every overlay that includes the mixin
/// (declared by it or one it extends): the mixin's values land in that overlay's recipes.
/// Each (mixin, name) is reported once, at the first including overlay that lacks it.
fn mixin_references<'a>(
    o: &OverlayInfo,
    mixins: &'a BTreeMap<String, MixinInfo>,
    in_scope: &dyn Fn(&str) -> bool,
    reported: &mut HashSet<(&'a str, &'a str)>,
    diags: &mut Diagnostics,
) {
    for m in o.mixins.iter().filter_map(|m| mixins.get(m)) {
        for (name, span) in references_in(&m.ast.body) {
            if in_scope(name) || !reported.insert((m.name.as_str(), name)) {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    Code::ParamUnknown,
                    format!(
                        "mixin `{}` refers to parameter `{name}`, which overlay `{}` (that includes it) does not declare",
                        m.name, o.name
                    ),
                )
                .with_label(span, "no such parameter for this overlay")
                .with_help(format!(
                    "declare it with `param {name}: TYPE` in `{}` or an overlay it extends; every overlay that includes `{}` needs it",
                    o.name, m.name
                )),
            );
        }
    }
}

/// The `extends` tree numbered in one depth-first walk: `a` is an ancestor of `b` (or `b`
/// itself) when `b`'s interval lies inside `a`'s. Overlays in an `extends` cycle (an error
/// of its own) are in no interval.
struct Tree<'a> {
    interval: HashMap<&'a str, (usize, usize)>,
}

impl<'a> Tree<'a> {
    fn new(overlays: &'a BTreeMap<String, OverlayInfo>) -> Self {
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut roots = Vec::new();
        for o in overlays.values() {
            match o.parent.as_deref().filter(|p| overlays.contains_key(*p)) {
                Some(p) => children.entry(p).or_default().push(&o.name),
                None => roots.push(o.name.as_str()),
            }
        }
        let mut interval: HashMap<&str, (usize, usize)> = HashMap::new();
        let mut clock = 0;
        // (overlay, whether its children were pushed)
        let mut stack: Vec<(&str, bool)> = roots.into_iter().rev().map(|r| (r, false)).collect();
        while let Some((name, done)) = stack.pop() {
            if done {
                if let Some(e) = interval.get_mut(name) {
                    *e = (e.0, clock);
                }
                continue;
            }
            interval.insert(name, (clock, clock));
            clock += 1;
            stack.push((name, true));
            for c in children.get(name).into_iter().flatten().rev() {
                stack.push((c, false));
            }
        }
        Tree { interval }
    }

    fn is_ancestor(&self, a: &str, b: &str) -> bool {
        match (self.interval.get(a), self.interval.get(b)) {
            (Some(&(ai, ao)), Some(&(bi, bo))) => ai <= bi && bo <= ao,
            _ => false,
        }
    }
}

/// A `$NAME` on the right of a constraint has a type the measurement can be compared with.
fn constraint_types<'d>(
    o: &Overlay,
    declared: &impl Fn(&str) -> Option<&'d ParamDecl>,
    stdlib: &Stdlib,
    diags: &mut Diagnostics,
) {
    let phases = o.phases().flat_map(|p| {
        p.body.iter().filter_map(|s| match s {
            PhaseStmt::Require(c) => Some(c),
            _ => None,
        })
    });
    for c in o.constraints().chain(phases) {
        let Some(d) = param_ref(&c.value.node).and_then(declared) else {
            continue;
        };
        let keys: Vec<&str> = c.path.segments.iter().map(|s| s.node.as_str()).collect();
        let Some(m) = stdlib.catalog.lookup(&keys) else {
            continue; // reported as an unknown measurement
        };
        let fits = match m.ty {
            MeasureType::Version => d.ty.node == ParamType::Version,
            MeasureType::Int | MeasureType::Number => d.ty.node == ParamType::Int,
            MeasureType::Bool => d.ty.node == ParamType::Bool,
            MeasureType::String => c.op.node == Op::Exact || !c.op.node.is_ordering(),
        } || (c.op.node == Op::Exact && m.ty != MeasureType::Bool);
        if !fits {
            diags.push(
                Diagnostic::error(
                    Code::ConstraintValue,
                    format!(
                        "parameter `{}` has type `{}`, which a {} measurement is not compared with",
                        d.name.node,
                        d.ty.node.as_str(),
                        m.ty.as_str()
                    ),
                )
                .with_label(c.value.span, "this parameter")
                .with_label(d.ty.span, "its type")
                .with_help(
                    "give the parameter the measurement's type, or compare with another parameter",
                ),
            );
        }
    }
}

/// `galley::lint::unused-param`: parameters that no overlay refers to.
pub fn unused(
    overlays: &BTreeMap<String, OverlayInfo>,
    mixins: &BTreeMap<String, MixinInfo>,
    out: &mut Vec<Diagnostic>,
) {
    let used: BTreeSet<&str> = overlays
        .values()
        .flat_map(|o| references(&o.ast).into_iter().map(|(n, _)| n))
        .chain(
            mixins
                .values()
                .flat_map(|m| references_in(&m.ast.body).into_iter().map(|(n, _)| n)),
        )
        .collect();
    for o in overlays.values() {
        for d in o
            .ast
            .params()
            .filter(|d| !used.contains(d.name.node.as_str()))
        {
            out.push(
                Diagnostic::warning(
                    Code::LintUnusedParam,
                    format!("parameter `{}` is never referred to", d.name.node),
                )
                .with_label(d.name.span, "no value or constraint says `$` and this name")
                .with_help(format!(
                    "use it as `${}` in a value or a constraint, or remove the declaration",
                    d.name.node
                )),
            );
        }
    }
}

/// Every `$NAME` of an overlay: in `set` values, node selectors and constraint values.
pub fn references(o: &Overlay) -> Vec<(&str, Span)> {
    references_in(&o.body)
}

/// Every `$NAME` reference of a block of overlay statements (an overlay's or a mixin's).
pub fn references_in(body: &[OverlayStmt]) -> Vec<(&str, Span)> {
    let mut out = Vec::new();
    for stmt in body {
        match stmt {
            OverlayStmt::Require(c) => constraint(c, &mut out),
            OverlayStmt::Component(c) => {
                for s in &c.body {
                    if let ComponentStmt::Set(block) = s {
                        block.entries.iter().for_each(|a| value(&a.value, &mut out));
                    }
                }
            }
            OverlayStmt::Validate(p) => {
                for s in &p.body {
                    match s {
                        PhaseStmt::Require(c) => constraint(c, &mut out),
                        PhaseStmt::NodeSelector(a) => value(&a.value, &mut out),
                        _ => {}
                    }
                }
            }
            OverlayStmt::When(_) | OverlayStmt::Param(_) => {}
        }
    }
    out
}

fn constraint<'a>(c: &'a Constraint, out: &mut Vec<(&'a str, Span)>) {
    if let Some(name) = param_ref(&c.value.node) {
        out.push((name, c.value.span));
    }
}

fn value<'a>(v: &'a Value, out: &mut Vec<(&'a str, Span)>) {
    match &v.kind {
        ValueKind::String(s) => {
            if let Some(name) = param_ref(s) {
                out.push((name, v.span));
            }
        }
        ValueKind::List(items) => items.iter().for_each(|i| value(i, out)),
        ValueKind::Map(entries) => entries.iter().for_each(|a| value(&a.value, out)),
        _ => {}
    }
}

/// A declaration's bound and default fit its type (the default is read against a bound
/// only when the bound itself is well formed).
fn declaration(d: &ParamDecl, diags: &mut Diagnostics) {
    let before = diags.len();
    bound(d, diags);
    if let (Some(v), true) = (&d.default, diags.len() == before) {
        default(d, v, diags);
    }
}

fn bound(d: &ParamDecl, diags: &mut Diagnostics) {
    let ty = d.ty.node;
    let bad = |span: Span, message: String, help: String| {
        Diagnostic::error(Code::ParamDecl, message)
            .with_label(span, "here")
            .with_help(help)
    };
    match &d.bound {
        None if ty == ParamType::Enum => diags.push(bad(
            d.ty.span,
            format!("enum parameter `{}` lists no values", d.name.node),
            "list them: `enum in [a, b]`".into(),
        )),
        Some(ParamBound::Range { span, .. }) if !params::ordered(ty) => diags.push(bad(
            *span,
            format!("a `{}` parameter has no order, so no range", ty.as_str()),
            "give a set instead: `in [a, b]`".into(),
        )),
        Some(ParamBound::Range { lo, hi, .. }) => range(d, lo, hi, diags),
        Some(ParamBound::Set { items, .. }) => {
            for i in items
                .iter()
                .filter(|i| params::typed(ty, &i.node).is_none())
            {
                diags.push(bad(
                    i.span,
                    format!("`{}` is not a value of type `{}`", i.node, ty.as_str()),
                    format!("write {}", params::describe(ty)),
                ));
            }
        }
        None => {}
    }
}

fn range(d: &ParamDecl, lo: &Str, hi: &Str, diags: &mut Diagnostics) {
    let ty = d.ty.node;
    for end in [lo, hi] {
        if params::typed(ty, &end.node).is_none() {
            diags.push(
                Diagnostic::error(
                    Code::ParamDecl,
                    format!(
                        "range end `{}` is not a value of type `{}`",
                        end.node,
                        ty.as_str()
                    ),
                )
                .with_label(end.span, "here")
                .with_help(format!("write {}", params::describe(ty))),
            );
            return;
        }
    }
    if params::compare(ty, &lo.node, &hi.node) == Some(std::cmp::Ordering::Greater) {
        diags.push(
            Diagnostic::error(
                Code::ParamDecl,
                format!(
                    "the range of `{}` is empty: `{}` is above `{}`",
                    d.name.node, lo.node, hi.node
                ),
            )
            .with_label(lo.span, "the lower end")
            .with_help("write the lower end first: `in LO..=HI`"),
        );
    }
}

fn default(d: &ParamDecl, v: &Value, diags: &mut Diagnostics) {
    let text = match &v.kind {
        ValueKind::String(s) if param_ref(s).is_none() => s.clone(),
        ValueKind::Int(i) => i.to_string(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Float(f) => f.to_string(),
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::ParamDecl,
                    format!("the default of `{}` is not a single value", d.name.node),
                )
                .with_label(v.span, "here")
                .with_help(format!("write {}", params::describe(d.ty.node))),
            );
            return;
        }
    };
    let (code, why) = match params::read(d, &text) {
        Ok(_) => return,
        Err(Misfit::Type(want)) => (Code::ParamType, format!("write {want}")),
        Err(Misfit::Range(allowed)) => (Code::ParamRange, format!("allowed: {allowed}")),
    };
    diags.push(
        Diagnostic::error(
            code,
            format!(
                "the default `{text}` does not fit parameter `{}`",
                d.name.node
            ),
        )
        .with_label(v.span, "here")
        .with_help(why),
    );
}
