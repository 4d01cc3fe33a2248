//! galley's analyses over resolved recipes (docs/architecture.md): the lints of
//! `galley check` (which resolve every target), coverage, diff and graph.

pub mod author;

/// The checker's modules with the lints that resolve beside them: `crate::check::lint`
/// and `crate::check::Library` both resolve here, as they did in one crate.
pub mod check {
    pub use galley_check::check::*;
    pub mod conflicts;
    pub mod lint;
    pub mod noop;
}

// The layers below under the names the modules use (`crate::resolve::…`).
#[cfg(test)]
pub(crate) use galley_check::data;
pub(crate) use galley_ir::ir;
pub(crate) use galley_resolve::resolve;
pub(crate) use galley_syntax::{diag, parallel, params, source, syntax, value, version};
