//! The CTRF report `galley validate` writes (`validate.md` §5; schema: ctrf.io). The
//! reference's shape — `reportFormat`, `specVersion` `0.0.1`, `timestamp`, `generatedBy`,
//! `results.tool`, `results.summary`, `results.tests` with `name`, `status`, `duration`,
//! `suite`, `message` — plus, for constraints, `extra: {expected, actual, remediation,
//! source}`, the schema's extension point. Indented JSON with a trailing newline.

use super::TestResult;
use crate::measure::clock;
use crate::measure::constraint::Status;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    report_format: &'static str,
    spec_version: &'static str,
    timestamp: String,
    generated_by: &'static str,
    results: Results,
}

#[derive(Serialize)]
struct Results {
    tool: Tool,
    summary: Summary,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// Counts by status; `pending` is always 0 (a pending validator test is counted as `other`).
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub tests: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub pending: usize,
    pub other: usize,
    pub start: i64,
    pub stop: i64,
}

#[derive(Serialize)]
struct Test {
    name: String,
    status: Status,
    duration: i64,
    suite: [String; 2],
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<Extra>,
}

#[derive(Serialize)]
struct Extra {
    expected: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    /// A bound computed from the snapshot: its value, and how (`300 (37.5 * GPU.smi.gpu-count = 37.5 * 8)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    bound: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
}

pub fn summary(tests: &[TestResult], start: i64, stop: i64) -> Summary {
    let count = |s: Status| tests.iter().filter(|t| t.status == s).count();
    Summary {
        tests: tests.len(),
        passed: count(Status::Passed),
        failed: count(Status::Failed),
        skipped: count(Status::Skipped),
        pending: 0,
        other: count(Status::Other),
        start,
        stop,
    }
}

/// The report for `tests`, run between `start` and `stop` (Unix milliseconds).
pub fn report(tests: &[TestResult], start: i64, stop: i64) -> Report {
    Report {
        report_format: "CTRF",
        spec_version: "0.0.1",
        timestamp: clock::rfc3339(start),
        generated_by: "galley",
        results: Results {
            tool: Tool {
                name: "galley",
                version: env!("CARGO_PKG_VERSION"),
            },
            summary: summary(tests, start, stop),
            tests: tests
                .iter()
                .map(|t| Test {
                    name: t.name.clone(),
                    status: t.status,
                    duration: t.duration,
                    suite: t.suite.clone(),
                    message: t.message.clone(),
                    extra: t.constraint.as_ref().map(|o| Extra {
                        expected: o.expected.clone(),
                        actual: o.actual.clone(),
                        remediation: o.remediation.clone(),
                        source: o.source.clone(),
                        bound: o.bound.clone(),
                        unit: o.unit.clone(),
                    }),
                })
                .collect(),
        },
    }
}

pub fn to_json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}
