//! The reference's `Snapshot` document (`validate.md` §1): `measurements` of a `type`, each
//! with `subtypes` (`subtype`, `data`, `context`). Read leniently, like the reference (no
//! `kind` needed, unknown fields ignored) but with warnings where it guesses: `name:` where
//! `subtype:` is meant, a type it does not know, a reading that is not a scalar.

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::yaml::{self, Node, NodeKind};
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The measurement types the reference collects.
pub const TYPES: [&str; 5] = ["K8s", "GPU", "OS", "SystemD", "NodeTopology"];

#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub measurements: Vec<Measurement>,
}

#[derive(Clone, Debug)]
pub struct Measurement {
    pub ty: String,
    pub subtypes: Vec<Subtype>,
}

#[derive(Clone, Debug)]
pub struct Subtype {
    pub name: String,
    pub data: IndexMap<String, Reading>,
}

/// One scalar reading; integers stay integers (a JSON `8` is not `8.0`).
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    Int(i64),
    Float(f64),
    Bool(bool),
    String(String),
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reading::Int(i) => write!(f, "{i}"),
            Reading::Float(x) => write!(f, "{x}"),
            Reading::Bool(b) => write!(f, "{b}"),
            Reading::String(s) => f.write_str(s),
        }
    }
}

impl Snapshot {
    /// Every reading of a subtype, in document order (later measurements win on lookups).
    pub fn subtypes<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Subtype> + 'a {
        self.measurements
            .iter()
            .filter(move |m| m.ty == ty)
            .flat_map(|m| m.subtypes.iter())
    }
}

/// A snapshot document as the reference writes it (`validate.md` §1): header, then
/// measurements; `data` keys sorted. Serialise with `yaml_out::document_yaml` or JSON.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document<'a> {
    pub kind: &'static str,
    pub api_version: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: &'a BTreeMap<String, String>,
    pub measurements: Vec<MeasurementDoc<'a>>,
}

#[derive(Serialize)]
pub struct MeasurementDoc<'a> {
    #[serde(rename = "type")]
    pub ty: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subtypes: Vec<SubtypeDoc<'a>>,
}

#[derive(Serialize)]
pub struct SubtypeDoc<'a> {
    pub subtype: &'a str,
    pub data: BTreeMap<&'a str, &'a Reading>,
}

impl Serialize for Reading {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Reading::Int(i) => s.serialize_i64(*i),
            Reading::Float(f) => s.serialize_f64(*f),
            Reading::Bool(b) => s.serialize_bool(*b),
            Reading::String(t) => s.serialize_str(t),
        }
    }
}

