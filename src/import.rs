//! `galley import`: convert an AICR recipe directory into galley's language.
//!
//! Overlays (`kind: RecipeMetadata`), `registry.yaml` and the validator catalog are lowered
//! into the AST (`syntax::aicr`) and printed canonically (`syntax::printer`); every other
//! file (values, manifests, health checks) is copied as it is. Each printed file is parsed
//! back and compared with what was lowered, so an import never silently changes meaning.
//! Whatever the language could not express (fields the reference ignores) is listed.

use crate::check::load::{FileClass, classify};
use crate::data::{Entry, Root};
use crate::diag::{Code, Diagnostic, Severity};
use crate::source::{FileId, Files};
use crate::syntax::ast::SourceUnit;
use crate::syntax::{aicr, parser, printer};
use std::collections::BTreeMap;

/// The converted tree and what could not be carried over.
#[derive(Debug, Default)]
pub struct Imported {
    /// Relative path → file contents.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Diagnostics from reading the input (warnings list what was dropped).
    pub diagnostics: Vec<Diagnostic>,
    pub files_table: Files,
    pub converted: usize,
    pub copied: usize,
    /// YAML files whose kind galley does not read, copied unchanged.
    pub skipped: Vec<String>,
}

impl Imported {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// How to treat copied files.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Re-emit `components/**/values*.yaml` in galley's canonical values layout (the
    /// reference's yaml.v3 style: sorted keys, 4-space indent; comments dropped).
    pub normalise_values: bool,
}

pub fn import(root: &Root, options: Options) -> Imported {
    let mut out = Imported::default();
    for (rel, entry) in &root.files {
        let text = match entry {
            Entry::Text(text) => text.clone(),
            Entry::Symlink => {
                out.diagnostics.push(Diagnostic::error(
                    Code::FileSymlink,
                    format!(
                        "`{}` is a symbolic link; import does not follow links",
                        root.display_name(rel)
                    ),
                ));
                continue;
            }
            Entry::TooLarge(n) => {
                out.diagnostics.push(Diagnostic::error(
                    Code::InputTooLarge,
                    format!(
                        "`{}` is {n} bytes, over the 10 MiB limit",
                        root.display_name(rel)
                    ),
                ));
                continue;
            }
            Entry::Unreadable(why) => {
                out.diagnostics.push(Diagnostic::error(
                    Code::Io,
                    format!("cannot read `{}`: {why}", root.display_name(rel)),
                ));
                continue;
            }
        };
        if classify(rel) != FileClass::AicrYaml {
            let bytes = match options.normalise_values && is_values_file(rel) {
                true => normalised_values(root, rel, &text, &mut out),
                false => text.as_bytes().to_vec(),
            };
            out.files.insert(rel.clone(), bytes);
            out.copied += 1;
            continue;
        }
        let file = out.files_table.add(root.display_name(rel), text.clone());
        convert(file, rel, &text, &mut out);
    }
    out
}

fn convert(file: FileId, rel: &str, text: &str, out: &mut Imported) {
    let lowered = aicr::lower(file, text, rel);
    out.diagnostics.extend(lowered.diagnostics);
    let Some(unit) = lowered.unit else {
        out.skipped.push(rel.to_string());
        out.files.insert(rel.to_string(), text.as_bytes().to_vec());
        out.copied += 1;
        return;
    };
    let printed = printer::print_unit(&unit);
    verify_round_trip(&unit, &printed, rel, out);
    out.files.insert(ovl_path(rel), printed.into_bytes());
    out.converted += 1;
}

/// `overlays/eks.yaml` → `overlays/eks.ovl`.
pub fn ovl_path(rel: &str) -> String {
    let stem = rel.strip_suffix(".yaml").unwrap_or(rel);
    format!("{stem}.ovl")
}

fn verify_round_trip(unit: &SourceUnit, printed: &str, rel: &str, out: &mut Imported) {
    let back_file = out
        .files_table
        .add(format!("{} (imported)", ovl_path(rel)), printed.to_string());
    let (back, diags) = parser::parse(back_file, printed);
    // Spans differ between the YAML and the printed text, so compare canonical prints.
    let same = diags.is_empty()
        && back.items.len() == unit.items.len()
        && printer::print_unit(&back) == printed;
    if !same {
        let mut d = Diagnostic::error(
            Code::SyntaxError,
            format!(
                "importing `{rel}` would change its meaning; the file was not converted faithfully"
            ),
        )
        .with_help("please report this as a galley bug, with the input file");
        d.notes.extend(diags.into_iter().map(|d| d.message));
        out.diagnostics.push(d);
    }
}

fn is_values_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    rel.starts_with("components/") && name.starts_with("values") && name.ends_with(".yaml")
}

/// The values file re-emitted canonically; left as it is (with a warning) if it does not
/// parse as one YAML mapping.
fn normalised_values(root: &Root, rel: &str, text: &str, out: &mut Imported) -> Vec<u8> {
    let file = out
        .files_table
        .add(root.display_name(rel), text.to_string());
    match crate::syntax::yaml::parse_document(file, text) {
        Ok(Some(node)) if matches!(node.kind, crate::syntax::yaml::NodeKind::Map(_)) => {
            crate::yaml_out::values_yaml(&node.to_value()).into_bytes()
        }
        Ok(None) => Vec::new(),
        Ok(Some(_)) | Err(_) => {
            out.diagnostics.push(
                Diagnostic::warning(
                    Code::FileUnparsable,
                    format!("`{rel}` is not a YAML mapping; copied as it is"),
                )
                .with_label(crate::source::Span::new(file, 0..0), "not normalised"),
            );
            text.as_bytes().to_vec()
        }
    }
}
