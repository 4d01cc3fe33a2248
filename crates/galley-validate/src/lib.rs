//! galley's validation (docs/architecture.md): the constraint checker, the exclusion of
//! overlays a snapshot rules out, and CTRF reports.

/// The measurement layer with the constraint checker and the exclusion beside it:
/// `crate::measure::constraint` and `crate::measure::snapshot` both resolve here.
pub mod measure {
    pub use galley_measure::measure::*;
    pub mod constraint;
    pub mod exclude;
}
pub mod validate;

// The layers below under the names the modules use (`crate::check::…`).
pub(crate) use galley_check::check;
pub(crate) use galley_ir::ir;
pub(crate) use galley_resolve::resolve;
pub(crate) use galley_syntax::{bound, diag, source, syntax, version};
