//! Resolve: from a checked library and one target to a [`Recipe`].
//!
//! In: a [`Library`] and a [`Query`]. Out: the resolved recipe, or every conflict and
//! dependency error found, as diagnostics.
//!
//! 1. *match* (`criteria.rs`): every overlay whose criteria match the target, with its
//!    `extends` ancestors. The applied order is the reference's: `base`, then each matched
//!    overlay by (specificity, name), its chain root first, each overlay once.
//! 2. *rank*: overlay A outranks B when its priority is higher, or equal and A extends B or
//!    A's criteria strictly refine B's. Inline values form a tier above values files.
//! 3. *merge* (`lattice.rs`): per component field, per value path, per constraint and per
//!    validation phase, the maximal contributions win; two that disagree are a conflict
//!    naming both overlays and the meet of their criteria.
//! 4. *finish*: registry defaults fill what no overlay set; dependencies are checked and
//!    ordered (`order.rs`); a fingerprint covers every input.
//!
//! The result depends only on the set of matched overlays, never on file or directory
//! order: every collection here is keyed or ranked, and ties are broken by name.

pub use galley_ir::criteria;
pub mod lattice;
pub mod order;
pub mod params;

use crate::check::{CriteriaSet, Library, OverlayInfo};
use crate::diag::{Code, Diagnostic};
use crate::ir::{self, Component, Origin, Provenance, Recipe, Shadow, Shadowed, Trace};
use crate::source::Span;
use crate::syntax::ast::{self, ComponentStmt, ComponentType, PhaseStmt, RegistryStmt};
use crate::syntax::yaml;
use crate::value::Value;
use criteria::{Query, matches};
use galley_syntax::hash::{HashMap, HashSet};
pub use lattice::Conflict;
use lattice::{Node, Rank, TreeMerge, pick};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// Resolve one target. Errors are diagnostics (conflicts, dependency problems).
pub fn resolve(lib: &Library, query: &Query) -> Result<Recipe, Vec<Diagnostic>> {
    Resolver::new(lib).resolve(query)
}

/// Resolves many targets against one library, reading each values file and hashing each
/// input once.
pub struct Resolver<'l> {
    lib: &'l Library,
    trees: Memo<String, Option<Arc<Node>>>,
    file_values: Memo<String, Arc<Value>>,
    hashes: Memo<String, [u8; 32]>,
    components: Memo<ComponentKey, Arc<Resolved>>,
}

/// A cache that threads share. Values are computed outside the lock; two threads that
/// compute the same entry compute the same value, so whichever lands is right.
struct Memo<K, V>(Mutex<HashMap<K, V>>);

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo(Mutex::new(HashMap::default()))
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
        // A panic elsewhere cannot leave a half-written entry: inserts are single calls.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.lock().get(key).cloned()
    }

    fn insert(&self, key: K, value: V) {
        self.lock().insert(key, value);
    }
}

/// A component and the overlays that have a block for it, in applied order. Everything
/// [`Resolution::component`] computes depends on these alone: the rank between two overlays
/// is a property of the pair (priority, `extends`, criteria), never of the other layers.
type ComponentKey = (String, Vec<Arc<str>>);

/// One component as resolved from its blocks, with its provenance (registry defaults are
/// applied afterwards, per recipe).
struct Resolved {
    component: Component,
    paths: Vec<(String, Trace)>,
    values: Option<Arc<dyn ir::ValueTracer>>,
}

impl<'l> Resolver<'l> {
    pub fn new(lib: &'l Library) -> Self {
        Resolver {
            lib,
            trees: Memo::default(),
            file_values: Memo::default(),
            hashes: Memo::default(),
            components: Memo::default(),
        }
    }

    pub fn resolve(&self, query: &Query) -> Result<Recipe, Vec<Diagnostic>> {
        let applied = applied_overlays(self.lib, query)?;
        Resolution::new(self, &applied).run(query)
    }

    /// Like [`Resolver::resolve`], but dependency problems (an unknown dependency, a cycle)
    /// come back beside the recipe, whose deployment order is then empty; merge conflicts
    /// are still errors. `graph` draws the cycle it reports.
    pub fn resolve_unordered(
        &self,
        query: &Query,
    ) -> Result<(Recipe, Vec<Diagnostic>), Vec<Diagnostic>> {
        let applied = applied_overlays(self.lib, query)?;
        Resolution::new(self, &applied).build(query)
    }

    /// The merge conflicts of a target as data (`galley check` groups them across the
    /// criteria space); empty when its overlays merge cleanly.
    pub fn conflicts(&self, query: &Query) -> Vec<Conflict> {
        match applied_overlays(self.lib, query) {
            Ok(applied) => Resolution::new(self, &applied).conflicts(),
            Err(_) => Vec::new(),
        }
    }

