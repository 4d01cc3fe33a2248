//! `galley explain COMPONENT[.FIELD | .values.PATH] [criteria] [--format human|json]`

use super::Format;
use super::recipe::resolve_target;
use super::target::CriteriaArgs;
use crate::check::Library;
use crate::ir::query::{self, Step};
use crate::ir::{Origin, Recipe, Shadow, Trace};
use crate::value::Value;
use serde::Serialize;
use std::process::ExitCode;

/// The component fields a resolved recipe traces (`gpu-operator.version`).
fn traced_field(name: &str) -> bool {
    crate::syntax::ast::COMPONENT_FIELDS
        .iter()
        .any(|f| f.traced && f.keyword == Some(name))
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// `gpu-operator`, `gpu-operator.version`, `gpu-operator.values.driver.version`
    /// (`.values` may be left out), `constraints` / `validation`, or `params` / `params.NAME`
    what: String,
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// Output format
    #[arg(long, short = 't', value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
pub(crate) struct Entry {
    path: String,
    value: Option<Value>,
    winner: Place,
    shadowed: Vec<Lost>,
}

#[derive(Serialize)]
struct Place {
    overlay: String,
    location: String,
}

#[derive(Serialize)]
struct Lost {
    overlay: String,
    location: String,
    value: Option<Value>,
    why: String,
}

pub fn run(args: Args) -> ExitCode {
    let (library, recipe) = match resolve_target(&args.criteria) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let entries = match entries(library, &recipe, &args.what) {
        Ok(e) => e,
        Err(e) => {
            let d = crate::diag::Diagnostic::error(crate::diag::Code::NotFound, e);
            return super::fail::fail(&d, 3);
        }
    };
    match args.format {
        Format::Json => super::emit(&json(&entries)),
        Format::Human => {
            for e in &entries {
                super::emit(&human(e));
            }
        }
    }
    ExitCode::SUCCESS
}

/// Where each value under `what` came from; an error when `what` names nothing the
/// overlays set (`galley serve`'s `/v1/explain` answers with the same entries).
pub(crate) fn entries(
    library: &Library,
    recipe: &Recipe,
    what: &str,
) -> Result<Vec<Entry>, String> {
    if let Some(name) = what
        .strip_prefix("params")
        .filter(|r| r.is_empty() || r.starts_with('.'))
    {
        return param_entries(library, recipe, name.trim_start_matches('.'));
    }
    let prefix = key_prefix(what, recipe)?;
    let entries: Vec<Entry> = recipe
        .provenance
        .under(&prefix)
        .iter()
        .map(|(path, trace)| entry(path, trace, recipe, library))
        .collect();
    if entries.is_empty() {
        return Err(format!(
            "nothing in the recipe for `{what}` ({}) was set by an overlay",
            recipe.criteria.describe()
        ));
    }
    Ok(entries)
}

/// `params` or `params.NAME`: each parameter's value, and who set it (the command line, the
/// criteria file, or the declaring overlay's default, which it then shadows).
fn param_entries(library: &Library, recipe: &Recipe, name: &str) -> Result<Vec<Entry>, String> {
    use crate::params::Source;
    let entries: Vec<Entry> = recipe
        .params
        .iter()
        .filter(|p| name.is_empty() || p.name == name)
        .map(|p| {
            let decl = library.overlays.get(&p.overlay).and_then(|o| {
                o.ast.params().find(|d| d.name.node == p.name).map(|d| {
                    let default = crate::resolve::params::default_text(d)
                        .and_then(|t| crate::params::read(d, &t).ok());
                    (library.files.location(d.span), default)
                })
            });
            let (location, default) = decl.unwrap_or_default();
            let declared = Place {
                overlay: p.overlay.clone(),
                location,
            };
            let by = |what: &str, location: &str| Place {
                overlay: what.to_string(),
                location: location.to_string(),
            };
            let (winner, shadowed) = match p.source {
                Source::Default => (declared, Vec::new()),
                other => (
                    match other {
                        Source::Flag => by("--param", "the command line"),
                        _ => by("criteria file", "its `spec.params`"),
                    },
                    default
                        .map(|v| Lost {
                            overlay: declared.overlay.clone(),
                            location: declared.location.clone(),
                            value: Some(v),
                            why: "a given value outranks the declared default".into(),
                        })
                        .into_iter()
                        .collect(),
                ),
            };
            Entry {
                path: format!("params.{}", p.name),
                value: Some(p.value.clone()),
                winner,
                shadowed,
            }
        })
        .collect();
    if entries.is_empty() {
        let names: Vec<&str> = recipe.params.iter().map(|p| p.name.as_str()).collect();
        return Err(format!(
            "no parameter `{name}` in this recipe; it has: {}",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ));
    }
    Ok(entries)
}

/// The entries as `--format json` prints them.
pub(crate) fn json(entries: &[Entry]) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(entries).unwrap_or_default()
    )
}

