//! `GET /openapi.json`: the committed OpenAPI 3.1 document (`schemas/openapi.json`), with
//! the criteria parameters' patterns and the typed parameters' names made from the library
//! the server loaded. The committed
//! document is this for the embedded library (a test holds them equal); `--data` may add
//! values (`dimension NAME += VALUE`), and the served document then names them too.

use crate::check::Library;
use crate::check::stdlib::{Dimension, Dimensions};
use serde_json::Value;

/// The committed document.
pub const COMMITTED: &str = include_str!("../../schemas/openapi.json");

/// The largest count that always parses as a `u64`: 19 digits.
const COUNT: &str = r"\+?[0-9]{1,19}";

/// The document for `dims`, as served: pretty JSON with a final newline, like the file.
pub fn document(library: &Library) -> String {
    let dims = &library.stdlib.dimensions;
    let Ok(mut doc) = serde_json::from_str::<Value>(COMMITTED) else {
        return COMMITTED.to_string();
    };
    typed_params(&mut doc, &declared_params(library));
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for op in paths.values_mut().filter_map(Value::as_object_mut) {
            for params in op
                .values_mut()
                .filter_map(|o| o.get_mut("parameters"))
                .filter_map(Value::as_array_mut)
            {
                for param in params {
                    let name = param["name"].as_str().unwrap_or_default().to_string();
                    if let Some(p) = pattern_of(dims, &name) {
                        param["schema"]["pattern"] = Value::String(p);
                    }
                }
            }
        }
    }
    // `Criteria` (a query body's) and `CriteriaSpec` (a criteria file's, with `params`).
    for pointer in [
        "/components/schemas/Criteria/properties",
        "/components/schemas/CriteriaSpec/properties",
    ] {
        let Some(props) = doc.pointer_mut(pointer).and_then(Value::as_object_mut) else {
            continue;
        };
        for (name, schema) in props {
            if let Some(p) = pattern_of(dims, name) {
                schema["pattern"] = Value::String(p);
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| COMMITTED.into());
    text.push('\n');
    text
}

/// Every parameter an overlay of `library` declares, sorted, once each.
fn declared_params(library: &Library) -> Vec<String> {
    let mut names: Vec<String> = library
        .overlays
        .values()
        .flat_map(|o| o.ast.params().map(|d| d.name.node.clone()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `param=NAME=VALUE` and a body's `params` name only declared parameters: with none
/// declared, the document says that no `param` and no `params` entry is taken (the server
/// refuses every one as unknown); otherwise it lists the names (whether a value reads as its
/// type within its bound depends on the target, which the document cannot say).
fn typed_params(doc: &mut Value, names: &[String]) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for op in paths.values_mut().filter_map(Value::as_object_mut) {
            for params in op
                .values_mut()
                .filter_map(|o| o.get_mut("parameters"))
                .filter_map(Value::as_array_mut)
            {
                for param in params.iter_mut().filter(|p| p["name"] == "param") {
                    let schema = &mut param["schema"];
                    if names.is_empty() {
                        schema["maxItems"] = Value::from(0);
                    } else {
                        if let Some(o) = schema.as_object_mut() {
                            o.remove("maxItems");
                        }
                        schema["items"]["pattern"] =
                            Value::String(format!("^(?:{})=.*$", names.join("|")));
                    }
                }
            }
        }
    }
    for at in [
        "/components/schemas/CriteriaSpec/properties/params",
        "/components/schemas/QueryRequest/properties/params",
    ] {
        if let Some(schema) = doc.pointer_mut(at) {
            if names.is_empty() {
                schema["maxProperties"] = Value::from(0);
            } else {
                if let Some(o) = schema.as_object_mut() {
                    o.remove("maxProperties");
                }
                schema["propertyNames"] = serde_json::json!({ "enum": names });
            }
        }
    }
}

/// The pattern of a criteria parameter (`gpu` is `accelerator`; `to-X`, the second side of
/// `/v1/diff`, is `X`), `None` for any other.
fn pattern_of(dims: &Dimensions, name: &str) -> Option<String> {
    let name = name.strip_prefix("to-").unwrap_or(name);
    let dim = if name == "gpu" { "accelerator" } else { name };
    dims.map.get(dim).map(pattern)
}

/// Every spelling the server takes for a dimension, case-insensitively: its values, its
/// aliases and `any` (a count: a number of at most 19 digits, or `any`); empty means any.
pub fn pattern(dim: &Dimension) -> String {
    let mut spellings: Vec<String> = dim
        .values
        .iter()
        .chain(dim.aliases.keys())
        .map(|s| any_case(s))
        .collect();
    if dim.count {
        spellings.push(COUNT.to_string());
    }
    spellings.push(any_case("any"));
    format!("^(?:{})?$", spellings.join("|"))
}

/// `eks` → `[Ee][Kk][Ss]`; other characters escaped when they are not alphanumeric.
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
            } else if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_document_is_the_one_for_the_embedded_library() {
        let library = crate::cli::target::load_library(&[]).expect("the embedded library");
        let served = document(library);
        assert!(
            served == COMMITTED,
            "schemas/openapi.json is out of date with the library's dimensions; write this:\n{served}"
        );
    }

    #[test]
    fn a_pattern_takes_every_spelling_in_any_case_and_nothing_else() {
        let library = crate::cli::target::load_library(&[]).expect("the embedded library");
        let dims = &library.stdlib.dimensions;
        let service = pattern(&dims.map["service"]);
        assert!(service.contains("[Ee][Kk][Ss]"), "{service}");
        assert!(service.contains("[Ss][Ee][Ll][Ff]\\-"), "{service}");
        let nodes = pattern(&dims.map["nodes"]);
        assert!(nodes.contains(COUNT), "{nodes}");
        assert!(pattern_of(dims, "gpu").is_some_and(|p| p.contains("[Hh]100")));
        assert_eq!(pattern_of(dims, "selector"), None);
        assert_eq!(pattern_of(dims, "to-gpu"), pattern_of(dims, "accelerator"));
        assert_eq!(pattern_of(dims, "to-nodes"), Some(nodes.clone()));
    }

    #[test]
    fn typed_params_are_refused_without_declarations_and_named_with_them() {
        let mut none: Value = serde_json::from_str(COMMITTED).expect("the committed document");
        typed_params(&mut none, &[]);
        let param = &none["paths"]["/v1/recipe"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == "param")
            .expect("a `param` parameter")["schema"];
        assert_eq!(param["maxItems"], 0);
        let spec = &none["components"]["schemas"]["CriteriaSpec"]["properties"]["params"];
        assert_eq!(spec["maxProperties"], 0);

        let mut some = none.clone();
        typed_params(&mut some, &["gpu_count".into(), "mig".into()]);
        let param = &some["paths"]["/v1/recipe"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == "param")
            .expect("a `param` parameter")["schema"];
        assert_eq!(param.get("maxItems"), None);
        assert_eq!(param["items"]["pattern"], "^(?:gpu_count|mig)=.*$");
        let spec = &some["components"]["schemas"]["QueryRequest"]["properties"]["params"];
        assert_eq!(spec.get("maxProperties"), None);
        assert_eq!(
            spec["propertyNames"]["enum"],
            serde_json::json!(["gpu_count", "mig"])
        );
    }
}
