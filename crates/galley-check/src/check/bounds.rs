//! Bounds computed from the snapshot (`measure::bound`): the expression parses, the measured
//! value and every numeric fact are numbers, a table reads a string fact, every fact is in the
//! catalog, and the units agree: the constraint's `unit` is the measurement's, and a fact that
//! multiplies the bound is a count (no unit of its own).

use crate::bound::{self, Factor};
use crate::check::stdlib::{Catalog, Measurement};
use crate::diag::{Code, Diagnostic, Diagnostics, suggestion};
use crate::syntax::ast::{Constraint, MeasureType};

/// Check `c` when its value is an expression; `m` is the measurement it constrains.
pub fn check(c: &Constraint, m: &Measurement, catalog: &Catalog, diags: &mut Diagnostics) {
    let text = c.value.node.as_str();
    let b = match bound::parse(text) {
        Ok(Some(b)) => b,
        Ok(None) => return,
        Err(e) => {
            return diags.push(
                Diagnostic::error(Code::BoundExpression, format!("bound `{text}`: {e}"))
                    .with_label(c.value.span, "here")
                    .with_help("write a product such as `37.5 * GPU.smi.gpu-count` or `Network.fabric.class[efa = 300, infiniband = 350]`"),
            );
        }
    };
    let bad = |code: Code, message: String, help: &str| {
        Diagnostic::error(code, message)
            .with_label(c.value.span, "this bound")
            .with_help(help.to_string())
    };
    if !matches!(m.ty, MeasureType::Int | MeasureType::Number) || !c.op.node.is_ordering() {
        diags.push(bad(
            Code::BoundExpression,
            format!(
                "a computed bound is a number compared with `>=`, `<=`, `>` or `<`, but this is `{}` on a {} measurement",
                c.op.node.as_str(),
                m.ty.as_str()
            ),
            "compute bounds only for int and number measurements, with an ordering operator",
        ));
    }
    if let (Some(u), Some(mu)) = (&c.unit, &m.unit)
        && u.node != *mu
    {
        diags.push(
            Diagnostic::error(
                Code::BoundUnit,
                format!(
                    "the bound is in `{}`, but the measurement is in `{mu}`",
                    u.node
                ),
            )
            .with_label(u.span, "this unit")
            .with_help(format!(
                "write `unit \"{mu}\"`, or convert the numbers of the bound"
            )),
        );
    }
    for f in &b.factors {
        factor(c, f, catalog, diags);
    }
}

fn factor(c: &Constraint, f: &Factor, catalog: &Catalog, diags: &mut Diagnostics) {
    let (path, want_string) = match f {
        Factor::Number(_) => return,
        Factor::Fact(p) => (p, false),
        Factor::Table { fact, .. } => (fact, true),
    };
    let keys: Vec<&str> = path.split('.').collect();
    let Some(m) = catalog.lookup(&keys) else {
        let names = catalog.names();
        diags.push(
            Diagnostic::error(
                Code::UnknownMeasurement,
                format!("unknown fact `{path}` in the bound"),
            )
            .with_label(c.value.span, "read from the snapshot here")
            .with_help(format!(
                "{} (facts are measurements declared in `stdlib/measurements.ovl`)",
                suggestion(path, names.iter().map(String::as_str))
            )),
        );
        return;
    };
    let fits = if want_string {
        m.ty == MeasureType::String
    } else {
        matches!(m.ty, MeasureType::Int | MeasureType::Number)
    };
    if !fits {
        diags.push(
            Diagnostic::error(
                Code::BoundExpression,
                format!(
                    "fact `{path}` is of type `{}`, but {}",
                    m.ty.as_str(),
                    if want_string {
                        "a table chooses by a string measurement"
                    } else {
                        "a factor of the bound is a number"
                    }
                ),
            )
            .with_label(c.value.span, "this bound")
            .with_help("multiply by int or number facts; choose with a table by string facts"),
        );
    } else if let (false, Some(u)) = (want_string, &m.unit) {
        diags.push(
            Diagnostic::error(
                Code::BoundUnit,
                format!("fact `{path}` is in `{u}`, so the bound would not be in the measurement's unit"),
            )
            .with_label(c.value.span, "this bound")
            .with_help("multiply only by counts (facts without a unit); write the unit's numbers in the table or the floor"),
        );
    }
}
