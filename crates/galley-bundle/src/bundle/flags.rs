//! The bundle's command-line inputs: `--set`, node selectors, tolerations, the workload gate
//! and the node count, parsed the reference's way (`bundler.md` §3.1–§3.2) into typed values.

use crate::value::{Map, Value};

/// The deepest `--set` path: as deep as an overlay may nest (deeper paths would only build
/// values no emitter can write without running out of stack).
pub const MAX_SET_DEPTH: usize = crate::syntax::yaml::MAX_NESTING;

/// `--set COMPONENT:path.to.key=value` or `--set-string …`.
#[derive(Clone, Debug, PartialEq)]
pub struct SetFlag {
    pub component: String,
    pub path: Vec<String>,
    pub value: SetValue,
    /// The flag as given (`--set COMPONENT:PATH=VALUE`), for messages.
    pub raw: String,
}

/// What a `--set` flag holds before it meets the value it replaces.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    /// `--set` text: typed by the value it replaces, or by what it reads as.
    Text(String),
    /// `--set-string` text, or a `--set` value in matching quotes (quotes removed): always a
    /// string.
    Str(String),
}

/// Split on the first `:`, then the first `=`; the value may contain both. The path is
/// dotted (no escaping, no list indexes), as in the reference. `string` is `--set-string`.
pub fn parse_set(raw: &str, string: bool) -> Result<SetFlag, String> {
    let flag = if string { "--set-string" } else { "--set" };
    let shown = format!("`{flag} {}`", clip(raw));
    let (component, rest) = raw
        .split_once(':')
        .ok_or_else(|| format!("{shown}: expected COMPONENT:path=value"))?;
    let (path, value) = rest
        .split_once('=')
        .ok_or_else(|| format!("{shown}: expected COMPONENT:path=value (no `=`)"))?;
    if component.is_empty() {
        return Err(format!("{shown}: the component name is empty"));
    }
    if path.is_empty() || value.is_empty() {
        return Err(format!("{shown}: the path and the value must not be empty"));
    }
    let depth = path.split('.').count();
    if depth > MAX_SET_DEPTH {
        return Err(format!(
            "{shown}: the path has {depth} segments; at most {MAX_SET_DEPTH} are allowed"
        ));
    }
    let segments: Vec<String> = path.split('.').map(String::from).collect();
    if segments.iter().any(String::is_empty) {
        return Err(format!(
            "{shown}: `{}` has an empty path segment",
            clip(path)
        ));
    }
    let value = if string {
        SetValue::Str(value.to_string())
    } else {
        unquote(value).map_err(|e| format!("{shown}: {e}"))?
    };
    Ok(SetFlag {
        component: component.to_string(),
        path: segments,
        value,
        raw: format!("{flag} {raw}"),
    })
}

/// A flag as shown in a message: long ones cut (a path may be thousands of segments).
fn clip(s: &str) -> String {
    const MAX: usize = 120;
    match s.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// A `--set` value in matching `"` or `'` quotes is a string without them; a quote at one
/// end only is refused (it is almost always a quoting slip in the shell).
fn unquote(value: &str) -> Result<SetValue, String> {
    for q in ['"', '\''] {
        let (starts, ends) = (value.starts_with(q), value.ends_with(q));
        if starts && ends && value.len() >= 2 {
            return Ok(SetValue::Str(value[1..value.len() - 1].to_string()));
        }
        if starts || ends {
            return Err(format!(
                "the value `{}` has a `{q}` at one end only",
                clip(value)
            ));
        }
    }
    Ok(SetValue::Text(value.to_string()))
}

impl SetFlag {
    /// The value to store where `current` is (the values before this flag): a string stays
    /// a string, a boolean takes only `true`/`false`, a number only a number; with nothing
    /// typed to replace, [`infer`] decides. `Err` says why the text does not fit.
    pub fn typed(&self, current: Option<&Value>) -> Result<Value, String> {
        let text = match &self.value {
            SetValue::Str(s) => return Ok(Value::String(s.clone())),
            SetValue::Text(t) => t,
        };
        match current {
            Some(Value::String(_)) => Ok(Value::String(text.clone())),
            Some(Value::Bool(_)) => match infer(text) {
                b @ Value::Bool(_) => Ok(b),
                _ => Err(format!(
                    "it replaces a boolean, and `{}` is not `true` or `false`",
                    clip(text)
                )),
            },
            Some(Value::Int(_) | Value::Float(_)) => match infer(text) {
                n @ (Value::Int(_) | Value::Float(_)) => Ok(n),
                _ => Err(format!(
                    "it replaces a number, and `{}` is not a number written the way it prints",
                    clip(text)
                )),
            },
            _ => Ok(infer(text)),
        }
    }
}

/// What a `--set` value with nothing typed to replace becomes: exact `true`/`false` are
/// booleans; a number only when printing the number gives back exactly the text (`8`,
/// `-3`, `1.5`); everything else (`570.10`, `1e3`, `007`, `0x1F`, `.5`, `NaN`) a string.
pub fn infer(text: &str) -> Value {
    match text {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>()
        && i.to_string() == text
    {
        return Value::Int(i);
    }
    if let Ok(f) = text.parse::<f64>()
        && f.is_finite()
        && crate::syntax::yaml::float_text(f) == text
    {
        return Value::Float(f);
    }
    Value::String(text.to_string())
}

/// `key=value` selector pairs; a repeated key keeps its last value.
pub fn parse_selector(raw: &str, flag: &str) -> Result<(String, String), String> {
    let (k, v) = raw
        .split_once('=')
        .ok_or_else(|| format!("`--{flag} {raw}`: expected key=value"))?;
    if k.is_empty() {
        return Err(format!("`--{flag} {raw}`: the key is empty"));
    }
    label_key(k).map_err(|e| format!("`--{flag} {raw}`: {e}"))?;
    Ok((k.to_string(), v.to_string()))
}

/// A Kubernetes label key: an optional DNS prefix and `/`, then a name of at most 63
/// characters (alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric).
fn label_key(k: &str) -> Result<(), String> {
    let name = k.rsplit_once('/').map_or(k, |(prefix, name)| {
        if prefix.is_empty() || prefix.len() > 253 {
            ""
        } else {
            name
        }
    });
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(format!("`{k}` is not a valid Kubernetes label key"))
    }
}

pub const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// A toleration from `key=value:Effect`, `key:Effect`, `key=value` or `key`.
#[derive(Clone, Debug, PartialEq)]
pub struct Toleration {
    pub key: String,
    pub value: String,
    pub effect: String,
}

impl Toleration {
    /// The reference's shape: only non-empty fields; `Equal` with a value, else `Exists`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if !self.effect.is_empty() {
            m.insert("effect".into(), Value::String(self.effect.clone()));
        }
        if !self.key.is_empty() {
            m.insert("key".into(), Value::String(self.key.clone()));
        }
        let op = if self.value.is_empty() {
            "Exists"
        } else {
            "Equal"
        };
        m.insert("operator".into(), Value::String(op.into()));
        if !self.value.is_empty() {
            m.insert("value".into(), Value::String(self.value.clone()));
        }
        Value::Map(m)
    }

    /// What applies when no toleration flag is given: tolerate everything (the reference's
    /// default, kept because its recipes rely on it).
    pub fn tolerate_all() -> Value {
        Value::List(vec![Value::Map(Map::from_iter([(
            "operator".to_string(),
            Value::String("Exists".into()),
        )]))])
    }
}