/// The provenance key for what the user asked about.
fn key_prefix(what: &str, recipe: &Recipe) -> Result<String, String> {
    let steps = query::parse_selector(what)?;
    let mut keys = steps.iter().map(|s| match s {
        Step::Key(k) => k.clone(),
        Step::Index(i) => format!("[{i}]"),
    });
    let Some(head) = keys.next() else {
        return Err("say what to explain: a component, `constraints` or `validation`".into());
    };
    let rest: Vec<String> = keys.collect();
    if head == "constraints" || head == "validation" {
        return Ok(std::iter::once(head)
            .chain(rest)
            .collect::<Vec<_>>()
            .join("."));
    }
    if recipe.component(&head).is_none() {
        let names: Vec<&str> = recipe.components.iter().map(|c| c.name.as_str()).collect();
        return Err(format!(
            "component `{head}` is not in this recipe; it has: {}",
            names.join(", ")
        ));
    }
    Ok(match rest.first().map(String::as_str) {
        None => head,
        Some("values") => format!("{head}.{}", rest.join(".")),
        Some(f) if traced_field(f) && rest.len() == 1 => format!("{head}.{f}"),
        Some(_) => format!("{head}.values.{}", rest.join(".")),
    })
}

fn entry(path: &str, trace: &Trace, recipe: &Recipe, lib: &Library) -> Entry {
    Entry {
        path: path.to_string(),
        value: current_value(path, recipe),
        winner: place(&trace.winner, lib),
        shadowed: trace
            .shadowed
            .iter()
            .map(|s| Lost {
                overlay: s.origin.overlay.to_string(),
                location: lib.files.location(s.origin.span),
                value: s.value.clone(),
                why: why(&s.why, &trace.winner.overlay, &s.origin.overlay),
            })
            .collect(),
    }
}

fn place(o: &Origin, lib: &Library) -> Place {
    Place {
        overlay: o.overlay.to_string(),
        location: lib.files.location(o.span),
    }
}

fn why(shadow: &Shadow, winner: &str, loser: &str) -> String {
    match shadow {
        Shadow::FileBelowSet => format!("inline `set` values of `{winner}` outrank values files"),
        Shadow::Outranked if winner == loser => "replaced within the same overlay".into(),
        Shadow::Outranked => format!(
            "`{winner}` outranks `{loser}` (it extends it, is more specific, or has a higher priority)"
        ),
    }
}

fn current_value(path: &str, recipe: &Recipe) -> Option<Value> {
    // Constraint names hold dots (`K8s.server.version`): match them whole.
    if let Some(name) = path.strip_prefix("constraints.") {
        let c = recipe.constraints.iter().find(|c| c.name == name)?;
        return Some(Value::String(c.value.clone()));
    }
    if let Some(phase) = path.strip_prefix("validation.") {
        let mut validation = recipe.validation.clone();
        let p = validation.slot(phase)?.take()?;
        return serde_json::to_value(p).ok().map(from_json);
    }
    let (component, rest) = path.split_once('.')?;
    let c = recipe.component(component)?;
    match rest.strip_prefix("values") {
        Some("") => Some((*c.values).clone()),
        Some(sub) => {
            let keys: Vec<&str> = sub.trim_start_matches('.').split('.').collect();
            let mut cur: &Value = &c.values;
            for k in keys {
                cur = cur.as_map()?.get(k)?;
            }
            Some(cur.clone())
        }
        None => {
            let s = |v: &Option<String>| v.clone().map(Value::String);
            match rest {
                "type" => Some(Value::String(c.kind.as_str().into())),
                "source" => Some(Value::String(c.source.clone())),
                "chart" => s(&c.chart),
                "version" => s(&c.version),
                "namespace" => s(&c.namespace),
                "tag" => s(&c.tag),
                "path" => s(&c.path),
                "needs" => Some(Value::List(
                    c.dependency_refs
                        .iter()
                        .cloned()
                        .map(Value::String)
                        .collect(),
                )),
                _ => None,
            }
        }
    }
}

/// A serialized IR node (a validation phase) as a value.
fn from_json(v: serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or_default())),
        J::String(s) => Value::String(s),
        J::Array(a) => Value::List(a.into_iter().map(from_json).collect()),
        J::Object(o) => Value::Map(o.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

fn human(e: &Entry) -> String {
    let value = e
        .value
        .as_ref()
        .map(|v| serde_json::to_string(v).unwrap_or_default())
        .unwrap_or_else(|| "(unset)".into());
    let mut out = format!(
        "{} = {value}\n  set by `{}` at {}\n",
        e.path, e.winner.overlay, e.winner.location
    );
    for s in &e.shadowed {
        let v = s
            .value
            .as_ref()
            .map(|v| serde_json::to_string(v).unwrap_or_default())
            .unwrap_or_else(|| {
                if e.path.starts_with("validation.") {
                    "a different phase".into()
                } else {
                    "a map".into()
                }
            });
        out.push_str(&format!(
            "  shadows {v} from `{}` at {}: {}\n",
            s.overlay, s.location, s.why
        ));
    }
    out
}
