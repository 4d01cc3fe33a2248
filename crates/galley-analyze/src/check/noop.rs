//! The `no-op` lint in one walk of the `extends` forest.
//!
//! The lint compares each overlay with the recipe of its parent's chain. Resolving every
//! parent's chain costs the sum of the chains' lengths: quadratic for one long chain. The
//! walk instead keeps, for every path a chain sets (a component field, or a place in a
//! component's values), the facts the overlays on the current path of the walk contribute,
//! each stack remembering its strongest fact. Entering an overlay pushes its facts, leaving
//! pops them, so every fact is pushed once and every question costs the length of its path.
//!
//! Within one chain the rank is a total order, (tier, priority, depth), as long as no
//! overlay's criteria strictly refine a descendant's of the same priority (an abstract
//! overlay under one with criteria): such a chain's ranks contradict each other, and its
//! parents are resolved the ordinary way. So is a chain whose recipe would fail (a `needs`
//! cycle): it gives no findings, as a resolved chain would.

use crate::check::lint::{chain_recipe, field, inline_values, no_op, no_op_diag};
use crate::check::{Library, OverlayInfo};
use crate::diag::Diagnostic;
use crate::ir::{Component, Provenance};
use crate::resolve::lattice::Node;
use crate::resolve::{Resolver, field_fact, merge_files, registry_defaults, value_node};
use crate::syntax::ast::{ComponentRef, ComponentStmt, ComponentType};
use crate::value::Value;
use galley_syntax::hash::HashMap;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A fact's strength within a chain: (tier, band, priority, depth); band 0 is the
/// registry's implicit values file, below every overlay.
type Key = (u8, u8, i64, usize);

enum Fact {
    Map,
    Atom(Value),
    Unset,
}

struct Frame {
    key: Key,
    fact: Fact,
    /// Index of the strongest frame so far, and the strongest non-map key so far.
    best: usize,
    cut: Option<Key>,
}

/// Interned paths: node 0 is the root; each component has a values root and a fields root.
struct Paths {
    children: Vec<HashMap<String, u32>>,
    frames: Vec<Vec<Frame>>,
}

impl Paths {
    fn new() -> Self {
        Paths {
            children: vec![HashMap::default()],
            frames: vec![Vec::new()],
        }
    }

    fn child(&self, node: u32, key: &str) -> Option<u32> {
        self.children[node as usize].get(key).copied()
    }

    fn intern(&mut self, node: u32, key: &str) -> u32 {
        if let Some(c) = self.child(node, key) {
            return c;
        }
        let id = self.children.len() as u32;
        self.children.push(HashMap::default());
        self.frames.push(Vec::new());
        self.children[node as usize].insert(key.to_string(), id);
        id
    }

    fn push(&mut self, node: u32, key: Key, fact: Fact) {
        let frames = &mut self.frames[node as usize];
        let (best, cut) = match frames.last() {
            Some(top) => (
                if key > frames[top.best].key {
                    frames.len()
                } else {
                    top.best
                },
                top.cut,
            ),
            None => (0, None),
        };
        let cut = match fact {
            Fact::Map => cut,
            _ => cut.max(Some(key)),
        };
        frames.push(Frame {
            key,
            fact,
            best,
            cut,
        });
    }

    fn pop(&mut self, node: u32) {
        self.frames[node as usize].pop();
    }
}

/// Everything one overlay pushed, to pop when the walk leaves it.
#[derive(Default)]
struct Undo {
    nodes: Vec<u32>,
    files: Vec<(String, String)>,
    blocks: Vec<String>,
    valued: Vec<String>,
    subsets: Vec<(i64, Vec<(String, String)>)>,
    irregular: bool,
}

struct Walk<'l, 'r> {
    lib: &'l Library,
    resolver: &'r Resolver<'l>,
    paths: Paths,
    /// Per (component, values file): how many overlays of the chain name it.
    files: HashMap<(String, String), usize>,
    /// Per component: how many overlays of the chain have a block for it, and a values node.
    blocks: HashMap<String, usize>,
    valued: HashMap<String, usize>,
    /// Strict subsets of the chain's criteria, per priority (for contradictory ranks).
    subsets: HashMap<(i64, Vec<(String, String)>), usize>,
    irregular: usize,
    names: Vec<String>,
}

