//! Validator results for `galley validate --results FILE` (YAML or JSON), one of:
//!
//! - a **CTRF report** (`reportFormat: CTRF`), as the reference's validators and most test
//!   tools write: each test's name, status and message become the result of the recipe check
//!   of that name;
//! - a **measurements document**, galley's format for numbers a validator measured, keyed by
//!   the constraint names recipes use (`docs/measure.md`):
//!
//!   ```yaml
//!   kind: Measurements
//!   apiVersion: galley.dev/v1alpha1
//!   metadata: {validator: nccl-all-reduce-bw}      # optional, free-form
//!   measurements:
//!     nccl-all-reduce-bw: 352.4                     # GB/s
//!     Deployment.gpu-operator.version: v25.3.3
//!     'SystemD["containerd.service"].ActiveState': active
//!   ```
//! - a **snapshot** (`validate.md` §1), whose readings join the main snapshot's.

use crate::diag::{Code, Diagnostic};
use crate::measure::measurements::bracket_segments;
use crate::measure::snapshot::{self, Reading, Snapshot};
use crate::source::{FileId, Span};
use crate::syntax::yaml::{self, Node, NodeKind};

/// One test of a CTRF report.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalTest {
    pub name: String,
    /// `passed`, `failed`, `skipped`, `pending` or `other`.
    pub status: String,
    pub message: Option<String>,
    pub suite: Vec<String>,
    pub duration: i64,
}

#[derive(Clone, Debug)]
pub enum ResultsDoc {
    Ctrf(Vec<ExternalTest>),
    Measurements(Vec<(Vec<String>, Reading)>),
    Snapshot(Snapshot),
}

pub const STATUSES: [&str; 5] = ["passed", "failed", "skipped", "pending", "other"];

/// Read a results file; warnings (from snapshots) come back alongside.
pub fn read(file: FileId, text: &str) -> Result<(ResultsDoc, Vec<Diagnostic>), Diagnostic> {
    let doc = yaml::parse_document(file, text)?
        .ok_or_else(|| error(Span::new(file, 0..0), "the results file is empty", "empty"))?;
    if doc.as_map().is_none() {
        return Err(error(
            doc.span,
            "a results file is a mapping",
            "not a mapping",
        ));
    }
    if doc.get("reportFormat").is_some() {
        return ctrf(&doc).map(|t| (ResultsDoc::Ctrf(t), Vec::new()));
    }
    match doc.get("kind").and_then(Node::as_str) {
        Some("Measurements") => {
            measurements(&doc).map(|m| (ResultsDoc::Measurements(m), Vec::new()))
        }
        Some("Snapshot") | None
            if doc
                .get("measurements")
                .is_some_and(|m| m.as_seq().is_some()) =>
        {
            snapshot::read(file, text).map(|(s, w)| (ResultsDoc::Snapshot(s), w))
        }
        _ => Err(error(
            doc.span,
            "not a CTRF report, a measurements document or a snapshot",
            "unrecognised results file",
        )
        .with_help(
            "a CTRF report has `reportFormat: CTRF`; a measurements document `kind: Measurements`",
        )),
    }
}

fn error(span: Span, message: impl Into<String>, label: &str) -> Diagnostic {
    Diagnostic::error(Code::ValidateResults, message).with_label(span, label)
}

fn ctrf(doc: &Node) -> Result<Vec<ExternalTest>, Diagnostic> {
    let format = doc.get("reportFormat").and_then(Node::as_str);
    if format != Some("CTRF") {
        let span = doc.get("reportFormat").map_or(doc.span, |n| n.span);
        return Err(error(
            span,
            "`reportFormat` is not `CTRF`",
            "expected `CTRF`",
        ));
    }
    let tests = doc
        .get("results")
        .and_then(|r| r.get("tests"))
        .ok_or_else(|| error(doc.span, "a CTRF report has no `results.tests`", "here"))?;
    if tests.is_null() {
        // The reference writes `"tests": null` for an empty merge.
        return Ok(Vec::new());
    }
    let items = tests
        .as_seq()
        .ok_or_else(|| error(tests.span, "`results.tests` is a list", "not a list"))?;
    items.iter().map(ctrf_test).collect()
}

