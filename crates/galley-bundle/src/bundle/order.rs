//! The deployment order over the enabled components and the waves it gives.

use crate::diag::{Code, Diagnostic};
use crate::ir::Recipe;
use std::collections::{BTreeMap, BTreeSet};

/// The recipe's deployment order over the enabled components, re-validated: a recipe file
/// may have been edited by hand, so the dependencies are checked again (known, acyclic)
/// and the order is recomputed the reference's way (the smallest topological order).
pub(super) fn order(
    recipe: &Recipe,
    enabled: &BTreeSet<&str>,
) -> Result<Vec<String>, Vec<Diagnostic>> {
    unknown_dependencies(recipe)?;
    let comps: Vec<_> = recipe
        .components
        .iter()
        .filter(|c| enabled.contains(c.name.as_str()))
        .cloned()
        .map(|mut c| {
            c.dependency_refs.retain(|d| enabled.contains(d.as_str()));
            c
        })
        .collect();
    let order =
        crate::resolve::order::deployment_order(&comps, &Default::default()).map_err(|ds| {
            ds.into_iter()
                .map(|mut d| {
                    d.code = Code::BundleOrder;
                    d.labels.clear();
                    d
                })
                .collect::<Vec<_>>()
        })?;
    given_order(recipe, enabled, &comps, order)
}

/// Every dependency names a component of the recipe.
fn unknown_dependencies(recipe: &Recipe) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for c in &recipe.components {
        for dep in &c.dependency_refs {
            if recipe.component(dep).is_none() {
                errors.push(Diagnostic::error(
                    Code::BundleOrder,
                    format!(
                        "`{}` needs `{dep}`, which the recipe does not include",
                        c.name
                    ),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The recipe's own `deploymentOrder` where it lists every enabled component once and
/// respects every edge of `comps` (the enabled components); `computed` otherwise.
fn given_order(
    recipe: &Recipe,
    enabled: &BTreeSet<&str>,
    comps: &[crate::ir::Component],
    computed: Vec<String>,
) -> Result<Vec<String>, Vec<Diagnostic>> {
    let given: Vec<&String> = recipe
        .deployment_order
        .iter()
        .filter(|n| enabled.contains(n.as_str()))
        .collect();
    if given.is_empty()
        || given
            .iter()
            .map(|s| s.as_str())
            .eq(computed.iter().map(String::as_str))
    {
        return Ok(computed);
    }
    let known: BTreeSet<&str> = given.iter().map(|s| s.as_str()).collect();
    // Each enabled component exactly once: a list with repeats is not an order.
    let complete = given.len() == computed.len() && known.len() == computed.len();
    if !complete {
        return Ok(computed);
    }
    // The same components in another order: fine only if it respects every edge.
    let pos: BTreeMap<&str, usize> = given
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    for c in comps {
        for dep in &c.dependency_refs {
            if pos[dep.as_str()] > pos[c.name.as_str()] {
                return Err(vec![Diagnostic::error(
                    Code::BundleOrder,
                    format!(
                        "`deploymentOrder` puts `{}` before `{dep}`, which it needs",
                        c.name
                    ),
                )]);
            }
        }
    }
    Ok(given.into_iter().cloned().collect())
}

/// Each component's dependency depth (its wave): 0 for one that needs nothing enabled.
pub(super) fn depths(
    recipe: &Recipe,
    order: &[String],
    enabled: &BTreeSet<&str>,
) -> BTreeMap<String, usize> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for name in order {
        let depth = recipe
            .component(name)
            .map(|c| {
                c.dependency_refs
                    .iter()
                    .filter(|d| enabled.contains(d.as_str()))
                    .filter_map(|d| out.get(d))
                    .map(|d| d + 1)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        out.insert(name.clone(), depth);
    }
    out
}
