//! Typed parameters: reading a parameter's value as its declared type, and checking it
//! against the declared range or set (docs/language.md, "Parameters").
//!
//! Every value arrives as text (a `--param NAME=VALUE` flag, a scalar of a criteria file, a
//! default as written) and is read the one way, so a value means the same wherever it is set.

use crate::syntax::ast::{ParamBound, ParamDecl, ParamType};
use crate::value::Value;
use crate::version::ClusterVersion;
use std::cmp::Ordering;

/// Where a parameter's value came from, lowest precedence first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The declaration's default.
    Default,
    /// The `params:` map of a `RecipeCriteria` file (`spec.params`).
    CriteriaFile,
    /// `--param NAME=VALUE`.
    Flag,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::CriteriaFile => "criteria-file",
            Source::Flag => "flag",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        [Source::Default, Source::CriteriaFile, Source::Flag]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One parameter of a resolved recipe: `metadata.params` of the RecipeResult.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Setting {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub value: Value,
    pub source: Source,
    /// The overlay that declares it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub overlay: String,
}

/// A value given for a parameter, as text, before it is checked against a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub name: String,
    pub text: String,
    pub source: Source,
}

/// `NAME=VALUE` of a `--param` flag.
pub fn parse_flag(raw: &str) -> Result<Given, String> {
    let Some((name, text)) = raw.split_once('=') else {
        return Err(format!(
            "invalid --param `{raw}`: expected NAME=VALUE, such as `--param gpu_count=8`"
        ));
    };
    if crate::syntax::ast::param_ref(&format!("${name}")).is_none() {
        return Err(format!(
            "invalid --param `{raw}`: `{name}` is not a parameter name (letters, digits, `_` and `-`, not starting with a digit)"
        ));
    }
    Ok(Given {
        name: name.to_string(),
        text: text.to_string(),
        source: Source::Flag,
    })
}

/// One entry of a RecipeResult's `metadata.params` read back.
pub fn recorded(n: &crate::syntax::yaml::Node) -> Result<Setting, String> {
    let text = |key: &str| n.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let name = text("name").ok_or("an entry needs a string `name`")?;
    let ty = text("type").ok_or_else(|| format!("parameter `{name}` needs a string `type`"))?;
    let value = n
        .get("value")
        .map(|v| v.to_value())
        .filter(|v| scalar_text(v).is_some())
        .ok_or_else(|| format!("parameter `{name}` needs a scalar `value`"))?;
    let source = text("source")
        .as_deref()
        .and_then(Source::parse)
        .ok_or_else(|| {
            format!("parameter `{name}` needs a `source`: `default`, `criteria-file` or `flag`")
        })?;
    Ok(Setting {
        name,
        ty,
        value,
        source,
        overlay: text("overlay").unwrap_or_default(),
    })
}

/// Why a value does not fit a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Misfit {
    /// It does not read as the type; the string says what the type looks like.
    Type(String),
    /// It reads, but lies outside the range or set; the string names what is allowed.
    Range(String),
}

/// What a type's values look like, for messages.
pub fn describe(ty: ParamType) -> &'static str {
    match ty {
        ParamType::String => "a string",
        ParamType::Int => "an integer such as `8`",
        ParamType::Bool => "`true` or `false`",
        ParamType::Quantity => "a quantity such as `50Gi`, `500m` or `2`",
        ParamType::Version => "a version such as `1.32.4`",
        ParamType::Enum => "one of the words of its set",
    }
}

/// The text form of a scalar (`None` for lists, maps and null).
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// Read `text` as a value of `decl`'s type and check its bound: the value that replaces
/// `$NAME` (integers and booleans typed, everything else a string).
pub fn read(decl: &ParamDecl, text: &str) -> Result<Value, Misfit> {
    let ty = decl.ty.node;
    let value = typed(ty, text).ok_or_else(|| Misfit::Type(describe(ty).to_string()))?;
    match &decl.bound {
        None => Ok(value),
        Some(ParamBound::Set { items, .. }) => {
            if items.iter().any(|i| same(ty, &i.node, text)) {
                Ok(value)
            } else {
                let all: Vec<String> = items.iter().map(|i| format!("`{}`", i.node)).collect();
                Err(Misfit::Range(format!("one of {}", all.join(", "))))
            }
        }
        Some(ParamBound::Range { lo, hi, .. }) => {
            let inside = compare(ty, &lo.node, text).is_some_and(|o| o != Ordering::Greater)
                && compare(ty, text, &hi.node).is_some_and(|o| o != Ordering::Greater);
            if inside {
                Ok(value)
            } else {
                Err(Misfit::Range(format!(
                    "from `{}` to `{}` inclusive",
                    lo.node, hi.node
                )))
            }
        }
    }
}