fn ctrf_test(t: &Node) -> Result<ExternalTest, Diagnostic> {
    let name = t
        .get("name")
        .and_then(Node::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| error(t.span, "a CTRF test has no `name`", "here"))?;
    let status_node = t.get("status").ok_or_else(|| {
        error(
            t.span,
            format!("CTRF test `{name}` has no `status`"),
            "here",
        )
    })?;
    let status = status_node
        .as_str()
        .filter(|s| STATUSES.contains(s))
        .ok_or_else(|| {
            error(
                status_node.span,
                format!("CTRF test `{name}` has an unknown status"),
                "here",
            )
            .with_help(format!("expected one of: {}", STATUSES.join(", ")))
        })?;
    let suite = match t.get("suite").map(|s| &s.kind) {
        Some(NodeKind::Seq(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(String::from))
            .collect(),
        Some(NodeKind::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    Ok(ExternalTest {
        name: name.to_string(),
        status: status.to_string(),
        message: t.get("message").and_then(Node::as_str).map(String::from),
        suite,
        duration: t.get("duration").and_then(Node::as_i64).unwrap_or(0).max(0),
    })
}

fn measurements(doc: &Node) -> Result<Vec<(Vec<String>, Reading)>, Diagnostic> {
    let m = doc.get("measurements").ok_or_else(|| {
        error(
            doc.span,
            "a measurements document has no `measurements`",
            "here",
        )
    })?;
    let entries = m.as_map().ok_or_else(|| {
        error(
            m.span,
            "`measurements` maps constraint names to values",
            "not a mapping",
        )
    })?;
    let mut out = Vec::new();
    for (k, v) in entries {
        let name = k.key_text();
        let segments = match bracket_segments(&name) {
            Some(s) => s,
            None if name.contains('[') || name.trim().is_empty() => {
                return Err(error(
                    k.span,
                    format!("`{name}` is not a measurement name"),
                    "here",
                ));
            }
            None => name.split('.').map(String::from).collect(),
        };
        if segments.iter().any(String::is_empty) {
            return Err(error(
                k.span,
                format!("`{name}` has an empty segment"),
                "here",
            ));
        }
        let reading = match &v.kind {
            NodeKind::Int(i) => Reading::Int(*i),
            NodeKind::Float(f) if f.is_finite() => Reading::Float(*f),
            NodeKind::Bool(b) => Reading::Bool(*b),
            NodeKind::String(s) => Reading::String(s.clone()),
            _ => {
                return Err(error(
                    v.span,
                    format!("`{name}` is not a number, string or boolean"),
                    "here",
                ));
            }
        };
        out.push((segments, reading));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_kind() {
        let ctrf = r#"{"reportFormat":"CTRF","specVersion":"0.0.1","results":{"tool":{"name":"aicr"},"summary":{},"tests":[{"name":"operator-health","status":"passed","duration":3,"suite":["deployment"]}]}}"#;
        let Ok((ResultsDoc::Ctrf(tests), _)) = read(FileId(0), ctrf) else {
            panic!("ctrf")
        };
        assert_eq!(tests[0].suite, ["deployment"]);
        let m = "kind: Measurements\nmeasurements:\n  nccl-all-reduce-bw: 352\n  'SystemD[\"a.service\"].ActiveState': active\n";
        let Ok((ResultsDoc::Measurements(m), _)) = read(FileId(0), m) else {
            panic!("measurements")
        };
        assert_eq!(
            m[0],
            (vec!["nccl-all-reduce-bw".to_string()], Reading::Int(352))
        );
        assert_eq!(m[1].0[1], "a.service");
        let s = "measurements:\n  - type: GPU\n    subtypes: []\n";
        assert!(matches!(
            read(FileId(0), s),
            Ok((ResultsDoc::Snapshot(_), _))
        ));
    }

    #[test]
    fn rejects_malformed_results() {
        for bad in [
            "",
            "1",
            "kind: Other",
            "reportFormat: JUnit",
            "reportFormat: CTRF",
            "reportFormat: CTRF\nresults: {tests: {}}",
            "reportFormat: CTRF\nresults: {tests: [{status: passed}]}",
            "reportFormat: CTRF\nresults: {tests: [{name: a, status: ok}]}",
            "kind: Measurements",
            "kind: Measurements\nmeasurements: [1]",
            "kind: Measurements\nmeasurements: {a: [1]}",
            "kind: Measurements\nmeasurements: {a: null}",
            "kind: Measurements\nmeasurements: {'a..b': 1}",
            "kind: Measurements\nmeasurements: {'a[\"b': 1}",
            "kind: Measurements\nmeasurements: {a: .nan}",
        ] {
            assert!(read(FileId(0), bad).is_err(), "{bad}");
        }
    }
}