    /// Resolve exactly these overlays, in this order (an overlay chain, for the linter).
    pub fn resolve_layers(
        &self,
        layers: &[&'l OverlayInfo],
        query: &Query,
    ) -> Result<Recipe, Vec<Diagnostic>> {
        Resolution::new(self, layers).run(query)
    }

    /// A values file as a tree (spans point into the file); `None` if it did not parse,
    /// which the checker reported.
    /// A values file's whole value (what a component gets when that file is its only
    /// contribution), computed once.
    fn file_value(&self, path: &str, tree: &Node) -> Arc<Value> {
        if let Some(v) = self.file_values.get(path) {
            return v;
        }
        let value = match lattice::plain(tree) {
            Some(v @ Value::Map(_)) => v,
            _ => Value::Map(Default::default()),
        };
        let value = Arc::new(value);
        self.file_values.insert(path.to_string(), value.clone());
        value
    }

    pub fn values_tree(&self, path: &str) -> Option<Arc<Node>> {
        if let Some(hit) = self.trees.get(path) {
            return hit;
        }
        let tree = self
            .lib
            .values_docs
            .get(path)
            .map(|doc| Arc::new(yaml_node(&doc)));

        self.trees.insert(path.to_string(), tree.clone());
        tree
    }

    /// SHA-256 of an input, computed once per key.
    fn hash(&self, key: &str, content: impl FnOnce() -> String) -> [u8; 32] {
        if let Some(h) = self.hashes.get(key) {
            return h;
        }
        let h: [u8; 32] = Sha256::digest(content().as_bytes()).into();
        self.hashes.insert(key.to_string(), h);
        h
    }
}

/// [`resolve`], leaving out overlays (`recipe --snapshot`, recipe-engine.md §7): `exclude`
/// sees the overlays the target gets, in applied order, and names those to drop. The caller
/// names every overlay to drop, descendants included (`measure::exclude` does); `base` is
/// never dropped.
pub fn resolve_excluding(
    lib: &Library,
    query: &Query,
    exclude: impl FnOnce(&[&OverlayInfo]) -> BTreeSet<String>,
) -> Result<Recipe, Vec<Diagnostic>> {
    let resolver = Resolver::new(lib);
    let applied = applied_overlays(lib, query)?;
    let dropped = exclude(&applied);
    let kept: Vec<&OverlayInfo> = applied
        .into_iter()
        .filter(|o| o.name == crate::check::overlay::BASE || !dropped.contains(&o.name))
        .collect();
    Resolution::new(&resolver, &kept).run(query)
}

/// The overlays a target gets, in the reference's applied order.
pub fn applied_overlays<'l>(
    lib: &'l Library,
    query: &Query,
) -> Result<Vec<&'l OverlayInfo>, Vec<Diagnostic>> {
    let Some(base) = lib.overlays.get(crate::check::overlay::BASE) else {
        return Err(vec![Diagnostic::error(
            Code::MissingBase,
            "the library has no root overlay `base`",
        )]);
    };
    let mut matched: Vec<&OverlayInfo> = lib
        .overlays
        .values()
        .filter(|o| o.criteria.as_ref().is_some_and(|c| matches(c, query)))
        .collect();
    matched.sort_by(|a, b| {
        let spec = |o: &OverlayInfo| o.criteria.as_ref().map_or(0, CriteriaSet::specificity);
        (spec(a), &a.name).cmp(&(spec(b), &b.name))
    });
    let mut applied = vec![base];
    let mut taken: HashSet<&str> = HashSet::from_iter([base.name.as_str()]);
    for o in matched {
        // The chain up to the first overlay already applied (with it, all its ancestors
        // are), root first.
        let mut fresh: Vec<&OverlayInfo> = Vec::new();
        let mut cur = Some(o);
        while let Some(member) = cur.filter(|m| !taken.contains(m.name.as_str())) {
            taken.insert(member.name.as_str());
            fresh.push(member);
            cur = member.parent.as_deref().and_then(|p| lib.overlays.get(p));
        }
        applied.extend(fresh.into_iter().rev());
    }
    Ok(applied)
}

/// One contributor to a recipe: an applied overlay's own statements, or those of a mixin it
/// includes (which rank with the overlay).
struct Contrib<'l> {
    body: &'l [ast::OverlayStmt],
    /// The overlay's name, or `OVERLAY with MIXIN` (`check::mixin::owner`).
    owner: Arc<str>,
}

/// The contributors of the applied overlays: each overlay, then its mixins in name order;
/// with each contributor's overlay (an index into `layers`).
fn contribs<'l>(lib: &'l Library, layers: &[&'l OverlayInfo]) -> Vec<(usize, Contrib<'l>)> {
    let mut out = Vec::new();
    for (i, o) in layers.iter().enumerate() {
        out.push((
            i,
            Contrib {
                body: &o.ast.body,
                owner: Arc::from(o.name.as_str()),
            },
        ));
        for m in o.mixins.iter().filter_map(|m| lib.mixins.get(m)) {
            out.push((
                i,
                Contrib {
                    body: &m.ast.body,
                    owner: Arc::from(crate::check::mixin::owner(&o.name, &m.name)),
                },
            ));
        }
    }
    out
}

struct Resolution<'l, 'r> {
    resolver: &'r Resolver<'l>,
    lib: &'l Library,
    layers: Vec<&'l OverlayInfo>,
    /// What each layer of the rank reads: the overlays' and their mixins' statements.
    contribs: Vec<Contrib<'l>>,
    /// Overlay rank (fields, constraints, phases).
    rank: Rank,
    /// Values rank: layer `2i` is overlay i's values files, `2i+1` its inline values; the
    /// last is the registry's implicit `components/<name>/values.yaml`.
    values_rank: Arc<Rank>,
    /// The overlay of each values layer (`registry` for the implicit file).
    values_owners: Arc<[Arc<str>]>,
    /// The overlay of each field layer.
    owners: Vec<Arc<str>>,
}

