//! A recipe's dependency graph: components, `needs` edges (dependency → dependent),
//! deployment waves and cycles; rendered as Graphviz, Mermaid or JSON.
//!
//! A component's wave is its dependency depth: 0 when it needs nothing, otherwise one more
//! than the deepest component it needs. Components on a cycle, or behind one, have no wave.

use crate::ir::Recipe;
use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `None` on or behind a cycle, and for a dependency the recipe lacks.
    pub wave: Option<usize>,
    /// A component some `needs` names but the recipe does not include.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    /// The dependency (deployed first).
    pub from: String,
    /// The component that needs it.
    pub to: String,
    /// The edge lies on a cycle.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Graph {
    /// Format version of the JSON form.
    pub version: u32,
    pub criteria: String,
    /// Sorted by name.
    pub nodes: Vec<Node>,
    /// Sorted.
    pub edges: Vec<Edge>,
    /// Wave i: the components of depth i, sorted.
    pub waves: Vec<Vec<String>>,
    /// Each cycle's members, sorted; cycles sorted.
    pub cycles: Vec<Vec<String>>,
    pub deployment_order: Vec<String>,
}

impl Graph {
    pub fn new(recipe: &Recipe) -> Graph {
        let present: BTreeSet<&str> = recipe.components.iter().map(|c| c.name.as_str()).collect();
        let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
        for c in &recipe.components {
            g.add_node(&c.name);
            for dep in &c.dependency_refs {
                g.add_edge(dep.as_str(), c.name.as_str(), ());
            }
        }
        let cycles = cycles(&g);
        let on_cycle: BTreeSet<(&str, &str)> = cycles
            .iter()
            .flat_map(|members| {
                let set: BTreeSet<&str> = members.iter().map(String::as_str).collect();
                g.all_edges()
                    .filter(move |(a, b, _)| set.contains(a) && set.contains(b))
                    .map(|(a, b, _)| (a, b))
                    .collect::<Vec<_>>()
            })
            .collect();
        let waves_of = waves(&g, &present);
        let mut nodes: Vec<Node> = g
            .nodes()
            .map(|name| {
                let c = recipe.component(name);
                Node {
                    name: name.to_string(),
                    version: c.and_then(|c| c.version.clone().or_else(|| c.tag.clone())),
                    namespace: c.and_then(|c| c.namespace.clone()),
                    wave: waves_of.get(name).copied(),
                    missing: c.is_none(),
                }
            })
            .collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut edges: Vec<Edge> = g
            .all_edges()
            .map(|(a, b, _)| Edge {
                from: a.to_string(),
                to: b.to_string(),
                cycle: on_cycle.contains(&(a, b)),
            })
            .collect();
        edges.sort();
        let depth = waves_of.values().max().map_or(0, |d| d + 1);
        let mut waves = vec![Vec::new(); depth];
        for n in &nodes {
            if let Some(w) = n.wave {
                waves[w].push(n.name.clone());
            }
        }
        Graph {
            version: 1,
            criteria: recipe.criteria.describe(),
            nodes,
            edges,
            waves,
            cycles,
            deployment_order: recipe.deployment_order.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph recipe {\n  rankdir=LR;\n  node [shape=box];\n");
        out.push_str(&format!(
            "  label={};\n  labelloc=t;\n",
            dot_str(&self.criteria)
        ));
        for (i, wave) in self.waves.iter().enumerate() {
            out.push_str(&format!(
                "  subgraph cluster_wave_{i} {{\n    label=\"wave {i}\";\n    style=dashed;\n"
            ));
            for name in wave {
                out.push_str(&format!("    {};\n", self.dot_node(name)));
            }
            out.push_str("  }\n");
        }
        for n in self.nodes.iter().filter(|n| n.wave.is_none()) {
            out.push_str(&format!("  {};\n", self.dot_node(&n.name)));
        }
        for e in &self.edges {
            let attrs = if e.cycle {
                " [color=red, penwidth=2, label=\"cycle\"]"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {} -> {}{attrs};\n",
                dot_str(&e.from),
                dot_str(&e.to)
            ));
        }
        out.push_str("}\n");
        out
    }

    fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    fn label(&self, name: &str) -> String {
        match self.node(name) {
            Some(Node {
                version: Some(v), ..
            }) => format!("{name}\n{v}"),
            Some(n) if n.missing => format!("{name}\n(not in the recipe)"),
            _ => name.to_string(),
        }
    }

    fn dot_node(&self, name: &str) -> String {
        let mut attrs = format!("label={}", dot_str(&self.label(name)));
        match self.node(name) {
            Some(n) if n.missing => attrs.push_str(", style=dashed, color=red"),
            Some(n) if n.wave.is_none() => attrs.push_str(", color=red"),
            _ => {}
        }
        format!("{} [{attrs}]", dot_str(name))
    }

    /// A Mermaid flowchart; node ids are `n0`, `n1`, … in name order.
    pub fn to_mermaid(&self) -> String {
        let ids: BTreeMap<&str, String> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), format!("n{i}")))
            .collect();
        let node = |name: &str| format!("{}[\"{}\"]", ids[name], mermaid_str(&self.label(name)));
        let mut out = String::from("flowchart LR\n");
        for (i, wave) in self.waves.iter().enumerate() {
            out.push_str(&format!("  subgraph wave{i}[\"wave {i}\"]\n"));
            for name in wave {
                out.push_str(&format!("    {}\n", node(name)));
            }
            out.push_str("  end\n");
        }
        for n in self.nodes.iter().filter(|n| n.wave.is_none()) {
            out.push_str(&format!("  {}\n", node(&n.name)));
        }
        for e in &self.edges {
            let arrow = if e.cycle { "-->|cycle|" } else { "-->" };
            out.push_str(&format!(
                "  {} {arrow} {}\n",
                ids[e.from.as_str()],
                ids[e.to.as_str()]
            ));
        }
        let unplaced: Vec<&str> = self
            .nodes
            .iter()
            .filter(|n| n.wave.is_none())
            .map(|n| ids[n.name.as_str()].as_str())
            .collect();
        if !unplaced.is_empty() {
            out.push_str("  classDef blocked stroke:#d00,stroke-width:2px\n");
            out.push_str(&format!("  class {} blocked\n", unplaced.join(",")));
        }
        out
    }
}

