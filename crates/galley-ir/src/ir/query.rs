//! `galley query`: the recipe as one hydrated map, and selectors into it.
//!
//! The map has the reference's shape (`recipe-engine.md` §6). Selectors are the reference's
//! dotted paths plus what it lacks: list indexing (`deploymentOrder[0]`) and quoted keys for
//! keys with dots (`components.gpu-operator.values."nvidia.com/gpu"` or `["nvidia.com/gpu"]`).

use crate::ir::Recipe;
use crate::ir::result::API_VERSION;
use crate::value::{Map, Value};

/// The recipe as the reference's hydrated map.
pub fn hydrated(recipe: &Recipe) -> Value {
    let s = |v: &str| Value::String(v.to_string());
    let list = |items: &[String]| Value::List(items.iter().map(|i| s(i)).collect());
    let mut metadata = Map::new();
    metadata.insert("version".into(), s(env!("CARGO_PKG_VERSION")));
    metadata.insert("appliedOverlays".into(), list(&recipe.applied_overlays));
    metadata.insert("excludedOverlays".into(), Value::Null);
    metadata.insert("constraintWarnings".into(), Value::Null);
    let c = recipe.criteria.to_result();
    let mut criteria = Map::new();
    for (k, v) in [
        ("service", &c.service),
        ("accelerator", &c.accelerator),
        ("intent", &c.intent),
        ("os", &c.os),
        ("platform", &c.platform),
    ] {
        criteria.insert(k.into(), s(v));
    }
    criteria.insert("nodes".into(), Value::Int(c.nodes as i64));
    let mut out = Map::new();
    out.insert("kind".into(), s("RecipeResult"));
    out.insert("apiVersion".into(), s(API_VERSION));
    out.insert("metadata".into(), Value::Map(metadata));
    out.insert("criteria".into(), Value::Map(criteria));
    if !recipe.constraints.is_empty() {
        let constraints = recipe
            .constraints
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("name".into(), s(&c.name));
                m.insert("value".into(), s(&c.value));
                for (k, v) in [
                    ("severity", &c.severity),
                    ("remediation", &c.remediation),
                    ("unit", &c.unit),
                ] {
                    if let Some(v) = v {
                        m.insert(k.into(), s(v));
                    }
                }
                Value::Map(m)
            })
            .collect();
        out.insert("constraints".into(), Value::List(constraints));
    }
    out.insert("deploymentOrder".into(), list(&recipe.deployment_order));
    let mut components = Map::new();
    for comp in &recipe.components {
        let mut m = Map::new();
        m.insert("name".into(), s(&comp.name));
        m.insert("type".into(), s(comp.kind.as_str()));
        m.insert("source".into(), s(&comp.source));
        for (k, v) in [
            ("namespace", &comp.namespace),
            ("chart", &comp.chart),
            ("version", &comp.version),
            ("tag", &comp.tag),
            ("path", &comp.path),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                m.insert(k.into(), s(v));
            }
        }
        if !comp.dependency_refs.is_empty() {
            m.insert("dependencyRefs".into(), list(&comp.dependency_refs));
        }
        if comp.values.as_map().is_some_and(|v| !v.is_empty()) {
            m.insert("values".into(), comp.values.sorted());
        }
        components.insert(comp.name.clone(), Value::Map(m));
    }
    out.insert("components".into(), Value::Map(components));
    Value::Map(out)
}