impl Snapshot {
    pub fn document<'a>(&'a self, metadata: &'a BTreeMap<String, String>) -> Document<'a> {
        Document {
            kind: "Snapshot",
            api_version: crate::ir::result::API_VERSION,
            metadata,
            measurements: self
                .measurements
                .iter()
                .map(|m| MeasurementDoc {
                    ty: &m.ty,
                    subtypes: m
                        .subtypes
                        .iter()
                        .map(|s| SubtypeDoc {
                            subtype: &s.name,
                            data: s.data.iter().map(|(k, v)| (k.as_str(), v)).collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Two columns for people: the constraint name of every reading, and its value
    /// (newlines and tabs escaped), sorted.
    pub fn table(&self) -> String {
        let mut rows: Vec<(String, String)> = Vec::new();
        for m in &self.measurements {
            for s in &m.subtypes {
                for (k, v) in &s.data {
                    let value = v.to_string().escape_debug().to_string();
                    rows.push((format!("{}.{}.{k}", m.ty, s.name), value));
                }
            }
        }
        rows.sort();
        let width = rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            .max(11);
        let mut out = format!("{:<width$}  VALUE\n", "MEASUREMENT");
        for (name, value) in rows {
            out.push_str(&format!("{name:<width$}  {value}\n"));
        }
        out
    }
}

/// Read a snapshot. Errors are for documents that are not snapshots at all; warnings
/// (returned alongside) say where the reading guessed.
pub fn read(file: FileId, text: &str) -> Result<(Snapshot, Vec<Diagnostic>), Diagnostic> {
    let doc = yaml::parse_document(file, text)?.ok_or_else(|| {
        Diagnostic::error(Code::YamlShape, "the snapshot is empty")
            .with_label(Span::new(file, 0..0), "empty")
    })?;
    let mut warnings = Vec::new();
    let shape = |node: &Node, what: &str| {
        Diagnostic::error(Code::YamlShape, format!("a snapshot's {what}"))
            .with_label(node.span, "here")
    };
    if !matches!(doc.kind, NodeKind::Map(_)) {
        return Err(shape(&doc, "top level is a mapping with `measurements`"));
    }
    if let Some(kind) = doc.get("kind").and_then(Node::as_str)
        && kind != "Snapshot"
    {
        return Err(Diagnostic::error(
            Code::YamlShape,
            format!("`kind: {kind}` is not a snapshot"),
        )
        .with_label(
            doc.get("kind").map_or(doc.span, |n| n.span),
            "expected `Snapshot`",
        ));
    }
    let list = doc
        .get("measurements")
        .ok_or_else(|| shape(&doc, "`measurements` list is missing"))?;
    let items = list
        .as_seq()
        .ok_or_else(|| shape(list, "`measurements` is a list"))?;
    let mut snapshot = Snapshot::default();
    for m in items {
        snapshot.measurements.push(measurement(m, &mut warnings)?);
    }
    Ok((snapshot, warnings))
}

fn measurement(m: &Node, warnings: &mut Vec<Diagnostic>) -> Result<Measurement, Diagnostic> {
    let ty_node = m.get("type").ok_or_else(|| {
        Diagnostic::error(Code::YamlShape, "a measurement has no `type`").with_label(m.span, "here")
    })?;
    let ty = ty_node.as_str().unwrap_or_default().to_string();
    if !TYPES.contains(&ty.as_str()) {
        warnings.push(
            Diagnostic::warning(Code::YamlShape, format!("unknown measurement type `{ty}`"))
                .with_label(ty_node.span, "not one the reference collects")
                .with_help(crate::diag::suggestion(&ty, TYPES)),
        );
    }
    let mut subtypes = Vec::new();
    if let Some(list) = m.get("subtypes") {
        let items = list.as_seq().ok_or_else(|| {
            Diagnostic::error(Code::YamlShape, "`subtypes` is a list").with_label(list.span, "here")
        })?;
        for s in items {
            subtypes.push(subtype(s, warnings)?);
        }
    }
    Ok(Measurement { ty, subtypes })
}

fn subtype(s: &Node, warnings: &mut Vec<Diagnostic>) -> Result<Subtype, Diagnostic> {
    let name = match (s.get("subtype"), s.get("name")) {
        (Some(n), _) => n.as_str().unwrap_or_default().to_string(),
        (None, Some(n)) => {
            warnings.push(
                Diagnostic::warning(
                    Code::YamlShape,
                    "`name:` used where the reference writes `subtype:`",
                )
                .with_label(n.span, "read as the subtype's name")
                .with_help("write `subtype:`; the reference reads this subtype as unnamed"),
            );
            n.as_str().unwrap_or_default().to_string()
        }
        (None, None) => String::new(),
    };
    let mut data = IndexMap::new();
    if let Some(d) = s.get("data") {
        let entries = d.as_map().ok_or_else(|| {
            Diagnostic::error(Code::YamlShape, "`data` is a mapping").with_label(d.span, "here")
        })?;
        for (k, v) in entries {
            match reading(v) {
                Some(r) => {
                    data.insert(k.key_text().into_owned(), r);
                }
                None => warnings.push(
                    Diagnostic::warning(
                        Code::YamlShape,
                        format!("reading `{}` is not a scalar; left out", k.key_text()),
                    )
                    .with_label(v.span, "null, a list or a map"),
                ),
            }
        }
    }
    Ok(Subtype { name, data })
}

fn reading(v: &Node) -> Option<Reading> {
    match &v.kind {
        NodeKind::Int(i) => Some(Reading::Int(*i)),
        NodeKind::Float(f) => Some(Reading::Float(*f)),
        NodeKind::Bool(b) => Some(Reading::Bool(*b)),
        NodeKind::String(s) => Some(Reading::String(s.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fixture_snapshot() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/measure/snapshot-eks-h100-ubuntu.yaml"
        ))
        .expect("the fixture is part of the repository");
        let (snap, warnings) = read(FileId(0), &text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let server = snap.subtypes("K8s").find(|s| s.name == "server").unwrap();
        assert_eq!(
            server.data["version"],
            Reading::String("v1.33.4-eks-7d3c1a2".into())
        );
        let smi = snap.subtypes("GPU").next().unwrap();
        assert_eq!(smi.data["gpu-count"], Reading::Int(8));
    }

    #[test]
    fn json_integers_stay_integers_and_name_is_tolerated() {
        let text = r#"{"measurements": [{"type": "GPU", "subtypes": [{"name": "smi", "data": {"gpu-count": 8, "x": null}}]}]}"#;
        let (snap, warnings) = read(FileId(0), text).unwrap();
        assert_eq!(warnings.len(), 2);
        let smi = snap.subtypes("GPU").next().unwrap();
        assert_eq!(smi.name, "smi");
        assert_eq!(smi.data["gpu-count"], Reading::Int(8));
    }

    #[test]
    fn rejects_what_is_not_a_snapshot() {
        for bad in [
            "",
            "[1]",
            "kind: RecipeResult\nmeasurements: []",
            "measurements: {}",
            "measurements:\n  - subtypes: []",
        ] {
            assert!(read(FileId(0), bad).is_err(), "{bad}");
        }
    }
}
