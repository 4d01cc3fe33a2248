//! Conflicts across the criteria space, for `galley check`.
//!
//! The lints resolve one target per distinct applied overlay set of the space; a set whose
//! overlays disagree fails there. Each such failure is expanded here into the targets it
//! affects (one pass over the space, only when something failed, so a clean library pays
//! nothing) and reported as errors grouped by cause: one diagnostic per pair of overlays that
//! disagree, with the count of targets, a few of them, and the meet overlay that settles it.

use crate::check::{CriteriaSet, Library};
use crate::diag::{Code, Diagnostic};
use crate::resolve::criteria::Query;
use crate::resolve::{Conflict, Resolver, applied_overlays};
use galley_syntax::hash::HashMap;
use std::collections::{BTreeMap, BTreeSet};

/// How many conflicting targets a diagnostic names.
const EXAMPLES: usize = 3;

/// One cause: two overlays that disagree, and where.
struct Cause {
    /// The first conflict seen (its places are the labels).
    first: Conflict,
    /// Every path the two disagree on.
    paths: BTreeSet<String>,
    /// The failing applied sets (indexes into the failures) this cause breaks.
    sets: BTreeSet<usize>,
}

/// Errors for every target of the space that fails with a merge conflict, given one failing
/// target per distinct applied overlay set (`failed`, in space order).
pub fn report(lib: &Library, resolver: &Resolver<'_>, failed: &[Query]) -> Vec<Diagnostic> {
    let mut causes: BTreeMap<(String, String), Cause> = BTreeMap::new();
    let mut keys: HashMap<Vec<String>, usize> = HashMap::default();
    for (i, q) in failed.iter().enumerate() {
        let conflicts = resolver.conflicts(q);
        if conflicts.is_empty() {
            continue; // a dependency problem, not a conflict
        }
        if let Ok(applied) = applied_overlays(lib, q) {
            keys.insert(applied.iter().map(|o| o.name.clone()).collect(), i);
        }
        for c in conflicts {
            let (a, b) = (c.a.1.overlay.to_string(), c.b.1.overlay.to_string());
            let pair = if a <= b { (a, b) } else { (b, a) };
            let cause = causes.entry(pair).or_insert_with(|| Cause {
                first: c.clone(),
                paths: BTreeSet::new(),
                sets: BTreeSet::new(),
            });
            cause.paths.insert(c.path.clone());
            cause.sets.insert(i);
        }
    }
    if causes.is_empty() {
        return Vec::new();
    }
    let affected = targets_of(lib, &keys, failed.len());
    causes
        .values()
        .map(|cause| diagnostic(lib, cause, &affected))
        .collect()
}

/// Per failing applied set: how many targets of the space get it, and the first few.
fn targets_of(
    lib: &Library,
    keys: &HashMap<Vec<String>, usize>,
    sets: usize,
) -> Vec<(usize, Vec<Query>)> {
    use crate::author::coverage::{MatchIndex, query_at, space};
    let space = space(lib);
    let index = MatchIndex::new(lib, &space);
    let mut out = vec![(0, Vec::new()); sets];
    // The applied set follows from the matched set: look each matched set up once.
    let mut by_matched: HashMap<Vec<u64>, Option<usize>> = HashMap::default();
    let mut next = Some(vec![0; space.len()]);
    while let Some(at) = next {
        next = successor(&space, &at);
        let matched = index.matched(&at);
        let set = match by_matched.get(&matched) {
            Some(set) => *set,
            None => {
                let set = applied_overlays(lib, &query_at(&space, &at))
                    .ok()
                    .and_then(|a| {
                        let key: Vec<String> = a.iter().map(|o| o.name.clone()).collect();
                        keys.get(&key).copied()
                    });
                by_matched.insert(matched, set);
                set
            }
        };
        if let Some(i) = set {
            let (count, examples) = &mut out[i];
            *count += 1;
            if examples.len() < EXAMPLES {
                examples.push(query_at(&space, &at));
            }
        }
    }
    out
}

/// The position after `at` in space order (the last dimension varies fastest), without
/// materialising the space.
fn successor(space: &[(String, Vec<String>)], at: &[usize]) -> Option<Vec<usize>> {
    let mut next = at.to_vec();
    for d in (0..space.len()).rev() {
        next[d] += 1;
        if next[d] < space[d].1.len() {
            return Some(next);
        }
        next[d] = 0;
    }
    None
}

fn diagnostic(lib: &Library, cause: &Cause, affected: &[(usize, Vec<Query>)]) -> Diagnostic {
    let c = &cause.first;
    let (a, b) = (&c.a.1.overlay, &c.b.1.overlay);
    let count: usize = cause.sets.iter().map(|&i| affected[i].0).sum();
    let examples: Vec<String> = cause
        .sets
        .iter()
        .flat_map(|&i| affected[i].1.iter())
        .take(EXAMPLES)
        .map(|q| format!("`{}`", q.describe()))
        .collect();
    let more = count.saturating_sub(examples.len());
    let paths: Vec<String> = cause.paths.iter().map(|p| format!("`{p}`")).collect();
    let on = match paths.len() {
        1 => paths[0].clone(),
        n => format!("{} paths", n),
    };
    let mut d = Diagnostic::error(
        Code::TargetConflict,
        format!(
            "overlays `{a}` and `{b}` disagree on {on} for {count} target{} of the criteria space, and neither outranks the other",
            if count == 1 { "" } else { "s" }
        ),
    )
    .with_label(c.a.1.span, format!("`{a}` sets {}", c.a_value))
    .with_label(c.b.1.span, format!("`{b}` sets {}", c.b_value));
    let mut targets = format!("conflicting targets: {}", examples.join(", "));
    if more > 0 {
        targets.push_str(&format!(" and {more} more"));
    }
    d = d.with_note(targets);
    if paths.len() > 1 {
        d = d.with_note(format!("they disagree on {}", paths.join(", ")));
    }
    d.with_help(settle(lib, a, b, &paths))
}

/// How to settle a conflict: an overlay for the meet of both criteria that sets the paths
/// (or the overlay that already has those criteria), or a `priority`.
fn settle(lib: &Library, a: &str, b: &str, paths: &[String]) -> String {
    let what = if paths.len() == 1 {
        paths[0].clone()
    } else {
        "those paths".to_string()
    };
    if let Some(help) = crate::check::mixin::settle_within(a, b, &what) {
        return help;
    }
    let crit = |name: &str| {
        lib.overlays
            .get(crate::check::mixin::overlay_of(name))
            .and_then(|o| o.criteria.clone())
            .unwrap_or_default()
    };
    let mut meet: CriteriaSet = crit(a);
    meet.values.extend(crit(b).values);
    let existing = lib
        .overlays
        .values()
        .find(|o| o.criteria.as_ref().is_some_and(|c| c.values == meet.values));
    match existing {
        Some(o) => format!(
            "set {what} in `{}` (the meet of both, `{}`), or give one of them a `priority`",
            o.name,
            meet.describe()
        ),
        None => format!(
            "add an overlay for `{}` (the meet of both) that sets {what}, or give one of them a `priority`",
            meet.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_walks_the_space_in_coverage_order() {
        let space = vec![
            ("a".to_string(), vec!["any".to_string(), "x".to_string()]),
            ("b".to_string(), vec!["any".into(), "y".into(), "z".into()]),
        ];
        let mut walked = Vec::new();
        let mut next = Some(vec![0, 0]);
        while let Some(at) = next {
            next = successor(&space, &at);
            walked.push(at);
        }
        assert_eq!(
            walked,
            crate::author::coverage::positions(&space).collect::<Vec<_>>()
        );
    }
}