/// Every `no-op` finding of the library.
pub fn no_ops<'l>(lib: &'l Library, resolver: &Resolver<'l>) -> Vec<Diagnostic> {
    let mut children: BTreeMap<&str, Vec<&OverlayInfo>> = BTreeMap::new();
    for o in lib.overlays.values() {
        if let Some(p) = o.parent.as_deref() {
            children.entry(p).or_default().push(o);
        }
    }
    let Some(base) = lib.overlays.get(crate::check::overlay::BASE) else {
        return Vec::new();
    };
    let mut names: Vec<String> = lib
        .overlays
        .values()
        .flat_map(|o| o.ast.components().map(|c| c.name.node.clone()))
        .collect();
    names.sort();
    names.dedup();
    let mut walk = Walk {
        lib,
        resolver,
        paths: Paths::new(),
        files: HashMap::default(),
        blocks: HashMap::default(),
        valued: HashMap::default(),
        subsets: HashMap::default(),
        irregular: 0,
        names,
    };
    walk.implicit_files();
    let mut out = Vec::new();
    // (overlay, depth, entered)
    let mut stack: Vec<(&OverlayInfo, usize, Option<Undo>)> = vec![(base, 0, None)];
    while let Some((o, depth, undo)) = stack.pop() {
        if let Some(undo) = undo {
            walk.leave(undo);
            continue;
        }
        let undo = walk.enter(o, depth);
        let kids = children.get(o.name.as_str()).map_or(&[][..], Vec::as_slice);
        if !kids.is_empty() {
            walk.findings(o, kids, &mut out);
        }
        stack.push((o, depth, Some(undo)));
        stack.extend(kids.iter().rev().map(|k| (*k, depth + 1, None)));
    }
    out
}