/// One step of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Parse `a.b[0]."c.d"["e/f"]`. A leading `.` is allowed; empty selects everything.
pub fn parse_selector(text: &str) -> Result<Vec<Step>, String> {
    let text = text.strip_prefix('.').unwrap_or(text);
    let mut steps = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut key = String::new();
    let bad = |why: &str| format!("invalid selector `{text}`: {why}");
    while let Some((_, c)) = chars.next() {
        match c {
            '.' => {
                if key.is_empty()
                    && !matches!(steps.last(), Some(Step::Index(_)) | Some(Step::Key(_)))
                {
                    return Err(bad("empty key"));
                }
                if !key.is_empty() {
                    steps.push(Step::Key(std::mem::take(&mut key)));
                }
            }
            '"' if key.is_empty() => steps.push(Step::Key(
                quoted(&mut chars).ok_or_else(|| bad("unclosed quote"))?,
            )),
            '[' => {
                if !key.is_empty() {
                    steps.push(Step::Key(std::mem::take(&mut key)));
                }
                match chars.peek() {
                    Some((_, '"')) => {
                        chars.next();
                        steps.push(Step::Key(
                            quoted(&mut chars).ok_or_else(|| bad("unclosed quote"))?,
                        ));
                    }
                    _ => {
                        let mut digits = String::new();
                        while let Some(&(_, d)) = chars.peek() {
                            if d == ']' {
                                break;
                            }
                            digits.push(d);
                            chars.next();
                        }
                        let index = digits
                            .trim()
                            .parse()
                            .map_err(|_| bad("an index is a non-negative integer"))?;
                        steps.push(Step::Index(index));
                    }
                }
                if chars.next().map(|(_, c)| c) != Some(']') {
                    return Err(bad("expected `]`"));
                }
            }
            other => key.push(other),
        }
    }
    if !key.is_empty() {
        steps.push(Step::Key(key));
    }
    Ok(steps)
}

fn quoted(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<String> {
    let mut out = String::new();
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?.1),
            other => out.push(other),
        }
    }
    None
}

/// Follow a selector; the error says where it stopped and what was there.
pub fn select<'v>(root: &'v Value, selector: &str) -> Result<&'v Value, String> {
    let steps = parse_selector(selector)?;
    let mut cur = root;
    let mut at = String::new();
    for step in &steps {
        cur = match (step, cur) {
            (Step::Key(k), Value::Map(m)) => match m.get(k) {
                Some(v) => v,
                None => {
                    let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
                    keys.sort_unstable();
                    return Err(format!(
                        "selector `{selector}`: key `{k}` not found{}, available keys: {}",
                        place(&at),
                        keys.join(", ")
                    ));
                }
            },
            (Step::Index(i), Value::List(l)) => match l.get(*i) {
                Some(v) => v,
                None => {
                    return Err(format!(
                        "selector `{selector}`: index {i} is out of range{} (length {})",
                        place(&at),
                        l.len()
                    ));
                }
            },
            (Step::Key(k), other) => {
                return Err(format!(
                    "selector `{selector}`: cannot look up key `{k}` in a {}{}",
                    other.type_name(),
                    place(&at)
                ));
            }
            (Step::Index(i), other) => {
                return Err(format!(
                    "selector `{selector}`: cannot index [{i}] into a {}{}",
                    other.type_name(),
                    place(&at)
                ));
            }
        };
        match step {
            Step::Key(k) => {
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(k);
            }
            Step::Index(i) => at.push_str(&format!("[{i}]")),
        }
    }
    Ok(cur)
}

fn place(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!(" at `{at}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_selectors() {
        assert_eq!(parse_selector("").unwrap(), vec![]);
        assert_eq!(
            parse_selector(".a.b").unwrap(),
            vec![Step::Key("a".into()), Step::Key("b".into())]
        );
        assert_eq!(
            parse_selector(r#"a[2]."b.c"["d/e"]"#).unwrap(),
            vec![
                Step::Key("a".into()),
                Step::Index(2),
                Step::Key("b.c".into()),
                Step::Key("d/e".into())
            ]
        );
        assert!(parse_selector("a[x]").is_err());
        assert!(parse_selector("a[\"x").is_err());
    }

    #[test]
    fn selects_and_explains_misses() {
        let v = Value::Map(
            [
                (
                    "a".to_string(),
                    Value::List(vec![Value::Int(1), Value::Int(2)]),
                ),
                ("b.c".to_string(), Value::Bool(true)),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(select(&v, "a[1]").unwrap(), &Value::Int(2));
        assert_eq!(select(&v, "\"b.c\"").unwrap(), &Value::Bool(true));
        let miss = select(&v, "zz").unwrap_err();
        assert!(miss.contains("available keys: a, b.c"), "{miss}");
        assert!(select(&v, "a[5]").unwrap_err().contains("out of range"));
        assert!(select(&v, "a.x").unwrap_err().contains("cannot look up"));
    }
}
