//! The criteria space and what the library does with each target.

use crate::check::{Library, OverlayInfo};
use crate::diag::{Code, Diagnostic};
use crate::resolve::criteria::{Query, matches};
use crate::resolve::{Resolver, applied_overlays};
use crate::syntax::ast::DIMENSIONS;
use std::collections::{BTreeSet, HashMap};

/// How a target is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// An overlay's criteria name exactly this target.
    Curated,
    /// Some overlay with criteria matches, none exactly.
    Partial,
    /// Only `base` and overlays that match every target.
    Base,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Curated => "curated",
            Class::Partial => "partial",
            Class::Base => "base",
        }
    }
}

/// Why a target does not resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Failure {
    /// Two matched overlays disagree and neither outranks the other.
    Conflict,
    /// A dependency on a component the recipe lacks, or a dependency cycle.
    Dependency,
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Conflict => "conflict",
            Failure::Dependency => "dependency",
        }
    }
}

/// One distinct set of applied overlays and what resolving it gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// `base` first, in the applied order.
    pub applied: Vec<String>,
    /// The applied overlays no other applied overlay extends.
    pub deepest: Vec<String>,
    pub failure: Option<Failure>,
    /// The resolver's diagnostics when it fails.
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Debug)]
pub struct Target {
    pub query: Query,
    pub class: Class,
    /// Index into [`Coverage::outcomes`].
    pub outcome: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Each enumerated dimension with its values, `any` first.
    pub dimensions: Vec<(String, Vec<String>)>,
    /// In the space's order: the first dimension varies slowest.
    pub targets: Vec<Target>,
    /// In order of first appearance.
    pub outcomes: Vec<Outcome>,
    /// Overlays no target reaches as a deepest match (or applies at all), sorted.
    pub dead: Vec<String>,
}

/// Counts of targets by class and failure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub targets: usize,
    pub curated: usize,
    pub partial: usize,
    pub base: usize,
    pub failing: usize,
}

impl Tally {
    fn add(&mut self, class: Class, failing: bool) {
        self.targets += 1;
        match class {
            Class::Curated => self.curated += 1,
            Class::Partial => self.partial += 1,
            Class::Base => self.base += 1,
        }
        self.failing += usize::from(failing);
    }
}

impl Coverage {
    pub fn outcome(&self, t: &Target) -> &Outcome {
        &self.outcomes[t.outcome]
    }

    pub fn total(&self) -> Tally {
        let mut tally = Tally::default();
        for t in &self.targets {
            tally.add(t.class, self.outcome(t).failure.is_some());
        }
        tally
    }

    /// Per dimension, per value (`any` first): the tally of the targets with that value.
    pub fn by_dimension(&self) -> Vec<(String, Vec<(String, Tally)>)> {
        self.dimensions
            .iter()
            .map(|(dim, values)| {
                let rows = values
                    .iter()
                    .map(|v| {
                        let mut tally = Tally::default();
                        for t in self.targets.iter().filter(|t| t.query.get(dim) == v) {
                            tally.add(t.class, self.outcome(t).failure.is_some());
                        }
                        (v.clone(), tally)
                    })
                    .collect();
                (dim.clone(), rows)
            })
            .collect()
    }

    /// How many targets each outcome serves.
    pub fn outcome_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.outcomes.len()];
        for t in &self.targets {
            counts[t.outcome] += 1;
        }
        counts
    }
}

/// The criteria space: every dimension's declared values and `any`. `nodes` is a count, so
/// its values are `any` and every count an overlay names.
pub fn space(lib: &Library) -> Vec<(String, Vec<String>)> {
    DIMENSIONS
        .iter()
        .filter_map(|dim| {
            let d = lib.stdlib.dimensions.map.get(*dim)?;
            let mut values = vec!["any".to_string()];
            if d.count {
                let named: BTreeSet<u64> = lib
                    .overlays
                    .values()
                    .filter_map(|o| o.criteria.as_ref()?.values.get(*dim)?.parse().ok())
                    .collect();
                values.extend(named.iter().map(u64::to_string));
            } else {
                values.extend(d.values.iter().cloned());
            }
            Some((dim.to_string(), values))
        })
        .collect()
}

/// Every target of a space, the first dimension varying slowest.
pub fn queries(space: &[(String, Vec<String>)]) -> Vec<Query> {
    let mut out = vec![Query::any()];
    for (dim, values) in space {
        out = out
            .into_iter()
            .flat_map(|q| {
                values.iter().map(move |v| {
                    let mut q = q.clone();
                    if v != "any" {
                        q.values.insert(dim.clone(), v.clone());
                    }
                    q
                })
            })
            .collect();
    }
    out
}

/// Which overlays match each target of a space, as bit sets over the library's overlays,
/// without building the targets: an overlay matches a target when each of its criteria
/// names the target's value (`criteria::matches`), so a target's set is the intersection
/// of one precomputed set per dimension.
pub struct MatchIndex {
    /// Per dimension of the space, per value (by index), the overlays that value admits.
    admits: Vec<Vec<Vec<u64>>>,
    words: usize,
}

