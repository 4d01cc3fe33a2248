//! Parameters of a resolved recipe: the applied overlays' declarations, the values given
//! (`--param`, then a criteria file's `params:`, then the default), each checked against
//! its type and bound, and every `$NAME` of the recipe replaced by its value.
//!
//! The checker has made sure every `$NAME` an overlay writes is declared by the overlay or
//! one it extends, so every reference of a resolved recipe has a declaration here.

use crate::check::Library;
use crate::diag::{Code, Diagnostic, suggestion};
use crate::ir::{Constraint, Recipe};
use crate::params::{self, Given, Misfit, Setting, Source};
use crate::syntax::ast::{ParamDecl, param_ref};
use crate::value::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Check `given` against the parameters `recipe`'s overlays declare, record every parameter
/// in `recipe.params` and replace its references. Every problem is reported at once.
pub fn apply(lib: &Library, recipe: &mut Recipe, given: &[Given]) -> Result<(), Vec<Diagnostic>> {
    let declared: BTreeMap<&str, (&ParamDecl, &str)> = recipe
        .applied_overlays
        .iter()
        .filter_map(|name| lib.overlays.get(name))
        .flat_map(|o| {
            o.ast
                .params()
                .map(move |d| (d.name.node.as_str(), (d, o.name.as_str())))
        })
        .collect();
    let mut errors = Vec::new();
    // Lowest precedence first: a later value for a name replaces an earlier one.
    let mut chosen: BTreeMap<&str, &Given> = BTreeMap::new();
    let mut ordered: Vec<&Given> = given.iter().collect();
    ordered.sort_by_key(|g| g.source);
    for g in ordered {
        if declared.contains_key(g.name.as_str()) {
            chosen.insert(&g.name, g);
        } else {
            errors.push(unknown(lib, g, declared.keys().copied()));
        }
    }
    let mut settings = Vec::new();
    for (name, (decl, overlay)) in &declared {
        let (text, source) = match (chosen.get(name), default_text(decl)) {
            (Some(g), _) => (g.text.clone(), g.source),
            (None, Some(text)) => (text, Source::Default),
            (None, None) => {
                errors.push(missing(decl, overlay));
                continue;
            }
        };
        match params::read(decl, &text) {
            Ok(value) => settings.push(Setting {
                name: name.to_string(),
                ty: decl.ty.node.as_str().to_string(),
                value,
                source,
                overlay: overlay.to_string(),
            }),
            Err(m) => errors.push(misfit(decl, &text, source, m)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if !settings.is_empty() {
        substitute(recipe, &settings);
        recipe.params = settings;
    }
    Ok(())
}

/// A declaration's default as text (`None` without one).
pub fn default_text(decl: &ParamDecl) -> Option<String> {
    let v = decl.default.as_ref()?;
    match &v.kind {
        crate::syntax::ast::ValueKind::String(s) => Some(s.clone()),
        crate::syntax::ast::ValueKind::Int(i) => Some(i.to_string()),
        crate::syntax::ast::ValueKind::Bool(b) => Some(b.to_string()),
        crate::syntax::ast::ValueKind::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

fn where_from(source: Source) -> &'static str {
    match source {
        Source::Default => "the default",
        Source::CriteriaFile => "the criteria file's `params`",
        Source::Flag => "--param",
    }
}

fn unknown<'a>(
    lib: &Library,
    g: &Given,
    here: impl Iterator<Item = &'a str> + Clone,
) -> Diagnostic {
    let elsewhere = lib
        .overlays
        .values()
        .find(|o| o.ast.params().any(|d| d.name.node == g.name));
    let d = Diagnostic::error(
        Code::ParamUnknown,
        format!(
            "{} sets parameter `{}`, which no overlay of this target declares",
            where_from(g.source),
            g.name
        ),
    );
    match elsewhere {
        Some(o) => d.with_help(format!(
            "`{}` is declared by overlay `{}`, which this target does not apply; {}",
            g.name,
            o.name,
            suggestion(&g.name, here)
        )),
        None => d.with_help(suggestion(&g.name, here)),
    }
}

fn missing(decl: &ParamDecl, overlay: &str) -> Diagnostic {
    Diagnostic::error(
        Code::ParamMissing,
        format!(
            "parameter `{}` of overlay `{overlay}` has no default and is not set",
            decl.name.node
        ),
    )
    .with_label(decl.name.span, "declared here")
    .with_help(format!(
        "set it with `--param {}=VALUE` or in the criteria file's `spec.params`",
        decl.name.node
    ))
}

fn misfit(decl: &ParamDecl, text: &str, source: Source, m: Misfit) -> Diagnostic {
    let (code, what, help) = match m {
        Misfit::Type(want) => (
            Code::ParamType,
            format!("does not read as type `{}`", decl.ty.node.as_str()),
            format!("write {want}"),
        ),
        Misfit::Range(allowed) => (
            Code::ParamRange,
            "is out of range".to_string(),
            format!("allowed: {allowed}"),
        ),
    };
    Diagnostic::error(
        code,
        format!(
            "`{text}` from {} for parameter `{}` {what}",
            where_from(source),
            decl.name.node
        ),
    )
    .with_label(decl.span, "declared here")
    .with_help(help)
}

/// Replace every `$NAME` of the recipe (values, constraints, node selectors) and fold the
/// parameters into the fingerprint.
fn substitute(recipe: &mut Recipe, settings: &[Setting]) {
    let by_name: BTreeMap<&str, &Value> = settings
        .iter()
        .map(|s| (s.name.as_str(), &s.value))
        .collect();
    for c in &mut recipe.components {
        for slot in [&mut c.values, &mut c.overrides] {
            let mut v = Value::clone(slot);
            if replace(&mut v, &by_name) {
                *slot = Arc::new(v);
            }
        }
    }
    let text = |name: &str| by_name.get(name).and_then(|v| params::scalar_text(v));
    recipe
        .constraints
        .iter_mut()
        .for_each(|c| constraint(c, &text));
    let v = &mut recipe.validation;
    for phase in [
        &mut v.readiness,
        &mut v.deployment,
        &mut v.performance,
        &mut v.conformance,
    ]
    .into_iter()
    .flatten()
    {
        phase
            .constraints
            .iter_mut()
            .for_each(|c| constraint(c, &text));
        if let Some(sel) = &mut phase.node_selection {
            for value in sel.selector.values_mut() {
                if let Some(t) = param_ref(value).and_then(text) {
                    *value = t;
                }
            }
        }
    }
    let mut h = Sha256::new();
    h.update(recipe.fingerprint.as_bytes());
    for s in settings {
        h.update(format!(
            "\0{}={}",
            s.name,
            params::scalar_text(&s.value).unwrap_or_default()
        ));
    }
    recipe.fingerprint = crate::ir::read::hex(&h.finalize());
}

/// A constraint's value is `OP VALUE` or a bare `VALUE`; a `$NAME` value is replaced.
fn constraint(c: &mut Constraint, text: &impl Fn(&str) -> Option<String>) {
    let (op, rhs) = match c.value.rsplit_once(' ') {
        Some((op, rhs)) => (Some(op), rhs),
        None => (None, c.value.as_str()),
    };
    if let Some(t) = param_ref(rhs).and_then(text) {
        c.value = match op {
            Some(op) => format!("{op} {t}"),
            None => t,
        };
    }
}

fn replace(v: &mut Value, by_name: &BTreeMap<&str, &Value>) -> bool {
    match v {
        Value::String(s) => match param_ref(s).and_then(|n| by_name.get(n)) {
            Some(new) => {
                *v = Value::clone(new);
                true
            }
            None => false,
        },
        Value::List(items) => items
            .iter_mut()
            .fold(false, |any, i| replace(i, by_name) | any),
        Value::Map(m) => m
            .values_mut()
            .fold(false, |any, i| replace(i, by_name) | any),
        _ => false,
    }
}
