//! Tools for recipe authors: questions about the whole library rather than one target.
//!
//! In: a checked [`crate::check::Library`] (and, for `diff`, one or two resolved recipes or
//! `RecipeResult` documents). Out: plain data that the CLI renders as tables, Markdown,
//! JSON, Graphviz or Mermaid.
//!
//! - `coverage.rs`: the criteria space (every dimension's values and `any`), each target's
//!   matched overlays and class (curated, partial, base fallback), whether it resolves, and
//!   the overlays no target reaches. Matching is cheap and the result of a target depends
//!   only on its applied overlays, so each distinct overlay set is resolved once.
//! - `diff.rs`: two recipes reduced to comparable sides (components, versions, constraints,
//!   value paths with the overlay that set each) and the changes between them.
//! - `graph.rs`: a recipe's dependency graph, with deployment waves (dependency depth) and
//!   the cycles that stop it from deploying.
//!
//! Invariants: output is ordered by name or by the criteria space's order, never by hash
//! order or thread timing; nothing here panics on a library that checked clean.

pub mod coverage;
pub mod diff;
pub mod graph;