fn split_effect<'a>(raw: &'a str, flag: &str) -> Result<(&'a str, &'a str), String> {
    match raw.rsplit_once(':') {
        Some((kv, effect)) => {
            if !EFFECTS.contains(&effect) {
                return Err(format!(
                    "`--{flag} {raw}`: unknown effect `{effect}`; expected one of {}",
                    EFFECTS.join(", ")
                ));
            }
            Ok((kv, effect))
        }
        None => Ok((raw, "")),
    }
}

pub fn parse_toleration(raw: &str, flag: &str) -> Result<Toleration, String> {
    let (kv, effect) = split_effect(raw, flag)?;
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    if !key.is_empty() {
        label_key(key).map_err(|e| format!("`--{flag} {raw}`: {e}"))?;
    } else if !value.is_empty() {
        return Err(format!("`--{flag} {raw}`: a value needs a key"));
    }
    Ok(Toleration {
        key: key.into(),
        value: value.into(),
        effect: effect.into(),
    })
}

/// `--workload-gate key=value:Effect` or `key:Effect`: a taint, written in Kubernetes'
/// `Taint.ToString` form.
#[derive(Clone, Debug, PartialEq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

impl Taint {
    pub fn to_taint_string(&self) -> String {
        match (self.value.is_empty(), self.effect.is_empty()) {
            (true, true) => self.key.clone(),
            (true, false) => format!("{}:{}", self.key, self.effect),
            (false, true) => format!("{}={}", self.key, self.value),
            (false, false) => format!("{}={}:{}", self.key, self.value, self.effect),
        }
    }
}

