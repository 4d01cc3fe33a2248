//! A recipe constraint's value as an operator and an operand. The RecipeResult reader checks
//! that each value parses; the constraint checker (galley-validate) evaluates it.

use crate::syntax::ast::Op;

/// A parsed constraint value: `>= 1.32.4`, or a bare value for an exact match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub op: Op,
    pub value: String,
}

/// Parse a constraint value the way the reference does: trimmed; the operators tried in the
/// order `>=`, `<=`, `!=`, `==`, `>`, `<` with optional space after; no operator is an exact
/// match of the whole text. Empty text, or an operator with nothing after it, is an error.
pub fn parse_expr(text: &str) -> Result<Expr, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the constraint value is empty".into());
    }
    for op in Op::PREFIXES {
        let prefix = op.as_str();
        if let Some(rest) = text.strip_prefix(prefix) {
            let value = rest.trim();
            if value.is_empty() {
                return Err(format!("`{prefix}` has no value after it"));
            }
            return Ok(Expr {
                op,
                value: value.to_string(),
            });
        }
    }
    Ok(Expr {
        op: Op::Exact,
        value: text.to_string(),
    })
}
