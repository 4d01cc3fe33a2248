//! Bounds that follow the hardware: a constraint's value computed from measured facts of the
//! snapshot (docs/measure.md, "Thresholds that follow the hardware").
//!
//! ```text
//! require nccl-all-reduce-bw >= 37.5 * GPU.smi.gpu-count
//! require nccl-all-reduce-bw >= Network.fabric.class[efa = 300, infiniband = 350] * GPU.smi.gpu-count
//! ```
//!
//! An expression is a product of factors: a number, a fact (a numeric measurement), or a
//! table (a string measurement, and the number for each of its values). The text is carried
//! as the constraint's value (`>= 37.5 * GPU.smi.gpu-count`), so a RecipeResult keeps it;
//! the checker types it and `validate` evaluates it. Text that has no `*` and no `[` is not
//! an expression (a plain value such as `300`).

/// One factor of a product.
#[derive(Clone, Debug, PartialEq)]
pub enum Factor {
    Number(f64),
    /// A numeric measurement, by path.
    Fact(String),
    /// A string measurement, and the number for each value it may have.
    Table {
        fact: String,
        arms: Vec<(String, f64)>,
    },
}

/// A parsed bound: the product of its factors.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    pub factors: Vec<Factor>,
}

/// Whether `text` is written as an expression (and must then parse as one).
pub fn is_expression(text: &str) -> bool {
    text.contains('*') || text.contains('[')
}

/// Parse `text`; `Ok(None)` when it is not an expression, an error saying what is wrong when
/// it is one that does not parse.
pub fn parse(text: &str) -> Result<Option<Bound>, String> {
    if !is_expression(text) {
        return Ok(None);
    }
    let mut factors = Vec::new();
    for part in split_top(text, '*')? {
        factors.push(factor(part.trim())?);
    }
    Ok(Some(Bound { factors }))
}

/// `text` split at `sep` outside brackets.
fn split_top(text: &str, sep: char) -> Result<Vec<&str>, String> {
    let (mut depth, mut start, mut out) = (0usize, 0usize, Vec::new());
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.checked_sub(1).ok_or("a `]` without its `[`")?,
            c if c == sep && depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("a `[` without its `]`".into());
    }
    out.push(&text[start..]);
    Ok(out)
}

fn factor(text: &str) -> Result<Factor, String> {
    if text.is_empty() {
        return Err("a `*` needs a factor on each side".into());
    }
    if let Some(n) = number(text) {
        return Ok(Factor::Number(n));
    }
    if let Some((fact, rest)) = text.split_once('[') {
        let body = rest
            .strip_suffix(']')
            .ok_or_else(|| format!("`{text}`: nothing may follow a table's `]`"))?;
        let fact = path(fact.trim())?;
        let mut arms = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for arm in split_top(body, ',')?.into_iter().map(str::trim) {
            if arm.is_empty() {
                continue;
            }
            let (key, value) = arm
                .split_once('=')
                .ok_or_else(|| format!("table entry `{arm}` must be `VALUE = NUMBER`"))?;
            let (key, value) = (key.trim(), value.trim());
            let n = number(value)
                .ok_or_else(|| format!("table entry `{arm}`: `{value}` is not a number"))?;
            if !seen.insert(key) {
                return Err(format!("table entry `{key}` is given twice"));
            }
            arms.push((key.to_string(), n));
        }
        if arms.is_empty() {
            return Err(format!("the table of `{fact}` is empty"));
        }
        return Ok(Factor::Table { fact, arms });
    }
    Ok(Factor::Fact(path(text)?))
}

fn number(text: &str) -> Option<f64> {
    let ok = !text.is_empty()
        && text.len() <= 40
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().next().is_some_and(|b| b.is_ascii_digit());
    ok.then(|| text.parse::<f64>().ok())
        .flatten()
        .filter(|n| n.is_finite())
}

