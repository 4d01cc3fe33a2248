//! `galley graph`: Graphviz renders it, the Mermaid parses back to the same graph, waves are
//! dependency depths, and a cycle is drawn and reported.

use crate::support::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const TARGET: [&str; 8] = [
    "--service",
    "eks",
    "--accelerator",
    "h100",
    "--intent",
    "training",
    "--os",
    "ubuntu",
];

fn graph(format: &str, extra: &[&str]) -> std::process::Output {
    run(galley().arg("graph").args(extra).args(["--format", format]))
}

fn json_graph(extra: &[&str]) -> Value {
    serde_json::from_slice(&graph("json", extra).stdout).expect("graph JSON")
}

#[test]
fn waves_are_dependency_depths_and_agree_with_the_deployment_order() {
    let g = json_graph(&TARGET);
    let wave: BTreeMap<&str, u64> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["name"].as_str().unwrap(), n["wave"].as_u64().unwrap()))
        .collect();
    for e in g["edges"].as_array().unwrap() {
        let (from, to) = (e["from"].as_str().unwrap(), e["to"].as_str().unwrap());
        assert!(wave[from] < wave[to], "{from} -> {to}");
    }
    for (name, w) in &wave {
        let deps: Vec<u64> = g["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["to"] == *name)
            .map(|e| wave[e["from"].as_str().unwrap()])
            .collect();
        assert_eq!(*w, deps.iter().max().map_or(0, |d| d + 1), "{name}");
    }
    let order: Vec<&str> = g["deploymentOrder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let names: BTreeSet<&str> = wave.keys().copied().collect();
    assert_eq!(order.iter().copied().collect::<BTreeSet<_>>(), names);
    assert_eq!(g["cycles"], serde_json::json!([]));
}

/// Structural Mermaid reader: `flowchart`, `subgraph ID["…"]` … `end`, nodes `ID["…"]`,
/// edges `A --> B` / `A -->|label| B`, `classDef`/`class` lines. Panics on anything else.
fn parse_mermaid(text: &str) -> (BTreeMap<String, String>, BTreeSet<(String, String)>, usize) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let (mut nodes, mut edges, mut depth, mut subgraphs) =
        (BTreeMap::new(), BTreeSet::new(), 0i32, 0);
    let id_ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    for line in lines {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("subgraph ") {
            let (id, label) = rest.split_once("[\"").expect("subgraph label");
            assert!(id_ok(id) && label.ends_with("\"]"), "{t}");
            depth += 1;
            subgraphs += 1;
        } else if t == "end" {
            depth -= 1;
            assert!(depth >= 0, "unbalanced end");
        } else if t.starts_with("classDef ") || t.starts_with("class ") {
        } else if let Some((a, rest)) = t.split_once(" -->") {
            let b = match rest.strip_prefix('|') {
                Some(r) => r.split_once("| ").expect("edge label").1,
                None => rest.trim_start(),
            };
            assert!(id_ok(a) && id_ok(b), "{t}");
            edges.insert((a.to_string(), b.to_string()));
        } else {
            let (id, label) = t
                .split_once("[\"")
                .unwrap_or_else(|| panic!("unknown line `{t}`"));
            let label = label.strip_suffix("\"]").expect("closed label");
            assert!(id_ok(id) && !label.contains('"'), "{t}");
            assert!(
                nodes.insert(id.to_string(), label.to_string()).is_none(),
                "node twice: {t}"
            );
        }
    }
    assert_eq!(depth, 0, "unclosed subgraph");
    for (a, b) in &edges {
        assert!(
            nodes.contains_key(a) && nodes.contains_key(b),
            "edge to undeclared node"
        );
    }
    (nodes, edges, subgraphs)
}

#[test]
fn mermaid_parses_back_to_the_same_graph() {
    let g = json_graph(&TARGET);
    let out = graph("mermaid", &TARGET);
    assert_eq!(out.status.code(), Some(0));
    let (nodes, edges, subgraphs) = parse_mermaid(&stdout(&out));
    let name_of: BTreeMap<&str, &str> = nodes
        .iter()
        .map(|(id, label)| (id.as_str(), label.split("<br/>").next().unwrap()))
        .collect();
    let names: BTreeSet<&str> = name_of.values().copied().collect();
    let want: BTreeSet<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, want);
    let got: BTreeSet<(&str, &str)> = edges
        .iter()
        .map(|(a, b)| (name_of[a.as_str()], name_of[b.as_str()]))
        .collect();
    let want: BTreeSet<(&str, &str)> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(subgraphs, g["waves"].as_array().unwrap().len());
}

fn dot_available() -> bool {
    let ok = std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        tool_missing(
            "Graphviz `dot`",
            "`make tools-min` installs graphviz as root",
        );
    }
    ok
}

fn render_with_dot(text: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dot runs");
    child.stdin.take().unwrap().write_all(text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "dot warns: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn graphviz_renders_the_dot_output() {
    if !dot_available() {
        return;
    }
    let out = graph("dot", &TARGET);
    assert_eq!(out.status.code(), Some(0));
    let svg = render_with_dot(&out.stdout);
    let g = json_graph(&TARGET);
    assert!(svg.contains("<svg") && svg.contains("wave 0"));
    assert_eq!(
        svg.matches("class=\"node\"").count(),
        g["nodes"].as_array().unwrap().len()
    );
    assert_eq!(
        svg.matches("class=\"edge\"").count(),
        g["edges"].as_array().unwrap().len()
    );
}

#[test]
fn a_cycle_is_drawn_and_reported() {
    let cyc = [
        "--service",
        "oke",
        "--data",
        "tests/fixtures/resolve/dependency-cycle",
    ];
    let out = graph("json", &cyc);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("galley::resolve::dependency-cycle"));
    let g: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        g["cycles"],
        serde_json::json!([["cert-manager", "gpu-operator"]])
    );
    let cycle_edges: Vec<&Value> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cycle"] == true)
        .collect();
    assert_eq!(cycle_edges.len(), 2);
    let mermaid = graph("mermaid", &cyc);
    assert_eq!(mermaid.status.code(), Some(1));
    let text = stdout(&mermaid);
    parse_mermaid(&text);
    assert_eq!(text.matches("-->|cycle|").count(), 2);
    let dot = graph("dot", &cyc);
    assert_eq!(dot.status.code(), Some(1));
    assert_eq!(stdout(&dot).matches("label=\"cycle\"").count(), 2);
    if dot_available() {
        render_with_dot(&dot.stdout);
    }
}