/// Each strongly connected component that holds a cycle, members sorted.
fn cycles(g: &DiGraphMap<&str, ()>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = tarjan_scc(g)
        .into_iter()
        .filter(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
        .map(|scc| {
            let mut members: Vec<String> = scc.iter().map(|s| s.to_string()).collect();
            members.sort();
            members
        })
        .collect();
    out.sort();
    out
}

/// Dependency depth of every component not on or behind a cycle (Kahn's layering).
fn waves<'a>(g: &DiGraphMap<&'a str, ()>, present: &BTreeSet<&str>) -> BTreeMap<&'a str, usize> {
    let mut waves = BTreeMap::new();
    let mut pending: BTreeMap<&str, usize> = g
        .nodes()
        .filter(|n| present.contains(n))
        .map(|n| (n, g.neighbors_directed(n, petgraph::Incoming).count()))
        .collect();
    let mut current: Vec<&str> = pending
        .iter()
        .filter(|&(_, &d)| d == 0)
        .map(|(&n, _)| n)
        .collect();
    let mut depth = 0;
    while !current.is_empty() {
        let mut next = Vec::new();
        for n in &current {
            pending.remove(n);
            waves.insert(*n, depth);
            for m in g.neighbors_directed(n, petgraph::Outgoing) {
                if let Some(d) = pending.get_mut(m) {
                    *d -= 1;
                    if *d == 0 {
                        next.push(m);
                    }
                }
            }
        }
        next.sort_unstable();
        next.dedup();
        current = next;
        depth += 1;
    }
    waves
}

/// A DOT string literal.
fn dot_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text inside a Mermaid `["…"]` label: quotes and markup as entities, lines as `<br/>`.
fn mermaid_str(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' => out.push_str("<br/>"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}