impl<'l> Walk<'l, '_> {
    fn values_root(&mut self, component: &str) -> u32 {
        let v = self.paths.intern(0, "values");
        self.paths.intern(v, component)
    }

    fn field_node(&mut self, component: &str, f: &str) -> u32 {
        let root = self.paths.intern(0, "fields");
        let c = self.paths.intern(root, component);
        self.paths.intern(c, f)
    }

    /// The registry's implicit values files, under everything, pushed once.
    fn implicit_files(&mut self) {
        for name in self.names.clone() {
            let path = format!("components/{name}/values.yaml");
            if let Some(tree) = self.resolver.values_tree(&path) {
                let root = self.values_root(&name);
                let mut sink = Vec::new();
                self.flatten(root, &tree, (0, 0, 0, 0), &mut sink);
            }
        }
    }

    fn flatten(&mut self, root: u32, tree: &Node, key: Key, undo: &mut Vec<u32>) {
        let mut stack: Vec<(u32, &Node)> = vec![(root, tree)];
        while let Some((node, n)) = stack.pop() {
            let fact = match n {
                Node::Map(entries, _) => {
                    for (k, v) in entries {
                        let child = self.paths.intern(node, k);
                        stack.push((child, v));
                    }
                    Fact::Map
                }
                Node::Atom(v, _) => Fact::Atom(v.clone()),
                Node::Unset(_) => Fact::Unset,
            };
            self.paths.push(node, key, fact);
            undo.push(node);
        }
    }

    fn enter(&mut self, o: &'l OverlayInfo, depth: usize) -> Undo {
        let mut undo = Undo::default();
        let p = o.priority;
        let crit: Vec<(String, String)> = o
            .criteria
            .iter()
            .flat_map(|c| c.values.iter().map(|(d, v)| (d.clone(), v.clone())))
            .collect();
        undo.irregular = self.subsets.get(&(p, crit.clone())).is_some_and(|&n| n > 0);
        self.irregular += usize::from(undo.irregular);
        for mask in 0..(1u32 << crit.len().min(16)) - 1 {
            let subset: Vec<(String, String)> = (0..crit.len())
                .filter(|b| mask >> b & 1 == 1)
                .map(|b| crit[b].clone())
                .collect();
            *self.subsets.entry((p, subset.clone())).or_default() += 1;
            undo.subsets.push((p, subset));
        }
        for c in o.ast.components() {
            self.enter_block(c, (p, depth), &mut undo);
        }
        undo
    }

    fn enter_block(&mut self, c: &ComponentRef, (p, depth): (i64, usize), undo: &mut Undo) {
        let name = c.name.node.as_str();
        *self.blocks.entry(name.to_string()).or_default() += 1;
        undo.blocks.push(name.to_string());
        let mut files = Vec::new();
        let mut set_node: Option<Node> = None;
        for stmt in &c.body {
            if let Some((f, value)) = field_fact(stmt) {
                let node = self.field_node(name, f);
                self.paths.push(node, (1, 1, p, depth), Fact::Atom(value));
                undo.nodes.push(node);
            }
            match stmt {
                ComponentStmt::Values(path) => {
                    let key = (name.to_string(), path.node.clone());
                    let count = self.files.entry(key.clone()).or_default();
                    *count += 1;
                    undo.files.push(key);
                    if *count == 1
                        && let Some(tree) = self.resolver.values_tree(&path.node)
                    {
                        files.push(tree);
                    }
                }
                ComponentStmt::Set(block) => {
                    for e in &block.entries {
                        let keys: Vec<String> = e.path.keys().map(String::from).collect();
                        set_node
                            .get_or_insert_with(|| Node::Map(Default::default(), e.span))
                            .set_path(&keys, value_node(&e.value, e.span));
                    }
                }
                ComponentStmt::Unset(paths) => {
                    for u in &paths.node {
                        let keys: Vec<String> = u.keys().map(String::from).collect();
                        set_node
                            .get_or_insert_with(|| Node::Map(Default::default(), u.span))
                            .set_path(&keys, Node::Unset(u.span));
                    }
                }
                ComponentStmt::Enabled(b) => {
                    set_node
                        .get_or_insert_with(|| Node::Map(Default::default(), b.span))
                        .set_path(
                            &["enabled".to_string()],
                            Node::Atom(Value::Bool(b.node), b.span),
                        );
                }
                _ => {}
            }
        }
        let root = self.values_root(name);
        let mut valued = false;
        if let Some(tree) = merge_files(files) {
            self.flatten(root, &tree, (0, 1, p, depth), &mut undo.nodes);
            valued = true;
        }
        if let Some(tree) = set_node {
            self.flatten(root, &tree, (1, 1, p, depth), &mut undo.nodes);
            valued = true;
        }
        if valued {
            *self.valued.entry(name.to_string()).or_default() += 1;
            undo.valued.push(name.to_string());
        }
    }

    fn leave(&mut self, undo: Undo) {
        for node in undo.nodes.iter().rev() {
            self.paths.pop(*node);
        }
        let dec = |map: &mut HashMap<String, usize>, keys: &[String]| {
            for k in keys {
                if let Some(n) = map.get_mut(k) {
                    *n -= 1;
                }
            }
        };
        dec(&mut self.blocks, &undo.blocks);
        dec(&mut self.valued, &undo.valued);
        for k in &undo.files {
            if let Some(n) = self.files.get_mut(k) {
                *n -= 1;
            }
        }
        for k in &undo.subsets {
            if let Some(n) = self.subsets.get_mut(k) {
                *n -= 1;
            }
        }
        self.irregular -= usize::from(undo.irregular);
    }

    /// The no-op findings of `parent`'s children against `parent`'s chain.
    fn findings(&self, parent: &OverlayInfo, kids: &[&OverlayInfo], out: &mut Vec<Diagnostic>) {
        if self.irregular > 0 {
            if let Some(recipe) = chain_recipe(self.lib, self.resolver, &parent.name) {
                for o in kids {
                    no_op(o, &parent.name, &recipe, out);
                }
            }
            return;
        }
        if self.dependencies_fail() {
            return;
        }
        for o in kids {
            self.no_op(o, &parent.name, out);
        }
    }

    fn present(&self, component: &str) -> bool {
        self.blocks.get(component).is_some_and(|&n| n > 0)
    }

    /// The strongest live fact at a node: above `cut`, the implicit file only while the
    /// chain gives the component values and does not name that file itself.
    fn resolved(&self, component: &str, node: u32, cut: Option<Key>) -> Option<&Frame> {
        let frames = &self.paths.frames[node as usize];
        let best = &frames[frames.last()?.best];
        if cut.is_some_and(|c| best.key < c) {
            return None;
        }
        if best.key.1 == 0 {
            let implicit = (
                component.to_string(),
                format!("components/{component}/values.yaml"),
            );
            let active = self.valued.get(component).is_some_and(|&n| n > 0)
                && self.files.get(&implicit).is_none_or(|&n| n == 0);
            if !active {
                return None;
            }
        }
        Some(best)
    }

    fn field_value(&self, component: &str, f: &str) -> Option<&Value> {
        let root = self.paths.child(0, "fields")?;
        let node = self.paths.child(self.paths.child(root, component)?, f)?;
        match &self.resolved(component, node, None)?.fact {
            Fact::Atom(v) => Some(v),
            _ => None,
        }
    }

    /// The component's field after registry defaults, as the recipe would give it.
    fn component_field(&self, component: &str, f: &str) -> Option<String> {
        let text = |f: &str| match self.field_value(component, f) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let mut c = Component {
            name: component.to_string(),
            kind: match text("type").as_deref() {
                Some("Kustomize") => ComponentType::Kustomize,
                _ => ComponentType::Helm,
            },
            source: text("source").unwrap_or_default(),
            chart: text("chart"),
            version: text("version"),
            namespace: text("namespace"),
            tag: text("tag"),
            path: text("path"),
            patches: Vec::new(),
            dependency_refs: Vec::new(),
            health_check_asserts: None,
            manifest_files: Vec::new(),
            cleanup: false,
            expected_resources: Vec::new(),
            values_files: Vec::new(),
            overrides: Arc::new(Value::Map(Default::default())),
            values: Arc::new(Value::Map(Default::default())),
        };
        let typed = self.field_value(component, "type").is_some();
        registry_defaults(self.lib, &mut c, typed, &mut Provenance::default());
        match f {
            "source" => Some(c.source),
            "chart" => c.chart,
            "version" => c.version,
            "namespace" => c.namespace,
            "tag" => c.tag,
            "path" => c.path,
            _ => None,
        }
    }

    /// Whether the chain's value at `keys` already holds `want`.
    fn holds(&self, component: &str, keys: &[String], want: &Value) -> bool {
        let Some(mut node) = self
            .paths
            .child(0, "values")
            .and_then(|v| self.paths.child(v, component))
        else {
            return false;
        };
        let mut cut = None;
        for k in keys {
            let Some(frame) = self.resolved(component, node, cut) else {
                return false;
            };
            if !matches!(frame.fact, Fact::Map) {
                return false;
            }
            cut = cut.max(self.cut_at(node));
            let Some(next) = self.paths.child(node, k) else {
                return false;
            };
            node = next;
        }
        self.contained(component, node, cut, want)
    }

    /// The strongest non-map key at a node (the implicit file's cuts nothing below it).
    fn cut_at(&self, node: u32) -> Option<Key> {
        self.paths.frames[node as usize]
            .last()
            .and_then(|f| f.cut)
            .filter(|k| k.1 > 0)
    }

    fn contained(&self, component: &str, node: u32, cut: Option<Key>, want: &Value) -> bool {
        let Some(frame) = self.resolved(component, node, cut) else {
            return false;
        };
        match (want, &frame.fact) {
            (Value::Map(w), Fact::Map) => {
                let cut = cut.max(self.cut_at(node));
                w.iter().all(|(k, v)| {
                    self.paths
                        .child(node, k)
                        .is_some_and(|c| self.contained(component, c, cut, v))
                })
            }
            (_, Fact::Atom(have)) => want == have,
            _ => false,
        }
    }

    /// A `needs` naming a component outside the chain's recipe, or a `needs` cycle: the
    /// chain's recipe fails, and gives no findings.
    fn dependencies_fail(&self) -> bool {
        let present: Vec<&str> = self
            .names
            .iter()
            .map(String::as_str)
            .filter(|n| self.present(n))
            .collect();
        let mut needs: HashMap<&str, Vec<String>> = HashMap::default();
        for &n in &present {
            if let Some(Value::List(items)) = self.field_value(n, "needs") {
                let deps: Vec<String> = items
                    .iter()
                    .filter_map(|i| match i {
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
                if deps.iter().any(|d| !self.present(d)) {
                    return true;
                }
                needs.insert(n, deps);
            }
        }
        // Kahn: every component placed exactly when there is no cycle.
        let mut indegree: HashMap<&str, usize> = present.iter().map(|n| (*n, 0)).collect();
        for (n, deps) in &needs {
            if let Some(d) = indegree.get_mut(n) {
                *d += deps.len();
            }
        }
        let mut dependents: HashMap<&str, Vec<&str>> = HashMap::default();
        for (n, deps) in &needs {
            for d in deps {
                dependents.entry(d.as_str()).or_default().push(n);
            }
        }
        let mut ready: Vec<&str> = indegree
            .iter()
            .filter(|(_, d)| **d == 0)
            .map(|(n, _)| *n)
            .collect();
        let mut placed = 0;
        while let Some(n) = ready.pop() {
            placed += 1;
            for m in dependents.get(n).map_or(&[][..], Vec::as_slice) {
                if let Some(d) = indegree.get_mut(m) {
                    *d -= 1;
                    if *d == 0 {
                        ready.push(m);
                    }
                }
            }
        }
        placed != present.len()
    }

    /// [`no_op`] against the walk's chain instead of a resolved recipe.
    fn no_op(&self, o: &OverlayInfo, parent: &str, out: &mut Vec<Diagnostic>) {
        for c in o.ast.components() {
            let name = c.name.node.as_str();
            if !self.present(name) {
                continue;
            }
            for stmt in &c.body {
                if let Some((f, value, span)) = field(stmt)
                    && self.component_field(name, f).as_deref() == Some(value.as_str())
                {
                    out.push(no_op_diag(o, parent, &format!("{name}.{f}"), span));
                }
                for (keys, value, span) in inline_values(stmt) {
                    if self.holds(name, &keys, &value) {
                        let path = format!("{name}.values.{}", keys.join("."));
                        out.push(no_op_diag(o, parent, &path, span));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DataSet, Root};
    use std::collections::BTreeSet;

    /// The findings of resolving every parent's chain, the way the lint used to.
    fn by_resolving(lib: &Library, resolver: &Resolver<'_>) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let parents: BTreeSet<&str> = lib
            .overlays
            .values()
            .filter_map(|o| o.parent.as_deref())
            .collect();
        for p in parents {
            if let Some(recipe) = chain_recipe(lib, resolver, p) {
                for o in lib.overlays.values() {
                    if o.parent.as_deref() == Some(p) {
                        no_op(o, p, &recipe, &mut out);
                    }
                }
            }
        }
        out
    }

    fn sorted(mut v: Vec<Diagnostic>) -> Vec<String> {
        let mut out: Vec<String> = v.drain(..).map(|d| format!("{d:?}")).collect();
        out.sort();
        out
    }

    fn same_as_resolving(extra: &[&str]) -> usize {
        let mut roots = vec![Root::embedded_stdlib(), Root::embedded_recipes()];
        for dir in extra {
            let path = camino::Utf8PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(dir);
            roots.push(Root::from_dir(&path).expect("fixture"));
        }
        let (lib, diags) = crate::check::check(DataSet::new(roots));
        assert!(!diags.has_errors(), "{extra:?}");
        let resolver = Resolver::new(&lib);
        let expected = sorted(by_resolving(&lib, &resolver));
        assert_eq!(sorted(no_ops(&lib, &resolver)), expected, "{extra:?}");
        expected.len()
    }

    #[test]
    fn the_walk_finds_what_resolving_each_chain_finds() {
        same_as_resolving(&[]);
        assert!(same_as_resolving(&["tests/fixtures/check/lint-no-op"]) > 0);
        same_as_resolving(&["tests/fixtures/check/lint-no-op-ok"]);
        same_as_resolving(&["tests/fixtures/check/lint-shadowed"]);
        same_as_resolving(&["tests/fixtures/data/h200"]);
    }
}
