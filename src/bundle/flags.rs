//! The bundle's command-line inputs: `--set`, node selectors, tolerations, the workload gate
//! and the node count, parsed the reference's way (`bundler.md` §3.1–§3.2) into typed values.

use crate::value::{Map, Value};

/// `--set COMPONENT:path.to.key=value`.
#[derive(Clone, Debug, PartialEq)]
pub struct SetFlag {
    pub component: String,
    pub path: Vec<String>,
    pub value: Value,
    /// The flag as given, for messages.
    pub raw: String,
}

/// Split on the first `:`, then the first `=`; the value may contain both. The path is
/// dotted (no escaping, no list indexes), as in the reference.
pub fn parse_set(raw: &str) -> Result<SetFlag, String> {
    let (component, rest) = raw
        .split_once(':')
        .ok_or_else(|| format!("`--set {raw}`: expected COMPONENT:path=value"))?;
    let (path, value) = rest
        .split_once('=')
        .ok_or_else(|| format!("`--set {raw}`: expected COMPONENT:path=value (no `=`)"))?;
    if component.is_empty() {
        return Err(format!("`--set {raw}`: the component name is empty"));
    }
    if path.is_empty() || value.is_empty() {
        return Err(format!(
            "`--set {raw}`: the path and the value must not be empty"
        ));
    }
    let segments: Vec<String> = path.split('.').map(String::from).collect();
    if segments.iter().any(String::is_empty) {
        return Err(format!("`--set {raw}`: `{path}` has an empty path segment"));
    }
    Ok(SetFlag {
        component: component.to_string(),
        path: segments,
        value: convert(value),
        raw: raw.to_string(),
    })
}

/// The reference's conversion: exact `true`/`false` are booleans, what Go's `ParseInt`
/// accepts is an integer, what `ParseFloat` accepts is a number, anything else a string.
/// Unlike the reference, `Inf` and `NaN` stay strings (a Helm value cannot hold them).
fn convert(text: &str) -> Value {
    match text {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Int(i);
    }
    let numeric = !digits.is_empty()
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && digits
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.');
    if numeric
        && let Ok(f) = text.parse::<f64>()
        && f.is_finite()
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

    #[test]
    fn set_values_convert_like_the_reference() {
        let v = |s: &str| parse_set(&format!("c:a={s}")).unwrap().value;
        assert_eq!(v("true"), Value::Bool(true));
        assert_eq!(v("True"), Value::String("True".into()));
        assert_eq!(v("01"), Value::Int(1));
        assert_eq!(v("-3"), Value::Int(-3));
        assert_eq!(v("1.5"), Value::Float(1.5));
        assert_eq!(v("1e3"), Value::Float(1000.0));
        assert_eq!(v("570.86.16"), Value::String("570.86.16".into()));
        assert_eq!(v("NO"), Value::String("NO".into()));
        assert_eq!(v("Inf"), Value::String("Inf".into()));
        assert_eq!(v("NaN"), Value::String("NaN".into()));
        assert_eq!(v("a=b:c"), Value::String("a=b:c".into()));
    }

    #[test]
    fn set_shape_errors() {
        assert!(parse_set("nocolon").is_err());
        assert!(parse_set("c:path").is_err());
        assert!(parse_set(":a=1").is_err());
        assert!(parse_set("c:=1").is_err());
        assert!(parse_set("c:a=").is_err());
        assert!(parse_set("c:a..b=1").is_err());
        let s = parse_set("gpu-operator:driver.version=1:2").unwrap();
        assert_eq!(s.path, ["driver", "version"]);
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
