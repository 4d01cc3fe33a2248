//! The constraint checker: one recipe constraint against the measurements, one result.
//!
//! A pure function of (constraint, measurements, catalog). The catalog's type of the
//! measurement decides how values compare:
//!
//! | type | `>= <= > <` | `== !=` | exact (bare value) |
//! |---|---|---|---|
//! | version | [`ClusterVersion::cmp_numeric`] | [`ClusterVersion::matches`], text when a side is no version | text |
//! | int, number | numeric | numeric | text |
//! | bool | not allowed | `true`/`false` | text |
//! | string, or not in the catalog | versions when both parse | versions when both parse and the expected value looks like one, else text | text |
//!
//! Text comparison is case-sensitive; the actual value is trimmed first. A measurement that
//! is not there is `skipped` with the reason, unless the constraint is required (`severity
//! error`), when it is `failed`. A value that cannot be compared (`>= 1.2` against `abc`) is
//! `other`: the constraint could not be evaluated, which is neither a pass nor a failure.

use crate::check::stdlib::Catalog;
use crate::ir::Constraint;
use crate::measure::measurements::{Entry, Measurements};
use crate::measure::snapshot::Reading;
use crate::syntax::ast::{MeasureType, Op};
use crate::version::ClusterVersion;
use serde::Serialize;
use std::cmp::Ordering;

pub use crate::ir::expr::{Expr, parse_expr};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
    Other,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::Other => "other",
        }
    }
}

/// One constraint's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub name: String,
    pub expected: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    pub status: Status,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// The file the actual value came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// For a bound computed from the snapshot (`measure::bound`): its value and how.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    /// The measurement's unit (the constraint's, else the catalog's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Check one constraint.
pub fn check(c: &Constraint, measurements: &Measurements, catalog: &Catalog) -> Outcome {
    let mut out = Outcome {
        name: c.name.clone(),
        expected: c.value.clone(),
        actual: None,
        status: Status::Other,
        message: String::new(),
        remediation: c.remediation.clone(),
        source: None,
        bound: None,
        unit: c.unit.clone(),
    };
    let expr = match parse_expr(&c.value) {
        Ok(e) => e,
        Err(e) => {
            out.message = format!("cannot evaluate: {e}");
            return out;
        }
    };
    let Some(entry) = measurements.get(&c.name) else {
        let required = c.severity.as_deref() == Some("error");
        out.status = if required {
            Status::Failed
        } else {
            Status::Skipped
        };
        out.message = format!(
            "not measured: no `{}` in the snapshot or results{}",
            c.name,
            if required {
                "; the constraint is required (severity error)"
            } else {
                ""
            }
        );
        return out;
    };
    let actual = entry.reading.to_string().trim().to_string();
    out.actual = Some(actual.clone());
    out.source = Some(entry.source.clone());
    let segments: Vec<&str> = entry.segments.iter().map(String::as_str).collect();
    let declared = catalog.lookup(&segments);
    let ty = declared.map(|m| m.ty);
    if out.unit.is_none() {
        out.unit = declared.and_then(|m| m.unit.clone());
    }
    if crate::bound::is_expression(&expr.value) {
        let required = c.severity.as_deref() == Some("error");
        computed(&expr, &actual, measurements, required, &mut out);
        return out;
    }
    match evaluate(&expr, &actual, entry, ty) {
        Ok(true) => {
            out.status = Status::Passed;
            out.message = format!("`{}` is `{actual}`, as required: {}", c.name, c.value);
        }
        Ok(false) => {
            out.status = Status::Failed;
            out.message = format!("expected {}, got `{actual}`", c.value);
        }
        Err(e) => out.message = format!("cannot evaluate `{}`: {e}", c.value),
    }
    out
}

