//! `galley coverage`: the whole criteria space, agreeing with `galley recipe` target by
//! target; dead overlays and conflicts reported and failing `--fail-on`.

use crate::support::*;
use serde_json::Value;

fn coverage(args: &[&str]) -> (Value, std::process::Output) {
    let out = run(galley()
        .arg("coverage")
        .args(args)
        .args(["--format", "json"]));
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("coverage JSON: {e}\n{}", stderr(&out)));
    (doc, out)
}

#[test]
fn the_shipped_library_has_1620_targets_and_no_failures() {
    let (doc, out) = coverage(&["--fail-on", "conflict,dependency,dead"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = &doc["summary"];
    assert_eq!(s["targets"], 1620);
    assert_eq!(doc["targets"].as_array().map(Vec::len), Some(1620));
    let sum = ["curated", "partial", "base"]
        .iter()
        .map(|k| s[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(sum, 1620, "every target has exactly one class");
    assert_eq!(s["failing"], 0);
    assert_eq!(doc["deadOverlays"], serde_json::json!([]));
    // recipe-engine.md §10: 756 targets get only base and the mixin; 37 distinct results.
    assert_eq!(s["base"], 756);
    assert_eq!(doc["results"].as_array().map(Vec::len), Some(37));
    for (dim, rows) in doc["byDimension"].as_object().unwrap() {
        let total: u64 = rows
            .as_object()
            .unwrap()
            .values()
            .map(|t| t["targets"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 1620, "{dim}");
    }
}

fn criteria_flags(c: &Value) -> Vec<String> {
    c.as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| *v != "any")
        .flat_map(|(k, v)| [format!("--{k}"), v.as_str().unwrap().to_string()])
        .collect()
}

/// A deterministic sample of targets: every 41st, and the all-`any` one is skipped because
/// the CLI refuses an empty query.
fn cross_check(data: &[&str], step: usize) -> usize {
    let (doc, _) = coverage(data);
    let results = doc["results"].as_array().unwrap();
    let mut checked = 0;
    for t in doc["targets"].as_array().unwrap().iter().step_by(step) {
        let flags = criteria_flags(&t["criteria"]);
        if flags.is_empty() {
            continue;
        }
        let out = run(galley()
            .args(["recipe", "--format", "json"])
            .args(data)
            .args(&flags));
        let result = &results[t["result"].as_u64().unwrap() as usize];
        if result["failure"].is_null() {
            assert_eq!(out.status.code(), Some(0), "{flags:?}: {}", stderr(&out));
            let recipe: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(
                recipe["metadata"]["appliedOverlays"], result["applied"],
                "{flags:?}"
            );
        } else {
            assert_eq!(out.status.code(), Some(1), "{flags:?} should fail");
            for code in result["codes"].as_array().unwrap() {
                assert!(stderr(&out).contains(code.as_str().unwrap()), "{flags:?}");
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn agrees_with_galley_recipe_on_a_sample_of_targets() {
    assert!(cross_check(&[], 41) >= 39);
}

#[test]
fn agrees_with_galley_recipe_where_targets_conflict() {
    assert!(cross_check(&["--data", "tests/fixtures/resolve/conflict"], 23) >= 70);
}

#[test]
fn a_conflict_is_reported_and_fails_fail_on_conflict() {
    let data = ["--data", "tests/fixtures/resolve/conflict"];
    let (doc, out) = coverage(&data);
    assert_eq!(out.status.code(), Some(0), "no --fail-on: report only");
    let failing: Vec<&Value> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["failure"] == "conflict")
        .collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(
        failing[0]["deepest"],
        serde_json::json!(["monitoring-hpa", "oke-a100", "oke-training"])
    );
    // oke × a100 × training × every os (5) × every platform (3).
    assert_eq!(failing[0]["targets"], 15);
    assert_eq!(doc["summary"]["failing"], 15);
    let out = run(galley()
        .arg("coverage")
        .args(data)
        .args(["--fail-on", "conflict"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--fail-on conflict: 15 target(s)"));
    assert!(stdout(&out).contains("galley::merge::conflict"));
    let out = run(galley()
        .arg("coverage")
        .args(data)
        .args(["--fail-on", "dead,dependency"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_dead_overlay_is_reported_and_fails_fail_on_dead() {
    let data = ["--data", "tests/fixtures/coverage/dead"];
    let (doc, _) = coverage(&data);
    assert_eq!(doc["deadOverlays"], serde_json::json!(["oke-forgotten"]));
    let out = run(galley()
        .arg("coverage")
        .args(data)
        .args(["--fail-on", "dead"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("`oke-forgotten`"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("`oke-forgotten` at "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn user_values_extend_the_space() {
    let (doc, _) = coverage(&["--data", "tests/fixtures/data/h200"]);
    assert_eq!(
        doc["summary"]["targets"], 1890,
        "7 accelerators instead of 6"
    );
    assert!(
        doc["dimensions"]["accelerator"]
            .as_array()
            .unwrap()
            .contains(&"h200".into())
    );
}

#[test]
fn table_and_markdown_are_deterministic() {
    for format in ["table", "markdown"] {
        let a = run(galley().args(["coverage", "--targets", "--format", format]));
        let b = run(galley().env("GALLEY_THREADS", "1").args([
            "coverage",
            "--targets",
            "--format",
            format,
        ]));
        assert_eq!(a.status.code(), Some(0));
        assert_eq!(a.stdout, b.stdout, "{format}");
        let text = stdout(&a);
        assert!(text.contains("1620 targets"), "{format}: {text}");
        let rows = text
            .lines()
            .filter(|l| {
                [" curated ", " partial ", " base "]
                    .iter()
                    .any(|c| l.contains(c))
            })
            .count();
        assert!(rows >= 1620, "{format}: every target listed ({rows} rows)");
    }
}
