//! galley's bottom layer (docs/architecture.md): sources and spans, diagnostics as data,
//! values, the bounded input reader, the `.ovl` parser and printer, the YAML reader and
//! writer, the AICR syntax. It depends on no other galley crate.

pub mod bound;
pub mod diag;
pub mod hash;
pub mod input;
pub mod parallel;
pub mod params;
pub mod source;
pub mod syntax;
pub mod value;
pub mod version;
pub mod yaml_out;
