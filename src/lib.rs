//! galley: a compiler for GPU Kubernetes cluster recipes.
//!
//! The pipeline is one way, each stage a typed value:
//! `DataSet (data) → SourceUnit (syntax) → Library (check) → Recipe (resolve, ir)`, with
//! snapshots read into measurements (measure). The emitters and the constraint checker come
//! next. Each layer is a crate of its own under `crates/` (docs/architecture.md), so a
//! lower layer cannot import a higher one; this crate puts the CLI on top and re-exports
//! each layer under its module name (`galley::check`, `galley::resolve`, …). `src/cli/` is
//! the only place diagnostics become rendered reports and exit codes.

pub mod cli;
pub mod export;
pub mod import;
pub mod oci;
pub mod render;
pub mod serve;

pub use galley_analyze::author;
pub use galley_bundle::{bundle, write};
pub use galley_check::data;
pub use galley_ir::ir;
pub use galley_resolve::resolve;
pub use galley_syntax::{bound, diag, input, parallel, params, source, value, version, yaml_out};
pub use galley_validate::{measure, validate};

/// The checker, with the lints (galley-analyze) beside it as before the split.
pub mod check {
    pub use galley_analyze::check::{conflicts, lint, noop};
    pub use galley_check::check::*;
}

/// The syntax layer, with the embedded library's pre-parsed trees (galley-check) beside it.
pub mod syntax {
    pub use galley_check::prebuilt;
    pub use galley_syntax::syntax::*;
}
