//! galley's checker (docs/architecture.md): the data sets (embedded and on disk), the
//! syntax trees pre-parsed by `build.rs`, and the checked [`check::Library`]: stdlib,
//! overlays, files, targets and criteria.

pub mod check;
pub mod data;
pub mod prebuilt;

// The layer below under the names the modules use (`crate::syntax::…`).
pub(crate) use galley_syntax::{bound, diag, input, parallel, params, source, syntax, version};