/// A bound computed from the snapshot's facts (`37.5 * GPU.smi.gpu-count`), compared
/// numerically; the outcome shows the computed bound, the measured value and the unit.
fn computed(
    expr: &Expr,
    actual: &str,
    measurements: &Measurements,
    required: bool,
    out: &mut Outcome,
) {
    use crate::bound;
    let unit = out
        .unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let parsed = bound::parse(&expr.value).and_then(|b| b.ok_or_else(String::new));
    // A fact the snapshot lacks is a measurement that is not there: skipped, as for the
    // measured value itself (`failed` when the constraint is required).
    if let Some(missing) = parsed
        .as_ref()
        .ok()
        .and_then(|b| b.facts().find(|f| measurements.get(f).is_none()))
    {
        out.status = if required {
            Status::Failed
        } else {
            Status::Skipped
        };
        out.message = format!(
            "not measured: no `{missing}` in the snapshot, which the bound `{}` reads",
            expr.value
        );
        return;
    }
    let fact = |p: &str| measurements.get(p).map(|e| e.reading.to_string());
    let (value, how) = match parsed.and_then(|b| b.evaluate(fact)) {
        Ok(v) => v,
        Err(e) => {
            out.message = format!("cannot compute the bound `{}`: {e}", expr.value);
            return;
        }
    };
    let shown = bound::trim_float(value);
    out.bound = Some(format!("{shown} ({} = {how})", expr.value));
    let Some(got) = actual.parse::<f64>().ok().filter(|n| n.is_finite()) else {
        out.message = format!("cannot evaluate: `{actual}` is not a number");
        return;
    };
    let op = expr.op.as_str();
    if ordered_f64(expr.op, got, value) {
        out.status = Status::Passed;
        out.message = format!(
            "`{}` is {actual}{unit}, {op} {shown}{unit} ({how})",
            out.name
        );
    } else {
        out.status = Status::Failed;
        out.message = format!("expected {op} {shown}{unit} ({how}), got {actual}{unit}");
    }
}

fn ordered_f64(op: Op, got: f64, want: f64) -> bool {
    match op {
        Op::Ge => got >= want,
        Op::Le => got <= want,
        Op::Gt => got > want,
        Op::Lt => got < want,
        Op::Ne => got != want,
        Op::Eq | Op::Exact => got == want,
    }
}

/// Whether `actual` satisfies `expr`, given the measurement's catalog type.
pub fn evaluate(
    expr: &Expr,
    actual: &str,
    entry: &Entry,
    ty: Option<MeasureType>,
) -> Result<bool, String> {
    if expr.op == Op::Exact {
        return Ok(actual == expr.value);
    }
    match ty {
        Some(MeasureType::Version) => version_op(expr, actual, true),
        Some(MeasureType::Int | MeasureType::Number) => numeric_op(expr, &entry.reading),
        Some(MeasureType::Bool) => bool_op(expr, actual),
        Some(MeasureType::String) | None => version_op(expr, actual, false),
    }
}

fn version_op(expr: &Expr, actual: &str, typed: bool) -> Result<bool, String> {
    let want = ClusterVersion::parse(&expr.value);
    let got = ClusterVersion::parse(actual);
    match expr.op {
        Op::Eq | Op::Ne => {
            let as_versions = match (&want, &got) {
                (Some(w), Some(g)) if typed || looks_like_version(&expr.value) => {
                    Some(g.matches(w))
                }
                _ => None,
            };
            let equal = as_versions.unwrap_or(actual == expr.value);
            Ok(if expr.op == Op::Eq { equal } else { !equal })
        }
        _ => {
            let want = want.ok_or_else(|| format!("`{}` is not a version", expr.value))?;
            let got = got.ok_or_else(|| format!("`{actual}` is not a version"))?;
            Ok(ordered(expr.op, got.cmp_numeric(&want)))
        }
    }
}

/// The reference's test: after one leading `v`, a digit and a dot.
fn looks_like_version(text: &str) -> bool {
    let t = text.strip_prefix('v').unwrap_or(text);
    t.contains('.') && t.bytes().any(|b| b.is_ascii_digit())
}

fn numeric_op(expr: &Expr, reading: &Reading) -> Result<bool, String> {
    let got = match reading {
        Reading::Int(i) => *i as f64,
        Reading::Float(f) => *f,
        Reading::String(s) => number(s).ok_or_else(|| format!("`{s}` is not a number"))?,
        Reading::Bool(b) => return Err(format!("`{b}` is not a number")),
    };
    let want = number(&expr.value).ok_or_else(|| format!("`{}` is not a number", expr.value))?;
    let ord = got
        .partial_cmp(&want)
        .ok_or_else(|| "the values do not compare".to_string())?;
    Ok(match expr.op {
        Op::Eq => ord.is_eq(),
        Op::Ne => ord.is_ne(),
        op => ordered(op, ord),
    })
}

/// A finite number, allowing a unit after it (`300 GB/s`, `300GB/s`).
fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(end);
    let unit_ok = unit
        .trim()
        .chars()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '%'));
    num.parse::<f64>().ok().filter(|n| n.is_finite() && unit_ok)
}

