//! galley: a compiler for GPU Kubernetes cluster recipes.
//!
//! The pipeline is one way, each stage a typed value:
//! `Source → Ast (syntax) → Library (check) → ...`. The library works without the CLI;
//! `src/cli/` is the only place diagnostics become rendered reports and exit codes.

pub mod diag;
pub mod source;
pub mod syntax;
pub mod value;
pub mod yaml_out;
