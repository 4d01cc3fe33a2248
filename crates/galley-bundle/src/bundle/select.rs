//! Which components go into the bundle: `--set` flags by component, the enable filter,
//! the dependencies of what stays, and the registry's bundle checks.

use super::Options;
use super::flags::SetFlag;
use crate::check::Library;
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::ir::Recipe;
use crate::syntax::ast::RegistryStmt;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `--set` flags by the component they name (its own name or a registry alias; flags under
/// several of its names all apply, in command-line order).
pub(super) fn group_sets<'a>(
    lib: &Library,
    recipe: &Recipe,
    sets: &'a [SetFlag],
    errors: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<&'a SetFlag>> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for c in &recipe.components {
        names.insert(c.name.clone(), c.name.clone());
        if let Some(reg) = lib.stdlib.registry.get(&c.name) {
            for alias in reg.aliases() {
                names
                    .entry(alias.node.clone())
                    .or_insert_with(|| c.name.clone());
            }
        }
    }
    let mut out: BTreeMap<String, Vec<&SetFlag>> = BTreeMap::new();
    for s in sets {
        match names.get(&s.component) {
            Some(name) => out.entry(name.clone()).or_default().push(s),
            None => {
                let hint = did_you_mean(&s.component, names.keys().map(String::as_str))
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                errors.push(
                    Diagnostic::error(
                        Code::BundleUnknownComponent,
                        format!("`{}`: the recipe has no component `{}`", s.raw, s.component),
                    )
                    .with_help(format!(
                        "{hint}the recipe's components: {}",
                        recipe
                            .components
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
    }
    out
}

/// Which components stay: `--set NAME:enabled=BOOL` beats the values' `enabled`.
pub(super) fn enabled_set<'r>(
    recipe: &'r Recipe,
    sets: &BTreeMap<String, Vec<&SetFlag>>,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> BTreeSet<&'r str> {
    let mut out = BTreeSet::new();
    for c in &recipe.components {
        let mut on = c.enabled();
        for s in sets.get(&c.name).into_iter().flatten() {
            if s.path.len() == 1 && s.path[0] == "enabled" {
                match s.typed(None) {
                    Ok(Value::Bool(b)) => on = b,
                    _ => errors.push(Diagnostic::error(
                        Code::BundleFlag,
                        format!("`{}`: `enabled` takes true or false", s.raw),
                    )),
                }
            }
        }
        if on {
            out.insert(c.name.as_str());
        } else {
            warnings.push(Diagnostic::warning(
                Code::BundleDisabled,
                format!("`{}` is disabled and left out of the bundle", c.name),
            ));
        }
    }
    out
}

/// Dropping a component others need is an error unless they are dropped too.
pub(super) fn disabled_dependencies(
    recipe: &Recipe,
    enabled: &BTreeSet<&str>,
    errors: &mut Vec<Diagnostic>,
) {
    for c in &recipe.components {
        if !enabled.contains(c.name.as_str()) {
            continue;
        }
        for dep in &c.dependency_refs {
            if recipe.component(dep).is_some() && !enabled.contains(dep.as_str()) {
                errors.push(
                    Diagnostic::error(
                        Code::BundleDisabled,
                        format!("`{}` needs `{dep}`, which is disabled", c.name),
                    )
                    .with_help(format!(
                        "enable `{dep}` again, or disable `{}` too (`--set {}:enabled=false`)",
                        c.name, c.name
                    )),
                );
            }
        }
    }
}

/// The registry's `bundle-check`s: conditions OR-matched against the criteria; `error`
/// severity blocks the bundle, anything else is a warning.
pub(super) fn run_bundle_checks(
    lib: &Library,
    recipe: &Recipe,
    opts: &Options,
    enabled: &BTreeSet<&str>,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    for name in enabled {
        let Some(reg) = lib.stdlib.registry.get(*name) else {
            continue;
        };
        for stmt in &reg.decl.body {
            let RegistryStmt::BundleCheck(check) = stmt else {
                continue;
            };
            let applies = check.conditions.is_empty()
                || check.conditions.iter().any(|(dim, values)| {
                    let v = recipe.criteria.get(&dim.node);
                    values.iter().any(|x| x.node == v)
                });
            if !applies {
                continue;
            }
            let missing = match check.function.node.as_str() {
                "CheckWorkloadSelectorMissing" => opts.workload_selector.is_empty(),
                "CheckAcceleratedSelectorMissing" => opts.accelerated_selector.is_empty(),
                _ => false,
            };
            if !missing {
                continue;
            }
            let flag = match check.function.node.as_str() {
                "CheckWorkloadSelectorMissing" => "--workload-selector",
                _ => "--accelerated-node-selector",
            };
            let message = format!("`{name}`: no `{flag}` given. {}", check.message.node.trim());
            if check.severity.node == "error" {
                errors.push(Diagnostic::error(Code::BundleCheck, message));
            } else {
                warnings.push(Diagnostic::warning(Code::BundleCheck, message));
            }
        }
    }
}