/// `text` as a value of type `ty`, or `None` when it is not one.
pub fn typed(ty: ParamType, text: &str) -> Option<Value> {
    match ty {
        ParamType::String | ParamType::Enum => Some(Value::String(text.to_string())),
        ParamType::Int => text.parse::<i64>().ok().map(Value::Int),
        ParamType::Bool => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        ParamType::Quantity => quantity(text).map(|_| Value::String(text.to_string())),
        ParamType::Version => ClusterVersion::parse(text).map(|_| Value::String(text.to_string())),
    }
}

/// Whether a type can have a range (`in LO..=HI`): the ordered ones.
pub fn ordered(ty: ParamType) -> bool {
    matches!(
        ty,
        ParamType::Int | ParamType::Quantity | ParamType::Version
    )
}

/// The order of two values of an ordered type; `None` when either does not read as one.
pub fn compare(ty: ParamType, a: &str, b: &str) -> Option<Ordering> {
    match ty {
        ParamType::Int => Some(a.parse::<i64>().ok()?.cmp(&b.parse::<i64>().ok()?)),
        ParamType::Quantity => quantity(a)?.partial_cmp(&quantity(b)?),
        ParamType::Version => {
            Some(ClusterVersion::parse(a)?.cmp_numeric(&ClusterVersion::parse(b)?))
        }
        _ => None,
    }
}

/// Two texts that name the same value of the type (`8` and `08` are one integer).
fn same(ty: ParamType, a: &str, b: &str) -> bool {
    match compare(ty, a, b) {
        Some(o) => o == Ordering::Equal,
        None => a == b,
    }
}

/// A Kubernetes quantity's magnitude: a decimal number with an optional binary (`Ki`…`Ei`)
/// or decimal (`n` `u` `m` `k` `M` `G` `T` `P` `E`) suffix.
pub fn quantity(text: &str) -> Option<f64> {
    const SUFFIXES: [(&str, f64); 15] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(s, f)| text.strip_suffix(s).map(|n| (n, *f)))
        .unwrap_or((text, 1.0));
    let digits = number.strip_prefix(['+', '-']).unwrap_or(number);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let well_formed = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && frac.is_empty());
    if !well_formed || digits.len() > 40 {
        return None;
    }
    number.parse::<f64>().ok().map(|n| n * factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span, Spanned};

    fn decl(ty: ParamType, bound: Option<ParamBound>) -> ParamDecl {
        let span = Span::new(FileId(0), 0..0);
        ParamDecl {
            span,
            name: Spanned::new("p".into(), span),
            ty: Spanned::new(ty, span),
            default: None,
            bound,
            doc: None,
        }
    }

    fn range(lo: &str, hi: &str) -> Option<ParamBound> {
        let span = Span::new(FileId(0), 0..0);
        Some(ParamBound::Range {
            span,
            lo: Spanned::new(lo.into(), span),
            hi: Spanned::new(hi.into(), span),
        })
    }

    #[test]
    fn quantities_read_with_their_suffix() {
        assert_eq!(quantity("2"), Some(2.0));
        assert_eq!(quantity("50Gi"), Some(50.0 * 1073741824.0));
        assert_eq!(quantity("500m"), Some(0.5));
        assert_eq!(quantity("1.5k"), Some(1500.0));
        for bad in ["", "Gi", "1..5", "1.", "x1", "1Gb", "1e3"] {
            assert_eq!(quantity(bad), None, "{bad}");
        }
    }

    #[test]
    fn int_range_is_inclusive() {
        let d = decl(ParamType::Int, range("1", "64"));
        assert_eq!(read(&d, "1"), Ok(Value::Int(1)));
        assert_eq!(read(&d, "64"), Ok(Value::Int(64)));
        assert!(matches!(read(&d, "65"), Err(Misfit::Range(_))));
        assert!(matches!(read(&d, "eight"), Err(Misfit::Type(_))));
    }

    #[test]
    fn quantity_and_version_ranges_compare_by_magnitude() {
        let q = decl(ParamType::Quantity, range("10Gi", "1Ti"));
        assert!(read(&q, "512Gi").is_ok());
        assert!(matches!(read(&q, "2Ti"), Err(Misfit::Range(_))));
        let v = decl(ParamType::Version, range("1.30", "1.33"));
        assert!(read(&v, "1.32.4").is_ok());
        assert!(matches!(read(&v, "1.29.9"), Err(Misfit::Range(_))));
    }

    #[test]
    fn bools_are_only_true_or_false() {
        let d = decl(ParamType::Bool, None);
        assert_eq!(read(&d, "true"), Ok(Value::Bool(true)));
        assert!(matches!(read(&d, "yes"), Err(Misfit::Type(_))));
    }
}
