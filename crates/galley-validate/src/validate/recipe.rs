//! The recipe as validation reads it: the one `RecipeResult` reader's document, its
//! constraints and phases, and every constraint value a constraint expression.

use crate::diag::{Code, Diagnostic};
use crate::ir::result_read::{self, ConstraintDoc};
use crate::ir::result_view::RecipeDoc;
use crate::measure::constraint::parse_expr;
use crate::source::FileId;

/// Read `text` (the file `file`) for validation. The warnings come back beside the recipe;
/// on failure, the first error.
pub fn read(
    file: FileId,
    text: &str,
    strict: bool,
) -> Result<(RecipeDoc, Vec<Diagnostic>), Diagnostic> {
    let read = result_read::read(file, text, strict).map_err(first_error)?;
    let doc = &read.doc;
    let all = doc
        .constraints
        .iter()
        .chain(doc.validation.iter().flat_map(|p| &p.constraints));
    for c in all {
        expression(c)?;
    }
    Ok((RecipeDoc::from_doc(doc), read.warnings))
}

fn first_error(diags: Vec<Diagnostic>) -> Diagnostic {
    let mut errors = diags
        .into_iter()
        .filter(|d| d.severity == crate::diag::Severity::Error);
    // The reader fails only with an error; the fallback keeps this total.
    errors.next().unwrap_or_else(|| {
        Diagnostic::error(
            Code::ResultShape,
            "the recipe is not a readable `RecipeResult`",
        )
    })
}

fn expression(c: &ConstraintDoc) -> Result<(), Diagnostic> {
    let name = &c.constraint.name;
    parse_expr(&c.constraint.value).map(|_| ()).map_err(|e| {
        Diagnostic::error(
            Code::ValidateConstraint,
            format!("constraint `{name}`: {e}"),
        )
        .with_label(c.value_span, "not a constraint expression")
        .with_help("write an operator and a value (`>= 1.32.4`) or a bare value for an exact match")
    })
}
