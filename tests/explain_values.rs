//! `galley explain constraints` / `explain validation`: the winning value is the recipe's,
//! in human and JSON output (it was `(unset)` / `null` beside the overlay that set it).

use crate::support::{KUBEFLOW, galley, run, stderr, stdout};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let o = run(galley()
        .args(args)
        .args(KUBEFLOW)
        .args(["--format", "json"]));
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

fn human(what: &str) -> String {
    let o = run(galley().args(["explain", what]).args(KUBEFLOW));
    assert!(o.status.success(), "{what}: {}", stderr(&o));
    stdout(&o)
}

/// The entries of `explain WHAT --format json`, by path.
fn explained(what: &str) -> Vec<(String, Value)> {
    let Value::Array(entries) = json(&["explain", what]) else {
        panic!("explain {what}: not a list")
    };
    entries
        .into_iter()
        .map(|e| (e["path"].as_str().unwrap().to_string(), e["value"].clone()))
        .collect()
}

#[test]
fn explain_constraints_shows_the_winning_values() {
    let recipe = json(&["recipe"]);
    let want: Vec<(String, Value)> = recipe["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                format!("constraints.{}", c["name"].as_str().unwrap()),
                c["value"].clone(),
            )
        })
        .collect();
    assert!(want.len() >= 2, "{recipe}");
    let mut got = explained("constraints");
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want_sorted = want.clone();
    want_sorted.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want_sorted);

    let text = human("constraints");
    assert!(!text.contains("(unset)"), "{text}");
    for (path, value) in &want {
        let line = format!("{path} = {value}\n");
        assert!(text.contains(&line), "no `{line}` in:\n{text}");
    }
}

#[test]
fn explain_validation_shows_the_winning_phases() {
    let recipe = json(&["recipe"]);
    let phases = recipe["validation"].as_object().unwrap();
    assert!(phases.len() >= 2, "{recipe}");
    let got = explained("validation");
    assert_eq!(got.len(), phases.len(), "{got:?}");
    for (path, value) in &got {
        let phase = path.strip_prefix("validation.").unwrap();
        assert_eq!(Some(value), phases.get(phase), "{path}");
    }
    let one = explained("validation.performance");
    assert_eq!(one.len(), 1);
    assert_eq!(Some(&one[0].1), phases.get("performance"));

    let text = human("validation");
    assert!(!text.contains("(unset)"), "{text}");
    for (phase, value) in phases {
        let line = format!("validation.{phase} = {value}\n");
        assert!(text.contains(&line), "no `{line}` in:\n{text}");
    }
    // A shadowed phase is described as one, not as "a map".
    assert!(text.contains("shadows a different phase from"), "{text}");
    assert!(!text.contains("shadows a map"), "{text}");
}
