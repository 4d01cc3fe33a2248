//! Reading a `RecipeResult` back (YAML or JSON, written by galley or by the reference) for
//! `galley validate`: the top-level `constraints` and the `validation` phases. Components
//! are not read; validation does not need them. Every constraint value must parse as a
//! constraint expression, so a malformed recipe is reported here, before anything runs.

use crate::diag::{Code, Diagnostic};
use crate::ir::expr::parse_expr;
use crate::ir::{Constraint, Phase, Validation};
use crate::source::{FileId, Span};
use crate::syntax::yaml::{self, Node};

/// What validation reads from a recipe.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecipeDoc {
    pub constraints: Vec<Constraint>,
    pub validation: Validation,
}

pub fn read(file: FileId, text: &str) -> Result<RecipeDoc, Diagnostic> {
    let doc = yaml::parse_recipe_document(file, text)?
        .ok_or_else(|| shape(Span::new(file, 0..0), "the recipe is empty", "empty"))?;
    if doc.as_map().is_none() {
        return Err(shape(doc.span, "a recipe is a mapping", "not a mapping"));
    }
    if let Some(k) = doc.get("kind")
        && k.as_str() != Some("RecipeResult")
    {
        return Err(shape(
            k.span,
            "this is not a `RecipeResult`",
            "expected `RecipeResult`",
        )
        .with_help("give `-r` a file written by `galley recipe` or `aicr recipe`"));
    }
    let mut out = RecipeDoc::default();
    if let Some(list) = doc.get("constraints").filter(|n| !n.is_null()) {
        out.constraints = constraints(list, text)?;
    }
    if let Some(v) = doc.get("validation").filter(|n| !n.is_null()) {
        let entries = v
            .as_map()
            .ok_or_else(|| shape(v.span, "`validation` is a mapping", "not a mapping"))?;
        for (k, node) in entries {
            let name = k.key_text();
            let Some(slot) = out.validation.slot(&name) else {
                return Err(shape(
                    k.span,
                    format!("unknown validation phase `{name}`"),
                    "not a phase",
                )
                .with_help(crate::diag::suggestion(
                    &name,
                    ["readiness", "deployment", "performance", "conformance"],
                )));
            };
            *slot = Some(phase(node, text)?);
        }
    }
    Ok(out)
}

fn shape(span: Span, message: impl Into<String>, label: &str) -> Diagnostic {
    Diagnostic::error(Code::YamlShape, message).with_label(span, label)
}

fn phase(node: &Node, text: &str) -> Result<Phase, Diagnostic> {
    let mut p = Phase::default();
    if node.is_null() {
        return Ok(p);
    }
    if node.as_map().is_none() {
        return Err(shape(
            node.span,
            "a validation phase is a mapping",
            "not a mapping",
        ));
    }
    if let Some(list) = node.get("constraints").filter(|n| !n.is_null()) {
        p.constraints = constraints(list, text)?;
    }
    if let Some(list) = node.get("checks").filter(|n| !n.is_null()) {
        let items = list
            .as_seq()
            .ok_or_else(|| shape(list.span, "`checks` is a list of names", "not a list"))?;
        for item in items {
            let name = item
                .as_str()
                .ok_or_else(|| shape(item.span, "a check is a name", "not a string"))?;
            p.checks.push(name.to_string());
        }
    }
    if let Some(t) = node.get("timeout") {
        p.timeout = t.scalar_text(text).map(|s| s.into_owned());
    }
    Ok(p)
}

fn constraints(list: &Node, text: &str) -> Result<Vec<Constraint>, Diagnostic> {
    let items = list
        .as_seq()
        .ok_or_else(|| shape(list.span, "`constraints` is a list", "not a list"))?;
    items.iter().map(|c| constraint(c, text)).collect()
}

fn constraint(c: &Node, text: &str) -> Result<Constraint, Diagnostic> {
    let field = |key: &str| -> Result<Option<String>, Diagnostic> {
        match c.get(key) {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => n
                .scalar_text(text)
                .map(|s| Some(s.into_owned()))
                .ok_or_else(|| shape(n.span, format!("`{key}` is a scalar"), "a list or map")),
        }
    };
    if c.as_map().is_none() {
        return Err(shape(
            c.span,
            "a constraint is a mapping with `name` and `value`",
            "here",
        ));
    }
    let name = field("name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| shape(c.span, "a constraint has no `name`", "here"))?;
    let value = field("value")?.unwrap_or_default();
    if let Err(e) = parse_expr(&value) {
        let span = c.get("value").map_or(c.span, |n| n.span);
        return Err(Diagnostic::error(
            Code::ValidateConstraint,
            format!("constraint `{name}`: {e}"),
        )
        .with_label(span, "not a constraint expression")
        .with_help(
            "write an operator and a value (`>= 1.32.4`) or a bare value for an exact match",
        ));
    }
    Ok(Constraint {
        name,
        value,
        severity: field("severity")?,
        remediation: field("remediation")?,
        unit: field("unit")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_constraints_and_phases() {
        let text = "kind: RecipeResult\nconstraints:\n  - name: OS.release.VERSION_ID\n    value: 24.04\nvalidation:\n  performance:\n    constraints:\n      - {name: nccl-all-reduce-bw, value: \">= 300\"}\n    checks: [nccl-all-reduce-bw]\n";
        let doc = read(FileId(0), text).unwrap();
        assert_eq!(doc.constraints[0].value, "24.04");
        let perf = doc.validation.performance.unwrap();
        assert_eq!(perf.constraints[0].value, ">= 300");
        assert_eq!(perf.checks, ["nccl-all-reduce-bw"]);
    }

    #[test]
    fn rejects_malformed_recipes() {
        for bad in [
            "",
            "[]",
            "kind: Snapshot",
            "constraints: {}",
            "constraints: [1]",
            "constraints: [{value: x}]",
            "constraints: [{name: a, value: '>='}]",
            "constraints: [{name: a, value: [1]}]",
            "validation: {bogus: {}}",
            "validation: {deployment: {checks: [[]]}}",
            "validation: []",
            "a: [",
        ] {
            assert!(read(FileId(0), bad).is_err(), "{bad}");
        }
    }
}