impl<'l, 'r> Resolution<'l, 'r> {
    fn new(resolver: &'r Resolver<'l>, layers: &[&'l OverlayInfo]) -> Self {
        let lib = resolver.lib;
        let places = places(lib, layers);
        let (overlay_of, contribs): (Vec<usize>, Vec<Contrib<'l>>) =
            contribs(lib, layers).into_iter().unzip();
        let rank = Rank::new(
            places.clone(),
            &overlay_of.iter().map(|&i| (Some(i), 1)).collect::<Vec<_>>(),
        );
        // Layer `2i`: contributor i's values files (tier 0), `2i+1`: its inline values
        // (tier 1), `2n`: the registry's implicit file, below every other layer.
        let values_layers: Vec<(Option<usize>, u8)> = (0..2 * contribs.len())
            .map(|l| (Some(overlay_of[l / 2]), (l % 2) as u8))
            .chain([(None, 0)])
            .collect();
        let values_rank = Rank::new(places, &values_layers);
        let owners: Vec<Arc<str>> = contribs.iter().map(|c| c.owner.clone()).collect();
        let mut values_owners: Vec<Arc<str>> =
            owners.iter().flat_map(|o| [o.clone(), o.clone()]).collect();
        values_owners.push(Arc::from("registry"));
        Resolution {
            resolver,
            lib,
            layers: layers.to_vec(),
            contribs,
            rank,
            values_rank: Arc::new(values_rank),
            values_owners: values_owners.into(),
            owners,
        }
    }

    fn run(&self, query: &Query) -> Result<Recipe, Vec<Diagnostic>> {
        match self.build(query)? {
            (recipe, errors) if errors.is_empty() => Ok(recipe),
            (_, errors) => Err(errors),
        }
    }

    /// Every conflict of the merge, without building a recipe.
    fn conflicts(&self) -> Vec<Conflict> {
        let mut conflicts = Vec::new();
        let mut provenance = Provenance::default();
        for name in self.component_names() {
            self.component(&name, &mut conflicts, &mut provenance);
        }
        self.constraints(&mut conflicts, &mut provenance);
        self.validation(&mut conflicts, &mut provenance);
        conflicts
    }

    fn build(&self, query: &Query) -> Result<(Recipe, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut conflicts = Vec::new();
        let mut provenance = Provenance::default();
        let mut components = Vec::new();
        for name in self.component_names() {
            components.push(self.component(&name, &mut conflicts, &mut provenance));
        }
        let constraints = self.constraints(&mut conflicts, &mut provenance);
        let validation = self.validation(&mut conflicts, &mut provenance);
        if !conflicts.is_empty() {
            return Err(conflicts
                .iter()
                .map(|c| self.conflict_diagnostic(c))
                .collect());
        }
        let (deployment_order, order_errors) =
            match order::deployment_order(&components, &provenance) {
                Ok(order) => (order, Vec::new()),
                Err(errors) => (Vec::new(), errors),
            };
        let recipe = Recipe {
            criteria: query.clone(),
            applied_overlays: self.layers.iter().map(|o| o.name.clone()).collect(),
            fingerprint: self.fingerprint(query, &components),
            constraints,
            components,
            deployment_order,
            validation,
            provenance,
            params: Vec::new(),
        };
        Ok((recipe, order_errors))
    }

    fn component_names(&self) -> Vec<String> {
        let names: BTreeSet<String> = self
            .contribs
            .iter()
            .flat_map(|o| components(o.body).map(|c| c.name.node.clone()))
            .collect();
        names.into_iter().collect()
    }

    /// Every layer's block for a component: (layer index, statements).
    fn blocks(&self, name: &str) -> Vec<(usize, &'l ast::ComponentRef)> {
        self.contribs
            .iter()
            .enumerate()
            .flat_map(|(i, o)| {
                components(o.body)
                    .filter(|c| c.name.node == name)
                    .map(move |c| (i, c))
            })
            .collect()
    }

    /// A component from its blocks, registry defaults filled in; the same blocks in another
    /// recipe of this resolver give the same component, so it is built once. A component
    /// whose blocks conflict is never kept (its conflicts name layers of this resolution).
    fn component(
        &self,
        name: &str,
        conflicts: &mut Vec<Conflict>,
        prov: &mut Provenance,
    ) -> Component {
        let blocks = self.blocks(name);
        let key: ComponentKey = (
            name.to_string(),
            blocks
                .iter()
                .map(|(l, _)| self.owners[*l].clone())
                .collect(),
        );
        let hit = self.resolver.components.get(&key);
        if let Some(hit) = hit {
            prov.paths.extend(hit.paths.iter().cloned());
            if let Some(values) = &hit.values {
                prov.values.insert(name.to_string(), values.clone());
            }
            return hit.component.clone();
        }
        let mut found = Vec::new();
        let mut own = Provenance::default();
        let mut component = self.build_component(name, &blocks, &mut found, &mut own);
        if found.is_empty() {
            // What no overlay set comes from the registry. (A component that conflicts
            // fails its recipe, so it never gets here.)
            self.registry_defaults(&mut component, &mut own);
            let resolved = Resolved {
                component: component.clone(),
                paths: own
                    .paths
                    .iter()
                    .map(|(p, t)| (p.clone(), t.clone()))
                    .collect(),
                values: own.values.get(name).cloned(),
            };
            self.resolver.components.insert(key, Arc::new(resolved));
        }
        conflicts.extend(found);
        prov.paths.extend(own.paths);
        prov.values.extend(own.values);
        component
    }

    fn build_component(
        &self,
        name: &str,
        blocks: &[(usize, &'l ast::ComponentRef)],
        conflicts: &mut Vec<Conflict>,
        prov: &mut Provenance,
    ) -> Component {
        let mut fields: BTreeMap<&'static str, Vec<(usize, Value, Span)>> = BTreeMap::new();
        let mut manifests: Vec<String> = Vec::new();
        let mut cleanup = false;
        for &(layer, block) in blocks {
            for stmt in &block.body {
                match stmt {
                    ComponentStmt::Manifests(list) => {
                        for m in &list.node {
                            if !manifests.contains(&m.node) {
                                manifests.push(m.node.clone());
                            }
                        }
                    }
                    ComponentStmt::Cleanup(b) => cleanup |= b.node,
                    other => {
                        if let Some((key, value)) = field_fact(other) {
                            fields
                                .entry(key)
                                .or_default()
                                .push((layer, value, other.span()));
                        }
                    }
                }
            }
        }
        let mut field = |key: &'static str| -> Option<Value> {
            let cands = fields.get(key)?;
            let facts: Vec<(usize, &Value)> = cands.iter().map(|(l, v, _)| (*l, v)).collect();
            let (win, clash) = pick(&facts, &self.rank);
            let path = format!("{name}.{key}");
            if let Some((a, b)) = clash {
                conflicts.push(self.atom_conflict(&path, &cands[a], &cands[b]));
            }
            prov.paths.insert(path, self.atom_trace(cands, win));
            Some(cands[win].1.clone())
        };
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let list = |v: Option<Value>| match v {
            Some(Value::List(items)) => items
                .into_iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let kind = match text(field("type")).as_deref() {
            Some("Kustomize") => Some(ComponentType::Kustomize),
            Some(_) => Some(ComponentType::Helm),
            None => None,
        };
        let expected = expected_resources(field("expect"));
        let mut component = Component {
            name: name.to_string(),
            kind: kind.unwrap_or(ComponentType::Helm),
            source: text(field("source")).unwrap_or_default(),
            chart: text(field("chart")),
            version: text(field("version")),
            namespace: text(field("namespace")),
            tag: text(field("tag")),
            path: text(field("path")),
            patches: list(field("patches")),
            dependency_refs: list(field("needs")),
            health_check_asserts: text(field("health-asserts")),
            manifest_files: manifests,
            cleanup,
            expected_resources: expected,
            values_files: Vec::new(),
            overrides: Arc::new(Value::Map(Default::default())),
            values: Arc::new(Value::Map(Default::default())),
        };
        if kind.is_none() {
            prov.paths.remove(&format!("{name}.type"));
        }
        self.values(&mut component, blocks, conflicts, prov);
        component
    }

    fn values(
        &self,
        c: &mut Component,
        blocks: &[(usize, &ast::ComponentRef)],
        conflicts: &mut Vec<Conflict>,
        prov: &mut Provenance,
    ) {
        let mut nodes: Vec<(usize, Arc<Node>)> = Vec::new();
        // The one values file a node came from, if it came from exactly one.
        let mut node_file: Vec<Option<String>> = Vec::new();
        let mut overrides: Vec<(usize, Arc<Node>)> = Vec::new();
        let mut seen_files: BTreeSet<String> = BTreeSet::new();
        for &(layer, block) in blocks {
            let mut files: Vec<Arc<Node>> = Vec::new();
            let mut file_paths: Vec<&str> = Vec::new();
            let mut set_node: Option<Node> = None;
            for stmt in &block.body {
                match stmt {
                    ComponentStmt::Values(path) if seen_files.insert(path.node.clone()) => {
                        c.values_files.push(path.node.clone());
                        if let Some(tree) = self.resolver.values_tree(&path.node) {
                            files.push(tree);
                            file_paths.push(&path.node);
                        }
                    }
                    ComponentStmt::Set(block) => {
                        for entry in &block.entries {
                            let keys: Vec<String> = entry.path.keys().map(String::from).collect();
                            let root = set_node
                                .get_or_insert_with(|| Node::Map(Default::default(), entry.span));
                            root.set_path(&keys, value_node(&entry.value, entry.span));
                        }
                    }
                    ComponentStmt::Unset(paths) => {
                        for p in &paths.node {
                            let keys: Vec<String> = p.keys().map(String::from).collect();
                            let root = set_node
                                .get_or_insert_with(|| Node::Map(Default::default(), p.span));
                            root.set_path(&keys, Node::Unset(p.span));
                        }
                    }
                    ComponentStmt::Enabled(b) => {
                        let root =
                            set_node.get_or_insert_with(|| Node::Map(Default::default(), b.span));
                        root.set_path(
                            &["enabled".to_string()],
                            Node::Atom(Value::Bool(b.node), b.span),
                        );
                    }
                    _ => {}
                }
            }
            if let Some(tree) = merge_files(files) {
                node_file.push((file_paths.len() == 1).then(|| file_paths[0].to_string()));
                nodes.push((2 * layer, tree));
            }
            if let Some(n) = set_node {
                let n = Arc::new(n);
                overrides.push((layer, n.clone()));
                node_file.push(None);
                nodes.push((2 * layer + 1, n));
            }
        }
        let implicit = format!("components/{}/values.yaml", c.name);
        if !nodes.is_empty()
            && !seen_files.contains(&implicit)
            && let Some(tree) = self.resolver.values_tree(&implicit)
        {
            node_file.push(Some(implicit.clone()));
            c.values_files.insert(0, implicit);
            nodes.push((2 * self.contribs.len(), tree));
        }
        let mut merge = TreeMerge::new(&self.values_rank, &self.values_owners);
        let cands: Vec<(usize, &Node)> = nodes.iter().map(|(l, n)| (*l, &**n)).collect();
        if let [Some(only)] = node_file.as_slice() {
            // Values straight from one file: share the file's value across recipes.
            c.values = self.resolver.file_value(only, &nodes[0].1);
        } else if !cands.is_empty() {
            let path = format!("{}.values", c.name);
            let merged = merge
                .merge(&path, &cands)
                .filter(|v| matches!(v, Value::Map(_)))
                .unwrap_or(Value::Map(Default::default()));
            c.values = Arc::new(merged);
        }
        conflicts.extend(merge.conflicts);
        c.overrides = Arc::new(merged_overrides(&overrides, &self.rank));
        let tracer = ValuesTracer {
            root: format!("{}.values", c.name),
            rank: self.values_rank.clone(),
            owners: self.values_owners.clone(),
            cands: nodes,
        };
        prov.values.insert(c.name.clone(), Arc::new(tracer));
    }

    fn constraints(
        &self,
        conflicts: &mut Vec<Conflict>,
        prov: &mut Provenance,
    ) -> Vec<ir::Constraint> {
        let mut by_name: BTreeMap<String, Vec<(usize, ir::Constraint, Span)>> = BTreeMap::new();
        for (i, o) in self.contribs.iter().enumerate() {
            for c in o.body.iter().filter_map(|s| match s {
                ast::OverlayStmt::Require(c) => Some(c),
                _ => None,
            }) {
                by_name
                    .entry(c.path.aicr_name())
                    .or_default()
                    .push((i, ir_constraint(c), c.span));
            }
        }
        by_name
            .into_iter()
            .map(|(name, cands)| {
                let facts: Vec<(usize, &ir::Constraint)> =
                    cands.iter().map(|(l, c, _)| (*l, c)).collect();
                let (win, clash) = pick(&facts, &self.rank);
                let path = format!("constraints.{name}");
                if let Some((a, b)) = clash {
                    conflicts.push(self.atom_conflict(&path, &cands[a], &cands[b]));
                }
                prov.paths.insert(path, self.atom_trace(&cands, win));
                cands[win].1.clone()
            })
            .collect()
    }

    fn validation(&self, conflicts: &mut Vec<Conflict>, prov: &mut Provenance) -> ir::Validation {
        let mut by_phase: BTreeMap<String, Vec<(usize, ir::Phase, Span)>> = BTreeMap::new();
        for (i, o) in self.contribs.iter().enumerate() {
            for p in o.body.iter().filter_map(|s| match s {
                ast::OverlayStmt::Validate(p) => Some(p),
                _ => None,
            }) {
                by_phase
                    .entry(p.name.node.clone())
                    .or_default()
                    .push((i, ir_phase(p), p.span));
            }
        }
        let mut validation = ir::Validation::default();
        for (phase, cands) in by_phase {
            let facts: Vec<(usize, &ir::Phase)> = cands.iter().map(|(l, p, _)| (*l, p)).collect();
            let (win, clash) = pick(&facts, &self.rank);
            let path = format!("validation.{phase}");
            if let Some((a, b)) = clash {
                conflicts.push(self.atom_conflict(&path, &cands[a], &cands[b]));
            }
            prov.paths.insert(path, self.atom_trace(&cands, win));
            if let Some(slot) = validation.slot(&phase) {
                *slot = Some(cands[win].1.clone());
            }
        }
        validation
    }

    fn atom_trace<T: PartialEq + Into<TraceValue> + Clone>(
        &self,
        cands: &[(usize, T, Span)],
        win: usize,
    ) -> Trace {
        let origin = |i: usize| Origin {
            overlay: self.owners[cands[i].0].clone(),
            span: cands[i].2,
        };
        Trace {
            winner: origin(win),
            shadowed: (0..cands.len())
                .filter(|&i| i != win && cands[i].1 != cands[win].1)
                .map(|i| Shadowed {
                    origin: origin(i),
                    value: cands[i].1.clone().into().0,
                    why: Shadow::Outranked,
                })
                .collect(),
        }
    }

    fn atom_conflict<T: Into<TraceValue> + Clone>(
        &self,
        path: &str,
        a: &(usize, T, Span),
        b: &(usize, T, Span),
    ) -> Conflict {
        let describe = |v: &T| v.clone().into().1;
        Conflict {
            path: path.to_string(),
            a: (
                a.0,
                Origin {
                    overlay: self.owners[a.0].clone(),
                    span: a.2,
                },
            ),
            b: (
                b.0,
                Origin {
                    overlay: self.owners[b.0].clone(),
                    span: b.2,
                },
            ),
            a_value: describe(&a.1),
            b_value: describe(&b.1),
        }
    }

    fn conflict_diagnostic(&self, c: &Conflict) -> Diagnostic {
        let overlay = |name: &str| self.lib.overlays.get(crate::check::mixin::overlay_of(name));
        let crit = |name: &str| {
            overlay(name)
                .and_then(|o| o.criteria.clone())
                .unwrap_or_default()
        };
        let (ca, cb) = (crit(&c.a.1.overlay), crit(&c.b.1.overlay));
        let mut meet = ca.clone();
        meet.values.extend(cb.values.clone());
        Diagnostic::error(
            Code::MergeConflict,
            format!(
                "overlays `{}` and `{}` disagree on `{}`, and neither outranks the other",
                c.a.1.overlay, c.b.1.overlay, c.path
            ),
        )
        .with_label(c.a.1.span, format!("`{}` sets {}", c.a.1.overlay, c.a_value))
        .with_label(c.b.1.span, format!("`{}` sets {}", c.b.1.overlay, c.b_value))
        .with_help(
            crate::check::mixin::settle_within(&c.a.1.overlay, &c.b.1.overlay, "the value")
                .unwrap_or_else(|| format!(
                    "add an overlay for `{}` (the meet of both) that sets the value, or give one of them a `priority`",
                    meet.describe()
                )),
        )
    }

    /// Fill what no overlay set from the registry (the reference's `applyRegistryDefaults`),
    /// recording each default's place in the registry as its provenance.
    fn registry_defaults(&self, c: &mut Component, prov: &mut Provenance) {
        let typed = self
            .blocks(&c.name)
            .iter()
            .any(|(_, b)| b.body.iter().any(|s| matches!(s, ComponentStmt::Type(_))));
        registry_defaults(self.lib, c, typed, prov);
    }

    /// SHA-256 over the target, each applied overlay in canonical form (so layout, comments
    /// and file boundaries do not count) and every values file the recipe reads.
    fn fingerprint(&self, query: &Query, components: &[Component]) -> String {
        let mut h = Sha256::new();
        h.update(query.describe().as_bytes());
        let mut overlays: Vec<&OverlayInfo> = self.layers.clone();
        overlays.sort_by(|a, b| a.name.cmp(&b.name));
        for o in overlays {
            h.update(self.resolver.hash(&format!("overlay:{}", o.name), || {
                let unit = ast::SourceUnit {
                    file: o.file,
                    syntax: ast::Syntax::Ovl,
                    items: vec![ast::Item::Overlay(o.ast.clone())],
                    comments: Vec::new(),
                };
                crate::syntax::printer::print_unit(&unit)
            }));
            for m in o.mixins.iter().filter_map(|m| self.lib.mixins.get(m)) {
                h.update(self.resolver.hash(&format!("mixin:{}", m.name), || {
                    let unit = ast::SourceUnit {
                        file: m.file,
                        syntax: ast::Syntax::Ovl,
                        items: vec![ast::Item::Mixin(m.ast.clone())],
                        comments: Vec::new(),
                    };
                    crate::syntax::printer::print_unit(&unit)
                }));
            }
        }
        let files: BTreeSet<&str> = components
            .iter()
            .flat_map(|c| c.values_files.iter().map(String::as_str))
            .collect();
        for path in files {
            if let Some(&file) = self.lib.values_files.get(path) {
                h.update(path.as_bytes());
                h.update(self.resolver.hash(&format!("file:{path}"), || {
                    self.lib.files.text(file).to_string()
                }));
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The component blocks of a body.
fn components(body: &[ast::OverlayStmt]) -> impl Iterator<Item = &ast::ComponentRef> {
    body.iter().filter_map(|s| match s {
        ast::OverlayStmt::Component(c) => Some(c),
        _ => None,
    })
}

/// Each layer's place in the rank: its priority, its nearest ancestor among the layers,
/// and its criteria as interned (dimension, value) pairs (an abstract overlay has none).
fn places(lib: &Library, layers: &[&OverlayInfo]) -> Vec<lattice::Place> {
    let index: HashMap<&str, usize> = layers
        .iter()
        .enumerate()
        .rev()
        .map(|(i, o)| (o.name.as_str(), i))
        .collect();
    let mut pairs: HashMap<(&str, &str), u32> = HashMap::default();
    layers
        .iter()
        .map(|o| {
            let mut criteria: Vec<u32> = o
                .criteria
                .iter()
                .flat_map(|c| c.values.iter())
                .map(|(d, v)| {
                    let next = pairs.len() as u32;
                    *pairs.entry((d.as_str(), v.as_str())).or_insert(next)
                })
                .collect();
            criteria.sort_unstable();
            lattice::Place {
                priority: o.priority,
                parent: nearest_ancestor(lib, o, &index),
                criteria,
            }
        })
        .collect()
}

/// The nearest overlay `o` extends that is among the layers (by index).
fn nearest_ancestor(lib: &Library, o: &OverlayInfo, index: &HashMap<&str, usize>) -> Option<usize> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut cur = o.parent.as_deref();
    while let Some(name) = cur {
        if let Some(&i) = index.get(name) {
            return Some(i);
        }
        if !seen.insert(name) {
            return None;
        }
        cur = lib.overlays.get(name).and_then(|p| p.parent.as_deref());
    }
    None
}

/// Fill what no overlay set from the registry (the reference's `applyRegistryDefaults`),
/// recording each default's place in the registry as its provenance; `typed`: some block
/// gave the component a `type`.
pub fn registry_defaults(lib: &Library, c: &mut Component, typed: bool, prov: &mut Provenance) {
    let Some(entry) = lib.stdlib.registry.get(&c.name) else {
        return;
    };

    let block = |helm: bool| {
        entry.decl.body.iter().find_map(|s| match s {
            RegistryStmt::Helm(b) if helm => Some(b),
            RegistryStmt::Kustomize(b) if !helm => Some(b),
            _ => None,
        })
    };
    if !typed {
        c.kind = if block(false).is_some() {
            ComponentType::Kustomize
        } else {
            ComponentType::Helm
        };
    }
    let name = c.name.clone();
    let mut fill = |field: &str, slot: &mut Option<String>, found: Option<(String, Span)>| {
        if let Some((value, span)) = found
            && slot.as_deref().is_none_or(str::is_empty)
            && (!value.is_empty() || field == "source")
        {
            *slot = Some(value);
            let winner = Origin {
                overlay: "registry".into(),
                span,
            };
            prov.paths.insert(
                format!("{name}.{field}"),
                Trace {
                    winner,
                    shadowed: Vec::new(),
                },
            );
        }
    };
    let get = |b: &ast::SourceBlock, key: &str| {
        b.fields
            .iter()
            .find(|(k, _)| k.node == key)
            .map(|(_, v)| (v.node.clone(), v.span))
    };
    let (source_key, source_block) = match c.kind {
        ComponentType::Helm => ("repository", block(true)),
        ComponentType::Kustomize => ("source", block(false)),
    };
    if let Some(b) = source_block {
        let mut source = (!c.source.is_empty()).then(|| c.source.clone());
        fill("source", &mut source, get(b, source_key));
        c.source = source.unwrap_or_default();
        fill("namespace", &mut c.namespace, get(b, "namespace"));
        if c.kind == ComponentType::Helm {
            fill("version", &mut c.version, get(b, "version"));
            let chart = get(b, "chart")
                .map(|(ch, span)| (ch.rsplit('/').next().unwrap_or(&ch).to_string(), span));
            fill("chart", &mut c.chart, chart);
        } else {
            fill("tag", &mut c.tag, get(b, "tag"));
            fill("path", &mut c.path, get(b, "path"));
        }
    }
    if block(true).is_none() && block(false).is_none() {
        let ns = entry.decl.body.iter().find_map(|s| match s {
            RegistryStmt::Namespace(n) => Some((n.node.clone(), n.span)),
            _ => None,
        });
        fill("namespace", &mut c.namespace, ns);
    }
}

/// Traces one component's values on demand from the candidates resolution merged.
#[derive(Debug)]
struct ValuesTracer {
    root: String,
    rank: Arc<Rank>,
    owners: Arc<[Arc<str>]>,
    cands: Vec<(usize, Arc<Node>)>,
}

impl ir::ValueTracer for ValuesTracer {
    fn traces(&self) -> BTreeMap<String, Trace> {
        let mut merge = TreeMerge::new(&self.rank, &self.owners);
        merge.tracing = true;
        let cands: Vec<(usize, &Node)> = self.cands.iter().map(|(l, n)| (*l, &**n)).collect();
        if !cands.is_empty() {
            merge.merge(&self.root, &cands);
        }
        merge.traces
    }
}

/// A value and its short description, for traces and conflict messages.
pub struct TraceValue(Option<Value>, String);

impl From<Value> for TraceValue {
    fn from(v: Value) -> Self {
        let d = serde_json::to_string(&v).unwrap_or_default();
        TraceValue(Some(v), d)
    }
}

impl From<ir::Constraint> for TraceValue {
    fn from(c: ir::Constraint) -> Self {
        TraceValue(
            Some(Value::String(c.value.clone())),
            format!("`{}`", c.value),
        )
    }
}

impl From<ir::Phase> for TraceValue {
    fn from(_: ir::Phase) -> Self {
        TraceValue(None, "a different phase".into())
    }
}

/// One layer's values files, merged (usually just one, shared with the cache).
pub fn merge_files(mut files: Vec<Arc<Node>>) -> Option<Arc<Node>> {
    if files.len() <= 1 {
        return files.pop();
    }
    let mut merged = (*files[0]).clone();
    for f in &files[1..] {
        merged.merge_from((**f).clone());
    }
    Some(Arc::new(merged))
}

/// The field a statement sets, as a comparable value.
pub fn field_fact(stmt: &ComponentStmt) -> Option<(&'static str, Value)> {
    let s = |v: &str| Value::String(v.to_string());
    let l = |items: Vec<String>| Value::List(items.into_iter().map(Value::String).collect());
    Some(match stmt {
        ComponentStmt::Type(t) => ("type", s(t.node.as_str())),
        ComponentStmt::Source(v) => ("source", s(&v.node)),
        ComponentStmt::Chart(v) => ("chart", s(&v.node)),
        ComponentStmt::Version(v) => ("version", s(&v.node)),
        ComponentStmt::Namespace(v) => ("namespace", s(&v.node)),
        ComponentStmt::Tag(v) => ("tag", s(&v.node)),
        ComponentStmt::Path(v) => ("path", s(&v.node)),
        ComponentStmt::HealthAsserts(v) => ("health-asserts", s(&v.node)),
        ComponentStmt::Patches(p) => (
            "patches",
            l(p.node.iter().map(|x| x.node.clone()).collect()),
        ),
        ComponentStmt::Needs(n) => ("needs", l(n.node.iter().map(|x| x.node.clone()).collect())),
        ComponentStmt::Expect(e) => (
            "expect",
            Value::List(vec![Value::Map(
                [
                    ("kind".to_string(), s(&e.kind.node)),
                    ("name".to_string(), s(&e.name.node)),
                    (
                        "namespace".to_string(),
                        e.namespace.as_ref().map_or(Value::Null, |n| s(&n.node)),
                    ),
                ]
                .into_iter()
                .collect(),
            )]),
        ),
        _ => return None,
    })
}

fn expected_resources(v: Option<Value>) -> Vec<ir::ExpectedResource> {
    let Some(Value::List(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| {
            let m = i.as_map()?;
            let text = |k: &str| match m.get(k) {
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            };
            Some(ir::ExpectedResource {
                kind: text("kind")?,
                name: text("name")?,
                namespace: text("namespace"),
            })
        })
        .collect()
}

/// A literal from a `set` block as a tree (map literals become maps).
pub fn value_node(v: &ast::Value, span: Span) -> Node {
    match &v.kind {
        ast::ValueKind::Map(entries) => {
            let mut node = Node::Map(Default::default(), span);
            for e in entries {
                node.set_path(
                    &e.path.keys().map(String::from).collect::<Vec<_>>(),
                    value_node(&e.value, e.span),
                );
            }
            node
        }
        _ => Node::Atom(literal(v), span),
    }
}

/// A literal's plain value.
pub fn literal(v: &ast::Value) -> Value {
    match &v.kind {
        ast::ValueKind::Null => Value::Null,
        ast::ValueKind::Bool(b) => Value::Bool(*b),
        ast::ValueKind::Int(i) => Value::Int(*i),
        ast::ValueKind::Float(f) => Value::Float(*f),
        ast::ValueKind::String(s) => Value::String(s.clone()),
        ast::ValueKind::List(items) => Value::List(items.iter().map(literal).collect()),
        ast::ValueKind::Map(entries) => {
            let mut out = Value::Map(Default::default());
            for e in entries {
                let mut leaf = literal(&e.value);
                for key in e.path.keys().collect::<Vec<_>>().into_iter().rev() {
                    leaf = Value::Map([(key.to_string(), leaf)].into_iter().collect());
                }
                out.merge_from(&leaf);
            }
            out
        }
    }
}

fn yaml_node(node: &yaml::Node) -> Node {
    match &node.kind {
        yaml::NodeKind::Map(entries) => {
            let mut map = indexmap::IndexMap::with_capacity(entries.len());
            for (k, v) in entries {
                // Two keys with one text (`1` and `"1"`): the first counts.
                map.entry(key_text(k)).or_insert_with(|| yaml_node(v));
            }
            Node::Map(map, node.span)
        }
        _ => Node::Atom(node.to_value(), node.span),
    }
}

fn key_text(k: &yaml::Node) -> String {
    match k.to_value() {
        Value::String(s) => s,
        other => serde_json::to_string(&other).unwrap_or_default(),
    }
}

/// Inline values of every layer merged in rank order, lowest first (the `overrides` the
/// reference shows).
fn merged_overrides(layers: &[(usize, Arc<Node>)], rank: &Rank) -> Value {
    let mut ordered: Vec<&(usize, Arc<Node>)> = layers.iter().collect();
    ordered.sort_by_key(|(layer, _)| rank.sort_key(*layer));
    let mut out = Value::Map(Default::default());
    for (_, node) in ordered {
        out.merge_from(&node_value(node));
    }
    out
}

fn node_value(n: &Node) -> Value {
    match n {
        Node::Map(entries, _) => Value::Map(
            entries
                .iter()
                .filter(|(_, v)| !matches!(v, Node::Unset(_)))
                .map(|(k, v)| (k.clone(), node_value(v)))
                .collect(),
        ),
        Node::Atom(v, _) => v.clone(),
        Node::Unset(_) => Value::Null,
    }
}

pub fn ir_constraint(c: &ast::Constraint) -> ir::Constraint {
    ir::Constraint {
        name: c.path.aicr_name(),
        value: c.aicr_value(),
        severity: c.severity.as_ref().map(|s| s.node.clone()),
        remediation: c.remediation.as_ref().map(|s| s.node.clone()),
        unit: c.unit.as_ref().map(|s| s.node.clone()),
    }
}

fn ir_phase(p: &ast::Phase) -> ir::Phase {
    let mut phase = ir::Phase::default();
    let mut selection = ir::NodeSelection::default();
    for stmt in &p.body {
        match stmt {
            PhaseStmt::Timeout(t) => phase.timeout = Some(t.node.clone()),
            PhaseStmt::Checks(c) => phase.checks.extend(c.node.iter().map(|n| n.node.clone())),
            PhaseStmt::Require(c) => phase.constraints.push(ir_constraint(c)),
            PhaseStmt::NodeSelector(a) => {
                let key = a.path.keys().collect::<Vec<_>>().join(".");
                let value = match literal(&a.value) {
                    Value::String(s) => s,
                    other => serde_json::to_string(&other).unwrap_or_default(),
                };
                selection.selector.insert(key, value);
            }
            PhaseStmt::MaxNodes(n) => selection.max_nodes = Some(n.node),
            PhaseStmt::ExcludeNodes(e) => selection
                .exclude_nodes
                .extend(e.node.iter().map(|n| n.node.clone())),
            PhaseStmt::Infrastructure(n) => phase.infrastructure = Some(n.node.clone()),
        }
    }
    if selection != ir::NodeSelection::default() {
        phase.node_selection = Some(selection);
    }
    phase
}
