//! Dependencies and deployment order.
//!
//! Every `needs` entry must name a component of the recipe; the dependency graph must be
//! acyclic (a cycle is reported with every edge); the deployment order is the unique
//! lexicographically smallest topological order, dependencies first (the reference's rule,
//! `recipe-engine.md` §4), computed with Kahn's algorithm over a min-heap.

use crate::diag::{Code, Diagnostic, suggestion};
use crate::ir::{Component, Provenance};
use crate::source::Span;
use galley_syntax::hash::FastState;
use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

/// The dependency graph, hashed with the fast hasher (`galley_syntax::hash`).
type Graph<'a> = DiGraphMap<&'a str, (), FastState>;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

pub fn deployment_order(
    components: &[Component],
    prov: &Provenance,
) -> Result<Vec<String>, Vec<Diagnostic>> {
    let needs_span = |name: &str| {
        prov.paths
            .get(&format!("{name}.needs"))
            .map(|t| t.winner.span)
    };
    let names: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
    let mut errors = Vec::new();
    for c in components {
        for dep in &c.dependency_refs {
            if !names.contains(&dep.as_str()) {
                let mut d = Diagnostic::error(
                    Code::ResolveUnknownDependency,
                    format!(
                        "component `{}` needs `{dep}`, which this recipe does not include",
                        c.name
                    ),
                )
                .with_help(format!(
                    "add `component {dep} {{ }}` to an overlay this target applies ({})",
                    suggestion(dep, names.iter().copied())
                ));
                if let Some(span) = needs_span(&c.name) {
                    d = d.with_label(span, format!("`{dep}` is not part of the recipe"));
                }
                errors.push(d);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut graph: Graph<'_> = Graph::default();
    for &n in &names {
        graph.add_node(n);
    }
    for c in components {
        for dep in &c.dependency_refs {
            graph.add_edge(dep.as_str(), c.name.as_str(), ());
        }
    }
    // Kahn's algorithm places every node exactly when the graph has no cycle; only then
    // is it worth finding the cycles (Tarjan) to report them.
    let order = smallest_topological_order(&graph);
    if order.len() == names.len() {
        return Ok(order);
    }
    Err(cycles(&graph)
        .iter()
        .map(|cycle| cycle_diagnostic(cycle, &needs_span))
        .collect())
}

/// Every strongly connected component that holds a cycle, as one cycle through it.
fn cycles<'a>(graph: &Graph<'a>) -> Vec<Vec<&'a str>> {
    let mut out: Vec<Vec<&str>> = tarjan_scc(graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
        .map(|mut scc| {
            scc.sort_unstable();
            one_cycle(graph, &scc)
        })
        .collect();
    out.sort();
    out
}

/// A cycle inside a strongly connected component, starting at its smallest name.
fn one_cycle<'a>(graph: &Graph<'a>, scc: &[&'a str]) -> Vec<&'a str> {
    let start = scc[0];
    let mut path = vec![start];
    let mut cur = start;
    loop {
        let mut next: Vec<&str> = graph.neighbors(cur).filter(|n| scc.contains(n)).collect();
        next.sort_unstable();
        let Some(&n) = next
            .iter()
            .find(|n| **n == start)
            .or_else(|| next.iter().find(|n| !path.contains(n)))
        else {
            return path;
        };
        if n == start {
            return path;
        }
        path.push(n);
        cur = n;
    }
}

fn cycle_diagnostic(cycle: &[&str], needs_span: &dyn Fn(&str) -> Option<Span>) -> Diagnostic {
    let mut shown: Vec<String> = cycle.iter().map(|n| format!("`{n}`")).collect();
    shown.push(format!("`{}`", cycle[0]));
    let mut d = Diagnostic::error(
        Code::DependencyCycle,
        format!(
            "components depend on each other in a cycle: {}",
            shown.join(" → ")
        ),
    )
    .with_help("remove one of these `needs` entries; a cycle has no deployment order");
    for (i, from) in cycle.iter().enumerate() {
        let to = cycle[(i + 1) % cycle.len()];
        if let Some(span) = needs_span(to) {
            d = d.with_label(span, format!("`{to}` needs `{from}`"));
        }
    }
    d
}

fn smallest_topological_order(graph: &Graph<'_>) -> Vec<String> {
    let mut indegree: BTreeMap<&str, usize> = graph
        .nodes()
        .map(|n| {
            (
                n,
                graph
                    .neighbors_directed(n, petgraph::Direction::Incoming)
                    .count(),
            )
        })
        .collect();
    let mut ready: BinaryHeap<Reverse<&str>> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(n, _)| Reverse(*n))
        .collect();
    let mut order = Vec::with_capacity(indegree.len());
    while let Some(Reverse(n)) = ready.pop() {
        order.push(n.to_string());
        for next in graph.neighbors(n) {
            if let Some(d) = indegree.get_mut(next) {
                *d -= 1;
                if *d == 0 {
                    ready.push(Reverse(next));
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diamond_breaks_ties_by_name() {
        let mut g: Graph<'_> = Graph::default();
        for (a, b) in [("a", "c"), ("a", "b"), ("b", "d"), ("c", "d")] {
            g.add_edge(a, b, ());
        }
        assert_eq!(smallest_topological_order(&g), ["a", "b", "c", "d"]);
    }

    #[test]
    fn finds_cycles() {
        let mut g: Graph<'_> = Graph::default();
        for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("x", "x")] {
            g.add_edge(a, b, ());
        }
        let found = cycles(&g);
        assert_eq!(found, vec![vec!["a", "b", "c"], vec!["x"]]);
    }
}
