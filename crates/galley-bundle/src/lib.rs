//! galley's bundle emitters (docs/architecture.md): helm, helmfile, Argo CD and Flux
//! bundles from a resolved recipe, and the tree writer that puts them on disk.

pub mod bundle;
pub mod write;

// The layers below under the names the modules use (`crate::resolve::…`).
pub(crate) use galley_check::{check, data};
pub(crate) use galley_ir::ir;
pub(crate) use galley_resolve::resolve;
pub(crate) use galley_syntax::{diag, parallel, source, syntax, value, yaml_out};
