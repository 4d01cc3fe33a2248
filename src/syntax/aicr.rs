//! STUB (replaced by the real AICR lowering on merge).
use crate::diag::Diagnostic;
use crate::source::FileId;
use crate::syntax::ast::SourceUnit;
pub struct AicrLowered { pub unit: Option<SourceUnit>, pub diagnostics: Vec<Diagnostic> }
pub fn lower(_file: FileId, _text: &str, _rel: &str) -> AicrLowered { AicrLowered { unit: None, diagnostics: vec![] } }