impl MatchIndex {
    pub fn new(lib: &Library, space: &[(String, Vec<String>)]) -> MatchIndex {
        let overlays: Vec<&OverlayInfo> = lib.overlays.values().collect();
        let words = overlays.len().div_ceil(64);
        let mut admits: Vec<Vec<Vec<u64>>> = Vec::with_capacity(space.len());
        for (dim, values) in space {
            let per_value = values
                .iter()
                .map(|value| {
                    let mut bits = vec![0u64; words];
                    for (i, o) in overlays.iter().enumerate() {
                        let admitted = o.criteria.as_ref().is_some_and(|c| {
                            match c.values.get(dim) {
                                None => true,
                                // `any` is the absence of a value in a query.
                                Some(v) => value != "any" && v == value,
                            }
                        });
                        if admitted {
                            bits[i / 64] |= 1 << (i % 64);
                        }
                    }
                    bits
                })
                .collect();
            admits.push(per_value);
        }
        // An overlay with a criterion on a dimension outside the space matches no target.
        let dims: BTreeSet<&str> = space.iter().map(|(d, _)| d.as_str()).collect();
        for (i, o) in overlays.iter().enumerate() {
            let outside = o
                .criteria
                .as_ref()
                .is_some_and(|c| c.values.keys().any(|d| !dims.contains(d.as_str())));
            if outside {
                for values in &mut admits {
                    for bits in values {
                        bits[i / 64] &= !(1 << (i % 64));
                    }
                }
            }
        }
        MatchIndex { admits, words }
    }

    /// The overlays matching the target at `at` (a value index per dimension).
    pub fn matched(&self, at: &[usize]) -> Vec<u64> {
        let mut bits = vec![u64::MAX; self.words];
        for (d, &v) in at.iter().enumerate() {
            for (w, b) in bits.iter_mut().zip(&self.admits[d][v]) {
                *w &= b;
            }
        }
        bits
    }
}

/// Every position of a space (a value index per dimension), in the order of [`queries`],
/// one at a time (a space is a product: it is never held whole).
pub fn positions(space: &[(String, Vec<String>)]) -> impl Iterator<Item = Vec<usize>> + '_ {
    let empty = space.iter().any(|(_, values)| values.is_empty());
    let mut next = (!empty).then(|| vec![0; space.len()]);
    std::iter::from_fn(move || {
        let current = next.take()?;
        let mut at = current.clone();
        // Odometer: the last dimension varies fastest.
        for d in (0..at.len()).rev() {
            at[d] += 1;
            if at[d] < space[d].1.len() {
                next = Some(at);
                break;
            }
            at[d] = 0;
        }
        Some(current)
    })
}

/// How many targets the space holds (`None`: more than `usize` counts).
pub fn space_size(space: &[(String, Vec<String>)]) -> Option<usize> {
    space
        .iter()
        .try_fold(1usize, |n, (_, values)| n.checked_mul(values.len()))
}

/// The most targets `coverage` and the lints walk unless told otherwise.
pub const DEFAULT_MAX_TARGETS: usize = 100_000;

/// The space is larger than `limit`: the diagnostic that says so, with the count.
pub fn space_too_large(
    space: &[(String, Vec<String>)],
    limit: usize,
    error: bool,
) -> Option<Diagnostic> {
    let size = space_size(space);
    if size.is_some_and(|n| n <= limit) {
        return None;
    }
    let count = size.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
    let factors: Vec<String> = space
        .iter()
        .map(|(dim, values)| format!("{dim} {}", values.len()))
        .collect();
    let message = format!(
        "the criteria space has {count} targets ({}), more than the limit of {limit}",
        factors.join(" × ")
    );
    Some(if error {
        Diagnostic::error(Code::SpaceTooLarge, message)
            .with_help("declare fewer dimension values, or raise the limit with `--max-targets N`")
    } else {
        Diagnostic::warning(Code::SpaceTooLarge, format!("{message}; the lints that walk it (`shadowed`, `no-performance-validation`) did not run"))
            .with_help("declare fewer dimension values; `galley coverage --max-targets N` walks a larger space")
    })
}

/// The target at a position of a space.
pub fn query_at(space: &[(String, Vec<String>)], at: &[usize]) -> Query {
    let mut q = Query::any();
    for ((dim, values), &v) in space.iter().zip(at) {
        if values[v] != "any" {
            q.values.insert(dim.clone(), values[v].clone());
        }
    }
    q
}

/// Enumerate the space and resolve each distinct applied overlay set once; a space of
/// more than `max_targets` targets is refused before anything is enumerated.
pub fn coverage(lib: &Library, max_targets: usize) -> Result<Coverage, Diagnostic> {
    let dimensions = space(lib);
    if let Some(d) = space_too_large(&dimensions, max_targets, true) {
        return Err(d);
    }
    let resolver = Resolver::new(lib);
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut targets = Vec::new();
    for query in queries(&dimensions) {
        let applied: Vec<String> = match applied_overlays(lib, &query) {
            Ok(list) => list.iter().map(|o| o.name.clone()).collect(),
            Err(_) => Vec::new(),
        };
        let outcome = *index.entry(applied.clone()).or_insert_with(|| {
            outcomes.push(resolve_outcome(lib, &resolver, &query, applied));
            outcomes.len() - 1
        });
        targets.push(Target {
            class: classify(lib, &query),
            query,
            outcome,
        });
    }
    let dead = dead_overlays(lib, &outcomes);
    Ok(Coverage {
        dimensions,
        targets,
        outcomes,
        dead,
    })
}

