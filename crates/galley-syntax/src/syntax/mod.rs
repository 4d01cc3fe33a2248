//! Syntax: from text to [`ast::SourceUnit`] and back.
//!
//! - `parser`: the pest grammar (`grammar/galley.pest`) and the walker that lowers pest
//!   pairs into the AST. Parsing recovers at statement and item boundaries, so one run
//!   reports every independent syntax error; pest rule names never reach a message.
//! - `printer`: the canonical formatter (`galley fmt`), which re-attaches comments.
//! - `yaml`: a span-keeping YAML reader (documents as [`yaml::Node`] trees).
//! - `aicr`: lowers the reference's YAML (`RecipeMetadata`, `ComponentRegistry`,
//!   `ValidatorCatalog`) into the same AST, spans pointing into the YAML.
//! - `prebuilt_format`: the format of the embedded library's trees, parsed by galley-check's
//!   build script and read by `galley_check::prebuilt`.

pub mod aicr;
pub mod ast;
pub mod parser;
pub mod prebuilt_format;
pub mod printer;
pub mod yaml;
