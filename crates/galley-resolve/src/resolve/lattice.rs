//! The order-independent merge.
//!
//! Contributions come from *layers* (an overlay's values files, an overlay's inline values,
//! or an overlay's fields). [`Rank`] is a strict partial order on layers: a layer outranks
//! another when it has a higher tier (inline `set` values outrank values files), or the same
//! tier and a higher priority, or the same priority and its overlay extends the other's
//! (transitively) or its criteria strictly refine the other's.
//!
//! At each path the *maximal* contributions win: those whose layer no other contribution's
//! layer outranks. If they agree that is the value; if they disagree it is a [`Conflict`].
//! A value tree is flattened into facts: a map node, an atom (scalars, lists, `null`), or an
//! unset. Maps merge key by key; an atom or unset at a path cuts off every weaker fact below
//! that path. When the layers form a chain this is exactly Helm's layered values merge, and
//! nothing here depends on the order contributions arrive in: candidates are considered by
//! layer and rank only.

use crate::ir::{Origin, Shadow, Shadowed, Trace};
use crate::source::Span;
use crate::value::{Map, Value};
use galley_syntax::hash::{HashMap, HashSet};
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One overlay's place in the order: its priority, its nearest ancestor among the ranked
/// overlays (by index), and its criteria as sorted ids of (dimension, value) pairs.
#[derive(Clone, Debug, Default)]
pub struct Place {
    pub priority: i64,
    pub parent: Option<usize>,
    pub criteria: Vec<u32>,
}

/// A strict partial order on layer indices. Each layer belongs to an overlay (or to the
/// registry, below everything) and a tier; a layer outranks another when its (tier,
/// priority) is higher, or equal and its overlay extends the other's or its criteria
/// strictly refine the other's. Nothing is stored per pair: `extends` is answered from
/// each overlay's interval in a depth-first walk of the `extends` forest, so building a
/// rank and asking it are linear, whatever the number of layers.
#[derive(Clone, Debug)]
pub struct Rank {
    /// Per layer: its overlay (`None`: the registry's implicit layer).
    overlay: Vec<Option<usize>>,
    /// Tier of each layer (0: values files, 1: inline values and fields).
    pub tier: Vec<u8>,
    places: Vec<Place>,
    /// Per overlay: its entry and last-descendant times in the walk.
    enter: Vec<u32>,
    leave: Vec<u32>,
}

/// A layer's group: layers of different groups are ordered by group alone.
type Group = (u8, bool, i64);

impl Rank {
    /// `layers`: per layer, its overlay (an index into `places`, or `None` for the
    /// registry) and its tier.
    pub fn new(places: Vec<Place>, layers: &[(Option<usize>, u8)]) -> Rank {
        let (enter, leave) = walk(&places);
        Rank {
            overlay: layers.iter().map(|l| l.0).collect(),
            tier: layers.iter().map(|l| l.1).collect(),
            places,
            enter,
            leave,
        }
    }

    fn group(&self, layer: usize) -> Group {
        match self.overlay[layer] {
            Some(o) => (self.tier[layer], true, self.places[o].priority),
            None => (self.tier[layer], false, 0),
        }
    }

    /// `a` is a strict descendant of `b` in the `extends` forest.
    fn extends(&self, a: usize, b: usize) -> bool {
        self.enter[b] < self.enter[a] && self.enter[a] <= self.leave[b]
    }

    pub fn outranks(&self, a: usize, b: usize) -> bool {
        if a == b {
            return false;
        }
        let (ga, gb) = (self.group(a), self.group(b));
        if ga != gb {
            return ga > gb;
        }
        match (self.overlay[a], self.overlay[b]) {
            (Some(oa), Some(ob)) => {
                self.extends(oa, ob)
                    || strictly_contains(&self.places[oa].criteria, &self.places[ob].criteria)
            }
            _ => false,
        }
    }

