//! Targets and asymmetric matching.
//!
//! A [`Query`] names one value (or `any`) per dimension. An overlay's criteria match a query
//! when every dimension the overlay names has exactly that value in the query: an overlay's
//! unnamed dimension is a wildcard, but a query's `any` does not match an overlay that names
//! a value (the reference's rule, `recipe-engine.md` §1.2).

use crate::check::CriteriaSet;
use crate::check::stdlib::{DIMENSIONS, Dimensions, ValueError};
use serde::Serialize;
use std::collections::BTreeMap;

/// One target: a canonical value or `any` per dimension.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Query {
    /// dimension → canonical value; absent means `any`.
    pub values: BTreeMap<String, String>,
}

impl Query {
    pub fn any() -> Query {
        Query {
            values: BTreeMap::new(),
        }
    }

    pub fn get(&self, dim: &str) -> &str {
        self.values.get(dim).map_or("any", String::as_str)
    }

    pub fn nodes(&self) -> u64 {
        self.values
            .get("nodes")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Set a dimension from user input (trimmed, case-folded, aliases resolved).
    pub fn set(&mut self, dims: &Dimensions, dim: &str, raw: &str) -> Result<(), ValueError> {
        let value = dims.normalise(dim, raw)?;
        if value == "any" {
            self.values.remove(dim);
        } else {
            self.values.insert(dim.to_string(), value);
        }
        Ok(())
    }

    /// Number of dimensions that are not `any`.
    pub fn specificity(&self) -> usize {
        self.values.len()
    }

    /// `service=eks, accelerator=h100`, or `any`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = DIMENSIONS
            .iter()
            .filter_map(|d| self.values.get(*d).map(|v| format!("{d}={v}")))
            .collect();
        if parts.is_empty() {
            "any".into()
        } else {
            parts.join(", ")
        }
    }