fn resolve_outcome(
    lib: &Library,
    resolver: &Resolver<'_>,
    query: &Query,
    applied: Vec<String>,
) -> Outcome {
    let (failure, diagnostics) = match resolver.resolve(query) {
        Ok(_) => (None, Vec::new()),
        Err(diags) => {
            let conflict = diags.iter().any(|d| d.code == Code::MergeConflict);
            let kind = if conflict {
                Failure::Conflict
            } else {
                Failure::Dependency
            };
            (Some(kind), diags)
        }
    };
    Outcome {
        deepest: deepest(lib, &applied),
        applied,
        failure,
        diagnostics,
    }
}

/// The applied overlays that no other applied overlay extends.
fn deepest(lib: &Library, applied: &[String]) -> Vec<String> {
    let ancestors: BTreeSet<&str> = applied
        .iter()
        .flat_map(|name| {
            crate::check::overlay::chain(name, &lib.overlays)
                .into_iter()
                .skip(1)
                .map(|o| o.name.as_str())
        })
        .collect();
    let mut out: Vec<String> = applied
        .iter()
        .filter(|n| !ancestors.contains(n.as_str()))
        .cloned()
        .collect();
    out.sort();
    out
}

fn classify(lib: &Library, query: &Query) -> Class {
    let named = |o: &&OverlayInfo| o.criteria.as_ref().is_some_and(|c| !c.values.is_empty());
    let mut matched = lib
        .overlays
        .values()
        .filter(named)
        .filter(|o| o.criteria.as_ref().is_some_and(|c| matches(c, query)));
    let mut partial = false;
    for o in matched.by_ref() {
        if o.criteria
            .as_ref()
            .is_some_and(|c| c.values == query.values)
        {
            return Class::Curated;
        }
        partial = true;
    }
    if partial { Class::Partial } else { Class::Base }
}

/// An overlay is dead when no target applies it, or when it has criteria and no target
/// reaches it as a deepest match. `base` is applied by every target.
fn dead_overlays(lib: &Library, outcomes: &[Outcome]) -> Vec<String> {
    let applied: BTreeSet<&str> = outcomes
        .iter()
        .flat_map(|o| o.applied.iter().map(String::as_str))
        .collect();
    let deepest: BTreeSet<&str> = outcomes
        .iter()
        .flat_map(|o| o.deepest.iter().map(String::as_str))
        .collect();
    lib.overlays
        .values()
        .filter(|o| o.name != crate::check::overlay::BASE)
        .filter(|o| {
            !applied.contains(o.name.as_str())
                || (o.criteria.is_some() && !deepest.contains(o.name.as_str()))
        })
        .map(|o| o.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DataSet, Root};

    #[test]
    fn the_match_index_agrees_with_the_matcher_on_every_target() {
        let data = DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()]);
        let (lib, diags) = crate::check::check(data);
        assert!(!diags.has_errors());
        let space = space(&lib);
        let index = MatchIndex::new(&lib, &space);
        let overlays: Vec<&OverlayInfo> = lib.overlays.values().collect();
        let all: Vec<Vec<usize>> = positions(&space).collect();
        assert_eq!(all.len(), queries(&space).len());
        assert_eq!(space_size(&space), Some(all.len()));
        let mut distinct = BTreeSet::new();
        for (at, query) in all.iter().zip(queries(&space)) {
            assert_eq!(query_at(&space, at), query);
            let bits = index.matched(at);
            for (i, o) in overlays.iter().enumerate() {
                let expected = o.criteria.as_ref().is_some_and(|c| matches(c, &query));
                let got = bits[i / 64] >> (i % 64) & 1 == 1;
                assert_eq!(got, expected, "{} at {}", o.name, query.describe());
            }
            distinct.insert(bits);
        }
        assert!(distinct.len() > 10, "{} matched sets", distinct.len());
    }

    #[test]
    fn a_space_over_the_limit_is_refused_with_its_count() {
        let space: Vec<(String, Vec<String>)> = [("service", 501), ("accelerator", 501)]
            .iter()
            .map(|(d, n)| (d.to_string(), (0..*n).map(|i| format!("v{i}")).collect()))
            .collect();
        assert!(space_too_large(&space, 251_001, true).is_none());
        let d = space_too_large(&space, 1000, true).expect("refused");
        assert_eq!(d.code, Code::SpaceTooLarge);
        assert!(d.message.contains("251001 targets"), "{}", d.message);
        let huge: Vec<(String, Vec<String>)> = (0..50)
            .map(|i| (format!("d{i}"), vec!["a".into(), "b".into(), "c".into()]))
            .collect();
        assert_eq!(space_size(&huge), None);
        assert!(space_too_large(&huge, usize::MAX, true).is_some());
        assert_eq!(positions(&space).take(3).count(), 3);
    }
}