    /// A key whose order extends the rank: `outranks(a, b)` implies `key(a) > key(b)`
    /// (a descendant is entered later and names at least its parent's criteria).
    pub fn sort_key(&self, layer: usize) -> (Group, usize, u32) {
        let o = self.overlay[layer];
        (
            self.group(layer),
            o.map_or(0, |o| self.places[o].criteria.len()),
            o.map_or(0, |o| self.enter[o]),
        )
    }
}

/// Entry and leave times of a depth-first walk of the forest the parents form (a parent
/// cycle, which the checker reports, is broken where the walk first meets it).
fn walk(places: &[Place]) -> (Vec<u32>, Vec<u32>) {
    let n = places.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, p) in places.iter().enumerate() {
        if let Some(parent) = p.parent.filter(|&q| q < n && q != i) {
            children[parent].push(i);
        }
    }
    let mut enter = vec![u32::MAX; n];
    let mut leave = vec![0u32; n];
    let mut clock = 0u32;
    let roots = (0..n).filter(|&i| places[i].parent.is_none_or(|q| q >= n || q == i));
    for start in roots.chain(0..n) {
        if enter[start] != u32::MAX {
            continue;
        }
        // (node, next child to visit)
        let mut stack = vec![(start, 0usize)];
        enter[start] = clock;
        clock += 1;
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if let Some(&child) = children[node].get(next) {
                top.1 += 1;
                if enter[child] == u32::MAX {
                    enter[child] = clock;
                    clock += 1;
                    stack.push((child, 0));
                }
            } else {
                leave[node] = clock - 1;
                stack.pop();
            }
        }
    }
    (enter, leave)
}

/// Sorted `big` holds every id of sorted `small`, and more.
fn strictly_contains(big: &[u32], small: &[u32]) -> bool {
    if big.len() <= small.len() {
        return false;
    }
    let mut it = big.iter();
    small.iter().all(|s| it.any(|b| b == s))
}

/// Answers "does any of these layers outrank that one?" for a set of layers: by asking
/// each layer of its group while the group is small, in logarithmic time once it is large.
struct Beaters<'r> {
    rank: &'r Rank,
    best: Option<Group>,
    groups: HashMap<Group, GroupIndex>,
}

/// The layers of one group, indexed when there are many.
#[derive(Default)]
struct GroupIndex {
    layers: Vec<usize>,
    /// The entry times of the layers' overlays, sorted (large groups only).
    enters: Vec<u32>,
    /// Every strict subset of the layers' criteria (large groups whose criteria differ).
    subsets: HashSet<Vec<u32>>,
}

/// A group up to this size is asked layer by layer.
const SMALL_GROUP: usize = 8;

impl<'r> Beaters<'r> {
    fn new(rank: &'r Rank, layers: impl Iterator<Item = usize>) -> Self {
        let mut groups: HashMap<Group, GroupIndex> = HashMap::default();
        let mut best = None;
        for l in layers {
            let g = rank.group(l);
            best = best.max(Some(g));
            groups.entry(g).or_default().layers.push(l);
        }
        for index in groups.values_mut().filter(|g| g.layers.len() > SMALL_GROUP) {
            let overlays: Vec<usize> = index
                .layers
                .iter()
                .filter_map(|&l| rank.overlay[l])
                .collect();
            index.enters = overlays.iter().map(|&o| rank.enter[o]).collect();
            index.enters.sort_unstable();
            let crits: HashSet<&[u32]> = overlays
                .iter()
                .map(|&o| rank.places[o].criteria.as_slice())
                .collect();
            if crits.len() > 1 {
                for c in crits {
                    strict_subsets(c, &mut index.subsets);
                }
            }
        }
        Beaters { rank, best, groups }
    }

    fn beats(&self, layer: usize) -> bool {
        let g = self.rank.group(layer);
        if self.best.is_some_and(|b| b > g) {
            return true;
        }
        let Some(index) = self.groups.get(&g) else {
            return false;
        };
        if index.layers.len() <= SMALL_GROUP {
            return index.layers.iter().any(|&o| self.rank.outranks(o, layer));
        }
        let Some(o) = self.rank.overlay[layer] else {
            return false;
        };
        let (enter, leave) = (self.rank.enter[o], self.rank.leave[o]);
        let i = index.enters.partition_point(|&t| t <= enter);
        (i < index.enters.len() && index.enters[i] <= leave)
            || index
                .subsets
                .contains(self.rank.places[o].criteria.as_slice())
    }
}