fn bool_op(expr: &Expr, actual: &str) -> Result<bool, String> {
    let parse = |s: &str| match s {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("`{other}` is not `true` or `false`")),
    };
    let (want, got) = (parse(&expr.value)?, parse(actual)?);
    match expr.op {
        Op::Eq => Ok(want == got),
        Op::Ne => Ok(want != got),
        op => Err(format!("`{}` does not order booleans", op.as_str())),
    }
}

fn ordered(op: Op, ord: Ordering) -> bool {
    match op {
        Op::Ge => ord.is_ge(),
        Op::Le => ord.is_le(),
        Op::Gt => ord.is_gt(),
        Op::Lt => ord.is_lt(),
        Op::Eq => ord.is_eq(),
        Op::Ne => ord.is_ne(),
        Op::Exact => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(name: &str, value: &str) -> Constraint {
        Constraint {
            name: name.into(),
            value: value.into(),
            severity: None,
            remediation: None,
            unit: None,
        }
    }

    fn one(name: &str, reading: Reading) -> Measurements {
        let mut m = Measurements::new();
        m.add(name.split('.').map(String::from).collect(), reading, "t");
        m
    }

    fn status(name: &str, actual: &str, value: &str) -> Status {
        let m = one(name, Reading::String(actual.into()));
        check(&constraint(name, value), &m, &Catalog::default()).status
    }

    #[test]
    fn parses_like_the_reference() {
        assert_eq!(parse_expr(">=6.8").unwrap().op, Op::Ge);
        assert_eq!(parse_expr(" <= 1.2 ").unwrap().value, "1.2");
        assert_eq!(parse_expr("=1.0").unwrap().op, Op::Exact);
        assert_eq!(parse_expr("1.2 - 1.4").unwrap().value, "1.2 - 1.4");
        assert!(parse_expr("").is_err());
        assert!(parse_expr(">= ").is_err());
    }

    #[test]
    fn the_reference_cases() {
        assert_eq!(status("OS.k.v", "6.8.0-1028-aws", ">= 6.8"), Status::Passed);
        assert_eq!(
            status("K8s.server.version", "v1.33.5-eks-3025e55", ">= 1.32.4"),
            Status::Passed
        );
        assert_eq!(status("OS.release.ID", "Ubuntu", "ubuntu"), Status::Failed);
        assert_eq!(status("OS.release.ID", "ubuntu", "ubuntu"), Status::Passed);
        assert_eq!(status("OS.release.V", "24.4", "24.04"), Status::Failed);
        assert_eq!(status("OS.release.V", "24.4", "== 24.04"), Status::Passed);
        assert_eq!(
            status("OS.release.ID", "ubuntu", "== ubuntu"),
            Status::Passed
        );
        assert_eq!(status("OS.release.ID", "ubuntu", "!= rhel"), Status::Passed);
        assert_eq!(status("OS.release.ID", "1.2", "!= 1.2.0"), Status::Failed);
        assert_eq!(status("OS.release.ID", "abc", ">= 1.2"), Status::Other);
        assert_eq!(status("OS.release.ID", "1.30.5", "> 1.30"), Status::Passed);
        assert_eq!(status("OS.release.ID", "2.0.0", "< 2.0"), Status::Failed);
        assert_eq!(status("OS.release.ID", " 1.3 ", "== 1.3"), Status::Passed);
    }

    #[test]
    fn missing_is_skipped_unless_required() {
        let m = Measurements::new();
        let mut c = constraint("OS.sysctl./proc/sys/kernel/osrelease", ">= 6.8");
        let out = check(&c, &m, &Catalog::default());
        assert_eq!(out.status, Status::Skipped);
        assert!(out.actual.is_none());
        c.severity = Some("error".into());
        assert_eq!(check(&c, &m, &Catalog::default()).status, Status::Failed);
    }

    #[test]
    fn numbers_compare_numerically_with_units() {
        assert_eq!(number("300 GB/s"), Some(300.0));
        assert_eq!(number("3e2"), Some(300.0));
        assert_eq!(number("300 GB/s!"), None);
        assert_eq!(number("inf"), None);
        let entry = |r: Reading| Entry {
            segments: vec!["bw".into()],
            reading: r,
            source: "t".into(),
        };
        let e = parse_expr(">= 300").unwrap();
        let ty = Some(MeasureType::Number);
        assert_eq!(
            evaluate(&e, "", &entry(Reading::Float(299.9)), ty),
            Ok(false)
        );
        assert_eq!(evaluate(&e, "", &entry(Reading::Int(300)), ty), Ok(true));
        assert!(evaluate(&e, "", &entry(Reading::Bool(true)), ty).is_err());
    }
}