    /// The reference's `criteria` block: every dimension, `any` printed; `nodes` omitted when 0.
    pub fn to_result(&self) -> ResultCriteria {
        ResultCriteria {
            service: self.get("service").to_string(),
            accelerator: self.get("accelerator").to_string(),
            intent: self.get("intent").to_string(),
            os: self.get("os").to_string(),
            platform: self.get("platform").to_string(),
            nodes: self.nodes(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResultCriteria {
    pub service: String,
    pub accelerator: String,
    pub intent: String,
    pub os: String,
    pub platform: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub nodes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Whether an overlay's criteria match a query.
pub fn matches(criteria: &CriteriaSet, query: &Query) -> bool {
    criteria
        .values
        .iter()
        .all(|(dim, value)| query.values.get(dim) == Some(value))
}

/// Read a `RecipeCriteria` document (YAML or JSON): `spec` holds the dimensions. `kind` and
/// `apiVersion` are optional but must be right when present; an empty file is an error.
pub fn from_criteria_file(text: &str, dims: &Dimensions) -> Result<Query, String> {
    use crate::syntax::yaml::{self, NodeKind};
    let doc = yaml::parse_document(crate::source::FileId(0), text)
        .map_err(|d| d.message)?
        .ok_or("the criteria file is empty")?;
    if !matches!(doc.kind, NodeKind::Map(_)) {
        return Err("a criteria file is a mapping with `kind`, `apiVersion` and `spec`".into());
    }
    // Absent is fine; present, each must be the string it names (`{}` is not a kind).
    let text_of = |key: &str| match doc.get(key) {
        None => Ok(""),
        Some(n) => n
            .as_str()
            .ok_or_else(|| format!("`{key}` must be a string")),
    };
    match text_of("kind")? {
        "" | "RecipeCriteria" => {}
        other => return Err(format!("invalid kind `{other}`, expected `RecipeCriteria`")),
    }
    match text_of("apiVersion")? {
        "" | crate::ir::result::API_VERSION => {}
        other => {
            return Err(format!(
                "invalid apiVersion `{other}`, expected `{}`",
                crate::ir::result::API_VERSION
            ));
        }
    }
    let mut query = Query::any();
    let Some(spec) = doc.get("spec") else {
        return Ok(query);
    };
    let NodeKind::Map(entries) = &spec.kind else {
        return Err("`spec` must be a mapping of dimensions".into());
    };
    for (k, v) in entries {
        let key = k.as_str().unwrap_or_default();
        if key == "params" {
            continue; // read by `params_from_criteria_file`
        }
        let dim = if key == "gpu" { "accelerator" } else { key };
        if !DIMENSIONS.contains(&dim) {
            return Err(format!(
                "unknown field `{key}` in `spec`; expected one of: {}",
                DIMENSIONS.join(", ")
            ));
        }
        let raw = match v.to_value() {
            crate::value::Value::String(s) => s,
            crate::value::Value::Int(i) if i < 0 => {
                return Err(format!("invalid nodes count: {i} (must be >= 0)"));
            }
            crate::value::Value::Int(i) => i.to_string(),
            // JSON has one number type: `8.0` is the integer 8 (JSON Schema counts it as one),
            // so a float with no fraction reads as that integer; any other stays refused.
            crate::value::Value::Float(f)
                if f.fract() == 0.0 && (0.0..9_223_372_036_854_775_808.0).contains(&f) =>
            {
                #[allow(clippy::cast_possible_truncation)] // integral and in range: exact
                let i = f as i64;
                i.to_string()
            }
            crate::value::Value::Null => continue,
            other => {
                return Err(format!(
                    "`{key}` must be a string, not {}",
                    other.type_name()
                ));
            }
        };
        query
            .set(dims, dim, &raw)
            .map_err(|e| invalid_value(dims, dim, &raw, e))?;
    }
    Ok(query)
}

/// The `spec.params` map of a `RecipeCriteria` file: parameter name to a scalar value.
pub fn params_from_criteria_file(text: &str) -> Result<Vec<crate::params::Given>, String> {
    use crate::syntax::yaml::{self, NodeKind};
    let doc = yaml::parse_document(crate::source::FileId(0), text).map_err(|d| d.message)?;
    let Some(node) = doc
        .as_ref()
        .and_then(|d| d.get("spec"))
        .and_then(|s| s.get("params"))
    else {
        return Ok(Vec::new());
    };
    let NodeKind::Map(entries) = &node.kind else {
        return Err("`spec.params` must be a mapping of parameter names to values".into());
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let name = k.as_str().unwrap_or_default();
        let text = crate::params::scalar_text(&v.to_value())
            .ok_or_else(|| format!("`spec.params.{name}` must be a string, number or boolean"))?;
        let mut given = crate::params::parse_flag(&format!("{name}={text}"))
            .map_err(|_| format!("`spec.params` key `{name}` is not a parameter name"))?;
        given.source = crate::params::Source::CriteriaFile;
        out.push(given);
    }
    Ok(out)
}

/// The message for a value a dimension refuses, listing the valid ones.
pub fn invalid_value(dims: &Dimensions, dim: &str, raw: &str, e: ValueError) -> String {
    match e {
        ValueError::UnknownDimension => format!(
            "unknown dimension `{dim}`; {}",
            crate::diag::suggestion(dim, DIMENSIONS)
        ),
        ValueError::NotACount => {
            format!("invalid {dim} count `{raw}`: expected a non-negative integer")
        }
        ValueError::UnknownValue => {
            let valid: Vec<String> = dims
                .map
                .get(dim)
                .map(|d| d.values.iter().cloned().collect())
                .unwrap_or_default();
            let hint = crate::diag::did_you_mean(
                &raw.to_ascii_lowercase(),
                valid.iter().map(String::as_str),
            )
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
            format!(
                "invalid {dim} `{raw}`{hint}; valid values: {}, any",
                valid.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn asymmetric_decision_table() {
        let overlay = CriteriaSet {
            values: set(&[("service", "eks")]),
        };
        let wildcard = CriteriaSet::default();
        let q = |pairs: &[(&str, &str)]| Query { values: set(pairs) };
        assert!(matches(&wildcard, &q(&[])));
        assert!(matches(&wildcard, &q(&[("service", "eks")])));
        assert!(
            !matches(&overlay, &q(&[])),
            "query any does not match a named value"
        );
        assert!(matches(&overlay, &q(&[("service", "eks"), ("os", "rhel")])));
        assert!(!matches(&overlay, &q(&[("service", "gke")])));
        let nodes = CriteriaSet {
            values: set(&[("nodes", "8")]),
        };
        assert!(!matches(&nodes, &q(&[])));
        assert!(matches(&nodes, &q(&[("nodes", "8")])));
    }
}