/// Every strict subset of a criteria set (at most 2^6: there are six dimensions).
fn strict_subsets(c: &[u32], out: &mut HashSet<Vec<u32>>) {
    let n = c.len().min(16);
    for mask in 0..(1u32 << n) - 1 {
        out.insert(
            (0..n)
                .filter(|b| mask >> b & 1 == 1)
                .map(|b| c[b])
                .collect(),
        );
    }
}

/// Indices of the candidates whose layer is not outranked by another candidate's layer.
/// Never empty for non-empty input: should a library that failed its check still reach here
/// with contradictory ranks (an `extends` cycle), every candidate counts as maximal, and
/// disagreement surfaces as a conflict rather than a panic.
pub fn maximal(layers: &[usize], rank: &Rank) -> Vec<usize> {
    if layers.len() == 1 {
        return vec![0];
    }
    let beaters = Beaters::new(rank, layers.iter().copied());
    let top: Vec<usize> = (0..layers.len())
        .filter(|&i| !beaters.beats(layers[i]))
        .collect();
    if top.is_empty() {
        (0..layers.len()).collect()
    } else {
        top
    }
}

/// Two maximal contributions that disagree.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// `component.values.a.b`, `component.version`, `constraints.NAME`, ...
    pub path: String,
    pub a: (usize, Origin),
    pub b: (usize, Origin),
    pub a_value: String,
    pub b_value: String,
}

/// A value tree contributed by one layer; each node keeps the span it came from (the layer
/// says which overlay).
#[derive(Clone, Debug)]
pub enum Node {
    Map(IndexMap<String, Node>, Span),
    Atom(Value, Span),
    Unset(Span),
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Map(_, s) | Node::Atom(_, s) | Node::Unset(s) => *s,
        }
    }

    fn describe(&self) -> String {
        match self {
            Node::Map(..) => "a map".into(),
            Node::Atom(v, _) => short(v),
            Node::Unset(_) => "`unset`".into(),
        }
    }

    /// Helm-merge `over` into this tree (used to build one layer's own contribution).
    pub fn merge_from(&mut self, over: Node) {
        match (self, over) {
            (Node::Map(base, _), Node::Map(over, _)) => {
                for (k, v) in over {
                    match base.get_mut(&k) {
                        Some(b) => b.merge_from(v),
                        None => {
                            base.insert(k, v);
                        }
                    }
                }
            }
            (slot, over) => *slot = over,
        }
    }

    /// A tree from a value, every node attributed to `span`.
    pub fn from_value(v: &Value, span: Span) -> Node {
        match v {
            Value::Map(m) => Node::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Node::from_value(v, span)))
                    .collect(),
                span,
            ),
            other => Node::Atom(other.clone(), span),
        }
    }

    /// The tree with `path` set to `leaf`, creating maps on the way.
    pub fn set_path(&mut self, path: &[String], leaf: Node) {
        let Some((first, rest)) = path.split_first() else {
            self.merge_from(leaf);
            return;
        };
        if !matches!(self, Node::Map(..)) {
            *self = Node::Map(IndexMap::new(), leaf.span());
        }
        let Node::Map(entries, _) = self else { return };
        let span = leaf.span();
        let slot = entries
            .entry(first.clone())
            .or_insert_with(|| Node::Map(IndexMap::new(), span));
        if rest.is_empty() {
            match leaf {
                Node::Map(..) => slot.merge_from(leaf),
                other => *slot = other,
            }
        } else {
            slot.set_path(rest, leaf);
        }
    }
}

fn short(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    if text.len() > 60 {
        let cut = (0..=57)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}…", &text[..cut])
    } else {
        text
    }
}

