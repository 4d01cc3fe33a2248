//! `--strict`: a field the AICR YAML reader does not know is an error, not a warning.

use crate::diag::{Code, Diagnostic, Diagnostics, Severity};

/// Make an unknown-field warning an error, saying why.
pub fn promote(d: &mut Diagnostic) {
    if d.code == Code::YamlUnknownField && d.severity == Severity::Warning {
        d.severity = Severity::Error;
        d.notes
            .push("an error because of --strict; without it, a warning".into());
    }
}

/// [`promote`] every diagnostic.
pub fn apply(diags: Diagnostics) -> Diagnostics {
    let mut out = Diagnostics::new();
    out.extend(diags.into_iter().map(|mut d| {
        promote(&mut d);
        d
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unknown_field_warnings_become_errors() {
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::warning(
            Code::YamlUnknownField,
            "unknown field `x`",
        ));
        diags.push(Diagnostic::warning(Code::LintNoOp, "a lint"));
        let diags = apply(diags);
        let severities: Vec<Severity> = diags.iter().map(|d| d.severity).collect();
        assert_eq!(severities, [Severity::Error, Severity::Warning]);
        assert_eq!(diags.iter().next().map(|d| d.notes.len()), Some(1));
    }
}
