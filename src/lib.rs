//! galley: a compiler for GPU Kubernetes cluster recipes.
//!
//! The pipeline is one way, each stage a typed value:
//! `DataSet (data) → SourceUnit (syntax) → Library (check) → Recipe (resolve, ir)`, with
//! snapshots read into measurements (measure). The emitters and the constraint checker come
//! next. The library works without the CLI; `src/cli/` is the only place diagnostics become
//! rendered reports and exit codes.

pub mod author;
pub mod bundle;
pub mod check;
pub mod cli;
pub mod data;
pub mod diag;
pub mod export;
pub mod import;
pub mod input;
pub mod ir;
pub mod measure;
pub mod oci;
pub mod parallel;
pub mod params;
pub mod render;
pub mod resolve;
pub mod serve;
pub mod source;
pub mod syntax;
pub mod validate;
pub mod value;
pub mod version;
pub mod write;
pub mod yaml_out;
