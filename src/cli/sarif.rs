//! Diagnostics as SARIF 2.1.0 (`galley check --format sarif`), for code-scanning tools.
//! Every code is a rule; each diagnostic is a result at its primary label, with the other
//! labels as related locations.

use crate::diag::{Code, Diagnostic, Severity};
use crate::render::{JsonLabel, to_json};
use crate::source::Files;
use serde_json::{Value, json};

fn region(l: &JsonLabel) -> Value {
    json!({
        "artifactLocation": { "uri": l.file },
        "region": {
            "startLine": l.line, "startColumn": l.column,
            "endLine": l.end_line, "endColumn": l.end_column,
        },
    })
}

fn result(d: &Diagnostic, files: &Files) -> Value {
    let j = to_json(d, files);
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let rule = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
    let mut r = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": rule,
        "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "message": { "text": text },
        "locations": j.labels.first().map(|l| vec![json!({ "physicalLocation": region(l) })]).unwrap_or_default(),
    });
    let related: Vec<Value> = j
        .labels
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, l)| {
            json!({ "id": i, "physicalLocation": region(l), "message": { "text": l.message } })
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = Value::Array(related);
    }
    r
}

pub fn sarif<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>, files: &Files) -> String {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": { "text": c.describe() },
                "helpUri": "https://example.invalid/galley/docs/diagnostics.md",
            })
        })
        .collect();
    let results: Vec<Value> = diags.into_iter().map(|d| result(d, files)).collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "galley",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/galley",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
