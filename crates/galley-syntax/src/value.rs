//! Helm values: the data model shared by values files, `set` blocks and emitters.
//!
//! Maps keep insertion order; emitters that need the reference's sorted keys sort on output.
//! Integers stay integers: a YAML `8` is never read back as `8.0`.

use indexmap::IndexMap;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

pub type Map = IndexMap<String, Value>;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    Map(Map),
}

impl Value {
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// Helm-style deep merge: maps merge key by key, every other value replaces whole.
    pub fn merge_from(&mut self, over: &Value) {
        match (self, over) {
            (Value::Map(base), Value::Map(over)) => {
                for (k, v) in over {
                    match base.get_mut(k) {
                        Some(b) => b.merge_from(v),
                        None => {
                            base.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            (slot, over) => *slot = over.clone(),
        }
    }

    /// [`Value::merge_from`] taking `over` by value: what it adds is moved, not copied.
    pub fn merge_owned(&mut self, over: Value) {
        match (self, over) {
            (Value::Map(base), Value::Map(over)) => {
                for (k, v) in over {
                    match base.get_mut(&k) {
                        Some(b) => b.merge_owned(v),
                        None => {
                            base.insert(k, v);
                        }
                    }
                }
            }
            (slot, over) => *slot = over,
        }
    }

    /// A copy with every map's keys sorted (byte order), recursively.
    pub fn sorted(&self) -> Value {
        match self {
            Value::Map(m) => {
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Map(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), v.sorted()))
                        .collect(),
                )
            }
            Value::List(l) => Value::List(l.iter().map(Value::sorted).collect()),
            other => other.clone(),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::String(t) => s.serialize_str(t),
            Value::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn merge_owned_gives_what_merge_from_gives() {
        let base = map(&[
            ("a", map(&[("x", Value::Int(1)), ("y", Value::Int(2))])),
            ("s", Value::String("keep".into())),
            ("m", map(&[("deep", Value::Bool(true))])),
        ]);
        let over = map(&[
            ("z", Value::Null),
            (
                "a",
                map(&[("y", Value::Int(3)), ("n", Value::List(vec![]))]),
            ),
            ("s", map(&[("now", Value::Int(1))])),
            ("m", Value::Int(7)),
        ]);
        for (start, top) in [
            (base.clone(), over.clone()),
            (Value::Map(Default::default()), over.clone()),
            (Value::Int(1), over.clone()),
            (base.clone(), Value::Null),
        ] {
            let mut borrowed = start.clone();
            borrowed.merge_from(&top);
            let mut owned = start;
            owned.merge_owned(top);
            assert_eq!(format!("{owned:?}"), format!("{borrowed:?}"));
        }
    }

    #[test]
    fn merge_recurses_into_maps_and_replaces_lists() {
        let mut base = map(&[
            ("a", map(&[("x", Value::Int(1)), ("y", Value::Int(2))])),
            ("l", Value::List(vec![Value::Int(1), Value::Int(2)])),
        ]);
        let over = map(&[
            ("a", map(&[("y", Value::Int(3))])),
            ("l", Value::List(vec![Value::Int(9)])),
            ("n", Value::Null),
        ]);
        base.merge_from(&over);
        assert_eq!(
            base,
            map(&[
                ("a", map(&[("x", Value::Int(1)), ("y", Value::Int(3))])),
                ("l", Value::List(vec![Value::Int(9)])),
                ("n", Value::Null),
            ])
        );
    }
}
