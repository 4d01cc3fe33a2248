//! A component's values: the recipe's, then `--set`, then node scheduling.

use super::Options;
use super::flags::{self, SetFlag, Toleration};
use crate::check::Library;
use crate::diag::{Code, Diagnostic};
use crate::source::Spanned;
use crate::syntax::ast::{RegistryStmt, ValuePath};
use crate::value::{Map, Value};

/// The recipe's values of a component (an empty map when they are not a map) with its
/// `--set` flags applied in order; `enabled` is the enable filter's, not a value.
pub(super) fn with_sets(values: &Value, sets: &[&SetFlag], errors: &mut Vec<Diagnostic>) -> Value {
    let mut values = values.clone();
    if !matches!(values, Value::Map(_)) {
        values = Value::Map(Map::new());
    }
    for s in sets {
        if s.path.len() == 1 && s.path[0] == "enabled" {
            continue;
        }
        let value = match s.typed(value_at(&values, &s.path)) {
            Ok(v) => v,
            Err(why) => {
                errors.push(set_type_error(s, &why));
                continue;
            }
        };
        if let Err(at) = set_path(&mut values, &s.path, value) {
            errors.push(set_through_error(s, &values, at));
        }
    }
    values
}

/// A `--set` path that runs through something other than a map after `at` segments.
fn set_through_error(s: &SetFlag, values: &Value, at: usize) -> Diagnostic {
    Diagnostic::error(
        Code::BundleSetPath,
        format!(
            "`{}`: `{}` is {}, not a map, so `{}` cannot be set under it",
            s.raw,
            s.path[..at].join("."),
            value_at(values, &s.path[..at]).map_or("missing", Value::type_name),
            s.path.join(".")
        ),
    )
    .with_help(format!(
        "set `{}` itself, or pick a path through maps",
        s.path[..at].join(".")
    ))
}

/// A `--set` value that does not fit the type of the value it replaces.
fn set_type_error(s: &SetFlag, why: &str) -> Diagnostic {
    let path = s.path.join(".");
    let text = match &s.value {
        flags::SetValue::Text(t) | flags::SetValue::Str(t) => t,
    };
    Diagnostic::error(
        Code::BundleFlag,
        format!("`{}`: `{path}` cannot take this value: {why}", s.raw),
    )
    .with_help(format!(
        "give a value of the same type, or store the text as a string with `--set-string {}:{path}={text}`",
        s.component
    ))
}

fn value_at<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter()
        .try_fold(v, |cur, k| cur.as_map().and_then(|m| m.get(k)))
}

/// Set `path` to `value`, creating maps on the way. `Err(n)` when the first `n` segments
/// lead to something that is not a map.
fn set_path(root: &mut Value, path: &[String], value: Value) -> Result<(), usize> {
    let mut cur = root;
    for (i, key) in path.iter().enumerate() {
        let Value::Map(m) = cur else { return Err(i) };
        if i + 1 == path.len() {
            m.insert(key.clone(), value);
            return Ok(());
        }
        let next = m
            .entry(key.clone())
            .or_insert_with(|| Value::Map(Map::new()));
        if matches!(next, Value::Null) {
            *next = Value::Map(Map::new());
        }
        cur = next;
    }
    Ok(())
}

/// Node scheduling (`bundler.md` §3.2): selectors and the workload selector replace the
/// map at each registry path, tolerations replace the list (tolerate-all when no flag is
/// given), the workload gate becomes a taint string and `--nodes` an integer.
pub(super) fn schedule(
    lib: &Library,
    name: &str,
    values: &mut Value,
    opts: &Options,
) -> Result<(), Diagnostic> {
    let Some(reg) = lib.stdlib.registry.get(name) else {
        return Ok(());
    };
    let mut writes: Vec<(Vec<String>, Value)> = Vec::new();
    for stmt in &reg.decl.body {
        match stmt {
            RegistryStmt::Scheduling(block) => {
                let system = block.role.node == "system";
                for (field, list) in &block.fields {
                    if let Some(value) = scheduling_value(&field.node, system, opts) {
                        writes.extend(paths(list).into_iter().map(|p| (p, value.clone())));
                    }
                }
            }
            RegistryStmt::NodeCount(list) if opts.nodes > 0 => {
                let value = Value::Int(opts.nodes as i64);
                writes.extend(paths(list).into_iter().map(|p| (p, value.clone())));
            }
            RegistryStmt::WorkloadSelector(list) if !opts.workload_selector.is_empty() => {
                let value = selector(&opts.workload_selector);
                writes.extend(paths(list).into_iter().map(|p| (p, value.clone())));
            }
            _ => {}
        }
    }
    for (path, value) in writes {
        if let Err(at) = set_path(values, &path, value) {
            return Err(Diagnostic::error(
                Code::BundleSetPath,
                format!(
                    "component `{name}`: the registry's scheduling path `{}` runs through `{}`, which is not a map in the values",
                    path.join("."),
                    path[..at].join(".")
                ),
            ));
        }
    }
    Ok(())
}

/// What the flags put at a registry scheduling field's paths for the `system` or the
/// accelerated role; `None` where they leave the values alone.
fn scheduling_value(field: &str, system: bool, opts: &Options) -> Option<Value> {
    match field {
        "node-selector" => {
            let pairs = if system {
                &opts.system_selector
            } else {
                &opts.accelerated_selector
            };
            (!pairs.is_empty()).then(|| selector(pairs))
        }
        "tolerations" => Some(tolerations(if system {
            &opts.system_tolerations
        } else {
            &opts.accelerated_tolerations
        })),
        "taint-string" => opts
            .workload_gate
            .as_ref()
            .map(|t| Value::String(t.to_taint_string())),
        _ => None,
    }
}

fn selector(pairs: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Map(m)
}

/// The tolerations flags as a list; tolerate everything when none is given.
fn tolerations(list: &[Toleration]) -> Value {
    if list.is_empty() {
        Toleration::tolerate_all()
    } else {
        Value::List(list.iter().map(Toleration::to_value).collect())
    }
}

/// A registry field's value paths as key lists.
fn paths(p: &Spanned<Vec<ValuePath>>) -> Vec<Vec<String>> {
    p.node
        .iter()
        .map(|vp| vp.keys().map(String::from).collect())
        .collect()
}
