//! galley's resolver (docs/architecture.md): the criteria matcher, the lattice merge,
//! component order, value tracing and lowering to an [`galley_ir::ir::Recipe`].

pub mod resolve;

// The layers below under the names the modules use (`crate::ir::…`).
pub(crate) use galley_check::check;
pub(crate) use galley_ir::ir;
pub(crate) use galley_syntax::{diag, params, source, syntax, value};