/// Merges value trees, collecting conflicts and provenance.
pub struct TreeMerge<'r> {
    pub rank: &'r Rank,
    /// The overlay each layer belongs to.
    pub owners: &'r [Arc<str>],
    pub conflicts: Vec<Conflict>,
    pub traces: BTreeMap<String, Trace>,
    /// Record a trace per resolved path (off while resolving; `explain` turns it on).
    pub tracing: bool,
}

impl<'r> TreeMerge<'r> {
    pub fn new(rank: &'r Rank, owners: &'r [Arc<str>]) -> Self {
        TreeMerge {
            rank,
            owners,
            conflicts: Vec::new(),
            traces: BTreeMap::new(),
            tracing: false,
        }
    }

    /// Merge the candidates at `path` (each a layer and its node). `None`: nothing (unset).
    pub fn merge(&mut self, path: &str, cands: &[(usize, &Node)]) -> Option<Value> {
        self.merge_at(&mut path.to_string(), cands)
    }

    /// [`TreeMerge::merge`] with the path in a buffer that each level extends and restores,
    /// so no path is built unless a conflict or a trace keeps it.
    fn merge_at(&mut self, path: &mut String, cands: &[(usize, &Node)]) -> Option<Value> {
        if let [(_, only)] = cands
            && !self.tracing
        {
            // One contribution: nothing to rank, nothing to conflict with.
            return plain(only);
        }
        let layers: Vec<usize> = cands.iter().map(|c| c.0).collect();
        let top = maximal(&layers, self.rank);
        let first = top[0];
        for &i in &top[1..] {
            if !agree(cands[first].1, cands[i].1) {
                self.conflict(path, cands[first], cands[i]);
                break;
            }
        }
        match cands[first].1 {
            Node::Map(..) => Some(self.merge_maps(path, cands, &top)),
            Node::Atom(v, _) => {
                self.trace(path, cands, &top);
                Some(v.clone())
            }
            Node::Unset(_) => {
                self.trace(path, cands, &top);
                None
            }
        }
    }

    fn merge_maps(&mut self, path: &mut String, cands: &[(usize, &Node)], top: &[usize]) -> Value {
        let mut in_top = vec![false; cands.len()];
        for &i in top {
            in_top[i] = true;
        }
        let mut cutting = cands
            .iter()
            .filter(|(_, n)| !matches!(n, Node::Map(..)))
            .map(|c| c.0)
            .peekable();
        let cutters = cutting
            .peek()
            .is_some()
            .then(|| Beaters::new(self.rank, cutting));
        // Each key with its candidates, keys in order of first appearance and candidates
        // in the order of `cands`.
        let mut keys: IndexMap<&str, Vec<(usize, &Node)>> = IndexMap::new();
        for (i, (layer, n)) in cands.iter().enumerate() {
            if let Node::Map(entries, _) = n
                && (in_top[i] || !cutters.as_ref().is_some_and(|c| c.beats(*layer)))
            {
                for (k, v) in entries {
                    keys.entry(k.as_str()).or_default().push((*layer, v));
                }
            }
        }
        let mut out = Map::new();
        for (key, sub) in keys {
            let len = path.len();
            path.push('.');
            path.push_str(key);
            let merged = self.merge_at(path, &sub);
            path.truncate(len);
            if let Some(v) = merged {
                out.insert(key.to_string(), v);
            }
        }
        Value::Map(out)
    }

    fn trace(&mut self, path: &str, cands: &[(usize, &Node)], top: &[usize]) {
        if !self.tracing {
            return;
        }
        let (win_layer, win) = cands[top[0]];
        let mut in_top = vec![false; cands.len()];
        for &i in top {
            in_top[i] = true;
        }
        let shadowed = cands
            .iter()
            .enumerate()
            .filter(|(i, _)| !in_top[*i])
            .map(|(_, (layer, n))| Shadowed {
                origin: self.origin(*layer, n),
                value: match n {
                    Node::Atom(v, _) => Some(v.clone()),
                    _ => None,
                },
                why: if self.rank.tier[win_layer] > self.rank.tier[*layer] {
                    Shadow::FileBelowSet
                } else {
                    Shadow::Outranked
                },
            })
            .collect();
        self.traces.insert(
            path.to_string(),
            Trace {
                winner: self.origin(win_layer, win),
                shadowed,
            },
        );
    }