pub fn parse_taint(raw: &str, flag: &str) -> Result<Taint, String> {
    let (kv, effect) = split_effect(raw, flag)?;
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    if key.is_empty() {
        return Err(format!("`--{flag} {raw}`: a taint needs a key"));
    }
    label_key(key).map_err(|e| format!("`--{flag} {raw}`: {e}"))?;
    if effect.is_empty() {
        return Err(format!(
            "`--{flag} {raw}`: a taint needs an effect (`{key}:NoSchedule`)"
        ));
    }
    Ok(Taint {
        key: key.into(),
        value: value.into(),
        effect: effect.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str, current: Option<&Value>) -> Result<Value, String> {
        parse_set(&format!("c:a={s}"), false)?.typed(current)
    }

    #[test]
    fn set_values_read_as_numbers_only_when_they_print_back() {
        let v = |s: &str| typed(s, None).unwrap();
        let st = |s: &str| Value::String(s.into());
        assert_eq!(v("true"), Value::Bool(true));
        assert_eq!(v("True"), st("True"));
        assert_eq!(v("8"), Value::Int(8));
        assert_eq!(v("-3"), Value::Int(-3));
        assert_eq!(v("1.5"), Value::Float(1.5));
        assert_eq!(v("1.0"), Value::Float(1.0));
        for text in [
            "570.10", "1e3", "007", "01", "0x1F", ".5", "+3", "-0", "1_000",
        ] {
            assert_eq!(v(text), st(text), "{text}");
        }
        assert_eq!(v("99999999999999999999"), st("99999999999999999999"));
        assert_eq!(v("570.86.16"), st("570.86.16"));
        assert_eq!(v("NO"), st("NO"));
        assert_eq!(v("Inf"), st("Inf"));
        assert_eq!(v("NaN"), st("NaN"));
        assert_eq!(v("a=b:c"), st("a=b:c"));
    }

    #[test]
    fn set_values_keep_the_type_they_replace() {
        let s = Value::String("x".into());
        assert_eq!(
            typed("570.10", Some(&s)),
            Ok(Value::String("570.10".into()))
        );
        assert_eq!(typed("8", Some(&s)), Ok(Value::String("8".into())));
        assert_eq!(typed("true", Some(&s)), Ok(Value::String("true".into())));
        let b = Value::Bool(false);
        assert_eq!(typed("true", Some(&b)), Ok(Value::Bool(true)));
        assert!(typed("yes", Some(&b)).is_err());
        let n = Value::Int(1);
        assert_eq!(typed("3", Some(&n)), Ok(Value::Int(3)));
        assert_eq!(typed("2.5", Some(&n)), Ok(Value::Float(2.5)));
        assert!(typed("007", Some(&n)).is_err());
        assert!(typed("many", Some(&Value::Float(1.0))).is_err());
        // Nothing typed to replace: the text decides.
        assert_eq!(typed("8", Some(&Value::Null)), Ok(Value::Int(8)));
        assert_eq!(typed("8", Some(&Value::Map(Map::new()))), Ok(Value::Int(8)));
    }

    #[test]
    fn quotes_make_a_string_and_set_string_keeps_the_text() {
        let st = |s: &str| Ok(Value::String(s.into()));
        assert_eq!(typed("\"nvcr.io\"", None), st("nvcr.io"));
        assert_eq!(typed("'570.10'", None), st("570.10"));
        assert_eq!(typed("\"8\"", Some(&Value::Int(1))), st("8"));
        assert_eq!(typed("\"\"", None), st(""));
        assert!(parse_set("c:a=\"nvcr.io", false).is_err());
        assert!(parse_set("c:a=nvcr.io'", false).is_err());
        assert!(parse_set("c:a=\"", false).is_err());
        let s = parse_set("c:a=\"x\"", true).unwrap();
        assert_eq!(s.typed(Some(&Value::Int(1))), st("\"x\""));
        assert_eq!(parse_set("c:a=8", true).unwrap().typed(None), st("8"));
        assert_eq!(s.raw, "--set-string c:a=\"x\"");
    }

    #[test]
    fn set_shape_errors() {
        let bad = |s: &str| parse_set(s, false).is_err();
        assert!(bad("nocolon"));
        assert!(bad("c:path"));
        assert!(bad(":a=1"));
        assert!(bad("c:=1"));
        assert!(bad("c:a="));
        assert!(bad("c:a..b=1"));
        let s = parse_set("gpu-operator:driver.version=1:2", false).unwrap();
        assert_eq!(s.path, ["driver", "version"]);
    }

    #[test]
    fn set_paths_are_capped_at_the_nesting_limit() {
        let path = |n: usize| vec!["a"; n].join(".");
        assert!(parse_set(&format!("c:{}=1", path(MAX_SET_DEPTH)), false).is_ok());
        let e = parse_set(&format!("c:{}=1", path(20_000)), false).unwrap_err();
        assert!(e.contains("20000 segments; at most 255"), "{e}");
        assert!(e.len() < 400, "the message quotes the flag cut short: {e}");
    }

    #[test]
    fn tolerations_and_taints() {
        let t = parse_toleration("nvidia.com/gpu=present:NoSchedule", "t").unwrap();
        assert_eq!(
            crate::yaml_out::values_yaml(&t.to_value()),
            "effect: NoSchedule\nkey: nvidia.com/gpu\noperator: Equal\nvalue: present\n"
        );
        let t = parse_toleration("dedicated:NoExecute", "t").unwrap();
        assert_eq!(t.value, "");
        assert!(parse_toleration("k=v:Sometimes", "t").is_err());
        assert!(parse_toleration("bad key!=v", "t").is_err());
        assert_eq!(
            parse_taint("skyhook.nvidia.com=runtime-required:NoSchedule", "g")
                .unwrap()
                .to_taint_string(),
            "skyhook.nvidia.com=runtime-required:NoSchedule"
        );
        assert!(parse_taint("key", "g").is_err());
        assert!(parse_taint("=v:NoSchedule", "g").is_err());
        assert!(parse_selector("k", "s").is_err());
        assert!(parse_selector("a b=c", "s").is_err());
        assert_eq!(
            parse_selector("nodeGroup=gpu=x", "s").unwrap(),
            ("nodeGroup".into(), "gpu=x".into())
        );
    }
}