/// A dotted measurement path (`GPU.smi.gpu-count`).
fn path(text: &str) -> Result<String, String> {
    let good = text.split('.').all(|seg| {
        let mut cs = seg.chars();
        cs.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    if good {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{text}` is not a number or a measurement path such as `GPU.smi.gpu-count`"
        ))
    }
}

impl Bound {
    /// Every measurement the bound reads.
    pub fn facts(&self) -> impl Iterator<Item = &str> {
        self.factors.iter().filter_map(|f| match f {
            Factor::Fact(p) | Factor::Table { fact: p, .. } => Some(p.as_str()),
            Factor::Number(_) => None,
        })
    }

    /// The bound's value, reading each fact with `fact`; the error names the fact that is
    /// missing or does not fit. The second value shows the computation (`37.5 * 8`).
    pub fn evaluate(&self, fact: impl Fn(&str) -> Option<String>) -> Result<(f64, String), String> {
        let mut product = 1.0;
        let mut shown = Vec::new();
        for f in &self.factors {
            let n = match f {
                Factor::Number(n) => *n,
                Factor::Fact(p) => {
                    let text = fact(p).ok_or_else(|| format!("no `{p}` in the snapshot"))?;
                    text.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .ok_or_else(|| format!("`{p}` is `{text}`, not a number"))?
                }
                Factor::Table { fact: p, arms } => {
                    let text = fact(p).ok_or_else(|| format!("no `{p}` in the snapshot"))?;
                    let key = text.trim().to_ascii_lowercase();
                    arms.iter()
                        .find(|(k, _)| k.to_ascii_lowercase() == key)
                        .map(|(_, n)| *n)
                        .ok_or_else(|| {
                            let keys: Vec<&str> = arms.iter().map(|(k, _)| k.as_str()).collect();
                            format!(
                                "`{p}` is `{text}`, which the table does not list ({})",
                                keys.join(", ")
                            )
                        })?
                }
            };
            product *= n;
            shown.push(trim_float(n));
        }
        Ok((product, shown.join(" * ")))
    }
}

/// A number as text without a needless `.0`.
pub fn trim_float(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_are_not_expressions() {
        assert_eq!(parse("300"), Ok(None));
        assert_eq!(parse("1.32.4"), Ok(None));
    }

    #[test]
    fn a_product_of_a_floor_and_a_count() {
        let b = parse("37.5 * GPU.smi.gpu-count").unwrap().unwrap();
        assert_eq!(b.facts().collect::<Vec<_>>(), ["GPU.smi.gpu-count"]);
        let fact = |p: &str| (p == "GPU.smi.gpu-count").then(|| "4".to_string());
        assert_eq!(b.evaluate(fact), Ok((150.0, "37.5 * 4".into())));
        assert!(
            b.evaluate(|_| None)
                .unwrap_err()
                .contains("no `GPU.smi.gpu-count`")
        );
    }

    #[test]
    fn a_table_chooses_by_fabric() {
        let b = parse("Network.fabric.class[efa = 300, infiniband = 350]")
            .unwrap()
            .unwrap();
        let on = |v: &'static str| move |_: &str| Some(v.to_string());
        assert_eq!(b.evaluate(on("InfiniBand")).map(|r| r.0), Ok(350.0));
        assert!(
            b.evaluate(on("tcpxo"))
                .unwrap_err()
                .contains("does not list")
        );
    }

    #[test]
    fn malformed_expressions_say_why() {
        for bad in [
            "* 3",
            "3 *",
            "a.b[efa 3]",
            "a.b[efa = x]",
            "a.b[efa = 1, efa = 2]",
            "a.b[",
            "a.b[]",
            "3 * 4x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_large_table_is_read_in_linear_time() {
        let arms: Vec<String> = (0..50_000).map(|i| format!("k{i} = {i}")).collect();
        let text = format!("Network.fabric.class[{}]", arms.join(", "));
        let started = std::time::Instant::now();
        let b = parse(&text).unwrap().unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let fact = |_: &str| Some("k49999".to_string());
        assert_eq!(b.evaluate(fact).map(|r| r.0), Ok(49999.0));
    }
}
