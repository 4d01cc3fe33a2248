//! galley's measurements (docs/architecture.md): cluster snapshots, their collectors,
//! readings, and the results of external tests.

pub mod measure;

// The layers below under the names the modules use (`crate::ir::…`).
pub(crate) use galley_check::check;
pub(crate) use galley_ir::ir;
/// `crate::resolve::criteria` for the modules that name the criteria by their old place.
pub(crate) mod resolve {
    pub use galley_ir::criteria;
}
pub(crate) use galley_syntax::{diag, input, source, syntax};