    fn conflict(&mut self, path: &str, a: (usize, &Node), b: (usize, &Node)) {
        self.conflicts.push(Conflict {
            path: path.to_string(),
            a_value: a.1.describe(),
            b_value: b.1.describe(),
            a: (a.0, self.origin(a.0, a.1)),
            b: (b.0, self.origin(b.0, b.1)),
        });
    }

    fn origin(&self, layer: usize, node: &Node) -> Origin {
        Origin {
            overlay: self.owners[layer].clone(),
            span: node.span(),
        }
    }
}

/// A node's value as it stands (unset entries left out).
pub fn plain(node: &Node) -> Option<Value> {
    match node {
        Node::Map(entries, _) => Some(Value::Map(
            entries
                .iter()
                .filter_map(|(k, v)| plain(v).map(|v| (k.clone(), v)))
                .collect(),
        )),
        Node::Atom(v, _) => Some(v.clone()),
        Node::Unset(_) => None,
    }
}

fn agree(a: &Node, b: &Node) -> bool {
    match (a, b) {
        (Node::Map(..), Node::Map(..)) | (Node::Unset(_), Node::Unset(_)) => true,
        (Node::Atom(x, _), Node::Atom(y, _)) => x == y,
        _ => false,
    }
}

/// Pick the winner among atoms (fields, constraints, phases): the maximal candidates, which
/// must agree. Returns the winning index and, on disagreement, the conflicting pair.
pub fn pick<T: PartialEq>(cands: &[(usize, T)], rank: &Rank) -> (usize, Option<(usize, usize)>) {
    let layers: Vec<usize> = cands.iter().map(|c| c.0).collect();
    let top = maximal(&layers, rank);
    let first = top[0];
    let clash = top[1..]
        .iter()
        .find(|&&i| cands[i].1 != cands[first].1)
        .map(|&i| (first, i));
    (first, clash)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn owners(n: usize) -> Vec<Arc<str>> {
        (0..n).map(|i| Arc::from(format!("l{i}"))).collect()
    }

    fn chain_rank(n: usize) -> Rank {
        let places = (0..n)
            .map(|i| Place {
                priority: 0,
                parent: i.checked_sub(1),
                criteria: Vec::new(),
            })
            .collect();
        let layers: Vec<(Option<usize>, u8)> = (0..n).map(|i| (Some(i), 0)).collect();
        Rank::new(places, &layers)
    }

    /// `n` unrelated overlays of equal priority and criteria: no layer outranks another.
    fn flat_rank(n: usize) -> Rank {
        let layers: Vec<(Option<usize>, u8)> = (0..n).map(|i| (Some(i), 0)).collect();
        Rank::new(vec![Place::default(); n], &layers)
    }

    fn tree(v: &Value, _layer: usize) -> Node {
        Node::from_value(v, Span::default())
    }

    fn json(text: &str) -> Value {
        fn conv(v: serde_json::Value) -> Value {
            match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => n
                    .as_i64()
                    .map_or(Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
                serde_json::Value::String(s) => Value::String(s),
                serde_json::Value::Array(a) => Value::List(a.into_iter().map(conv).collect()),
                serde_json::Value::Object(o) => {
                    Value::Map(o.into_iter().map(|(k, v)| (k, conv(v))).collect())
                }
            }
        }
        conv(serde_json::from_str(text).unwrap())
    }

    #[test]
    fn a_chain_merges_like_helm() {
        let layers = [
            json(r#"{"a": {"x": 1, "y": [1, 2]}, "b": {"k": 1}, "keep": true}"#),
            json(r#"{"a": {"y": [3]}, "b": 5, "n": null}"#),
            json(r#"{"a": {"z": 1}, "b": {"j": 2}}"#),
        ];
        let nodes: Vec<Node> = layers.iter().enumerate().map(|(i, v)| tree(v, i)).collect();
        let cands: Vec<(usize, &Node)> = nodes.iter().enumerate().collect();
        let rank = chain_rank(3);
        let names = owners(rank.tier.len());
        let mut m = TreeMerge::new(&rank, &names);
        m.tracing = true;
        let got = m.merge("", &cands).unwrap();
        let mut expected = layers[0].clone();
        expected.merge_from(&layers[1]);
        expected.merge_from(&layers[2]);
        assert_eq!(got.sorted(), expected.sorted());
        assert!(m.conflicts.is_empty());
    }

    fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0i64..5).prop_map(Value::Int),
            "[ab]".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::List),
                proptest::collection::btree_map("[a-d]", inner, 0..4)
                    .prop_map(|m| Value::Map(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// A chain of layers merges exactly like Helm's layered values.
        #[test]
        fn chains_merge_like_helm(layers in proptest::collection::vec(
            proptest::collection::btree_map("[a-d]", arb_value(), 0..4), 1..5))
        {
            let values: Vec<Value> = layers.into_iter().map(|m| Value::Map(m.into_iter().collect())).collect();
            let nodes: Vec<Node> = values.iter().enumerate().map(|(i, v)| tree(v, i)).collect();
            let cands: Vec<(usize, &Node)> = nodes.iter().enumerate().collect();
            let rank = chain_rank(nodes.len());
            let names = owners(rank.tier.len());
        let mut m = TreeMerge::new(&rank, &names);
        m.tracing = true;
            let got = m.merge("", &cands).unwrap();
            let mut expected = values[0].clone();
            for v in &values[1..] {
                expected.merge_from(v);
            }
            proptest::prop_assert_eq!(got.sorted(), expected.sorted());
            proptest::prop_assert!(m.conflicts.is_empty());
        }
    }

    /// A random forest of overlays (parents before children), priorities 0..2, criteria
    /// from four pairs; each overlay has a files layer and an inline layer, and the last
    /// layer is the registry's.
    fn arb_rank() -> impl proptest::strategy::Strategy<Value = Rank> {
        use proptest::prelude::*;
        proptest::collection::vec((any::<u8>(), 0i64..2, 0u8..16), 1..40).prop_map(|specs| {
            let places: Vec<Place> = specs
                .iter()
                .enumerate()
                .map(|(i, (parent, priority, crit))| Place {
                    priority: *priority,
                    parent: (i > 0 && parent % 4 != 0).then(|| usize::from(*parent) % i),
                    criteria: (0..4).filter(|b| crit >> b & 1 == 1).collect(),
                })
                .collect();
            let mut layers: Vec<(Option<usize>, u8)> = (0..2 * places.len())
                .map(|l| (Some(l / 2), (l % 2) as u8))
                .collect();
            layers.push((None, 0));
            Rank::new(places, &layers)
        })
    }

    /// The rank's definition, from the parents and criteria directly.
    fn outranks_by_definition(rank: &Rank, a: usize, b: usize) -> bool {
        let group = |l: usize| match rank.overlay[l] {
            Some(o) => (rank.tier[l], 1, rank.places[o].priority),
            None => (rank.tier[l], 0, 0),
        };
        if a == b || group(a) != group(b) {
            return a != b && group(a) > group(b);
        }
        let (Some(oa), Some(ob)) = (rank.overlay[a], rank.overlay[b]) else {
            return false;
        };
        let mut up = rank.places[oa].parent;
        let mut extends = false;
        while let Some(p) = up {
            extends |= p == ob;
            up = rank.places[p].parent;
        }
        let (ca, cb) = (&rank.places[oa].criteria, &rank.places[ob].criteria);
        extends || (ca.len() > cb.len() && cb.iter().all(|c| ca.contains(c)))
    }

    proptest::proptest! {
        /// `outranks` and `maximal` (whose index takes over above 8 layers a group) agree
        /// with the definition, pair by pair.
        #[test]
        fn the_rank_index_agrees_with_the_definition(
            rank in arb_rank(),
            picks in proptest::collection::vec(0usize..1000, 1..60),
        ) {
            let n = rank.tier.len();
            let layers: Vec<usize> = picks.iter().map(|p| p % n).collect();
            for &a in &layers {
                for &b in &layers {
                    proptest::prop_assert_eq!(rank.outranks(a, b), outranks_by_definition(&rank, a, b));
                }
            }
            let mut expected: Vec<usize> = (0..layers.len())
                .filter(|&i| !layers.iter().any(|&o| outranks_by_definition(&rank, o, layers[i])))
                .collect();
            if expected.is_empty() {
                expected = (0..layers.len()).collect();
            }
            proptest::prop_assert_eq!(maximal(&layers, &rank), expected);
            // The sort key extends the rank wherever the checker's rule holds: a child names
            // every criterion its parent names.
            let checked = rank.places.iter().all(|p| {
                p.parent.is_none_or(|q| rank.places[q].criteria.iter().all(|c| p.criteria.contains(c)))
            });
            for &a in &layers {
                for &b in &layers {
                    if checked && rank.outranks(a, b) {
                        proptest::prop_assert!(rank.sort_key(a) > rank.sort_key(b));
                    }
                }
            }
        }
    }

    #[test]
    fn contradictory_ranks_do_not_panic() {
        // An abstract overlay extending one with criteria: each outranks the other.
        let places = vec![
            Place {
                priority: 0,
                parent: Some(1),
                criteria: Vec::new(),
            },
            Place {
                priority: 0,
                parent: None,
                criteria: vec![7],
            },
        ];
        let cyclic = Rank::new(places, &[(Some(0), 0), (Some(1), 0)]);
        assert!(cyclic.outranks(0, 1) && cyclic.outranks(1, 0));
        assert_eq!(maximal(&[0, 1], &cyclic), vec![0, 1]);
    }

    #[test]
    fn unset_deletes_and_an_atom_cuts_off_weaker_keys() {
        let base = tree(&json(r#"{"k": 1, "m": {"a": 1}}"#), 0);
        let mut mid = tree(&json(r#"{"m": 5}"#), 1);
        mid.set_path(&["k".to_string()], Node::Unset(Span::default()));
        let top = tree(&json(r#"{"m": {"c": 3}}"#), 2);
        let rank = chain_rank(3);
        let names = owners(rank.tier.len());
        let mut m = TreeMerge::new(&rank, &names);
        m.tracing = true;
        let got = m.merge("", &[(0, &base), (1, &mid), (2, &top)]).unwrap();
        assert_eq!(got.sorted(), json(r#"{"m": {"c": 3}}"#));
    }

    #[test]
    fn incomparable_layers_that_disagree_conflict() {
        let a = tree(&json(r#"{"driver": {"version": "1"}}"#), 0);
        let b = tree(&json(r#"{"driver": {"version": "2"}}"#), 1);
        let rank = flat_rank(2);
        let names = owners(rank.tier.len());
        let mut m = TreeMerge::new(&rank, &names);
        m.tracing = true;
        m.merge("gpu-operator.values", &[(0, &a), (1, &b)]);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].path, "gpu-operator.values.driver.version");
    }

    #[test]
    fn incomparable_layers_that_agree_or_touch_different_keys_merge() {
        let a = tree(&json(r#"{"x": 1, "same": 2}"#), 0);
        let b = tree(&json(r#"{"y": 1, "same": 2}"#), 1);
        let rank = flat_rank(2);
        let names = owners(rank.tier.len());
        let mut m = TreeMerge::new(&rank, &names);
        m.tracing = true;
        let got = m.merge("", &[(0, &a), (1, &b)]).unwrap();
        assert!(m.conflicts.is_empty());
        assert_eq!(got.sorted(), json(r#"{"x": 1, "y": 1, "same": 2}"#));
    }
}
