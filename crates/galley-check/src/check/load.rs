//! Reading a [`DataSet`] into syntax trees.
//!
//! Classification follows the reference's loader where its users depend on it: `.ovl` files
//! are galley's own; a `.yaml` file outside `components/` and `checks/` is AICR YAML, lowered
//! when its `kind` is one galley reads and skipped otherwise; everything else is data that
//! overlays reference (values files, manifests, health checks).

use crate::data::{DataSet, Entry};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::prebuilt;
use crate::source::{FileId, Files, Span};
use crate::syntax::ast::SourceUnit;
use crate::syntax::{aicr, parser};

/// A parsed source file and the root (layer) it came from.
#[derive(Clone, Debug)]
pub struct LoadedUnit {
    pub layer: usize,
    pub rel_path: String,
    pub unit: SourceUnit,
}

pub use crate::source::{FileClass, classify};

/// Parse every source file of every root, lowest root first, paths in sorted order.
/// Files are registered first (so ids do not depend on timing); an embedded file takes the
/// tree the build script parsed when there is one (`syntax::prebuilt`), the others are
/// parsed on every core; the results are put back in file order.
pub fn load(data: &DataSet, files: &mut Files, diags: &mut Diagnostics) -> Vec<LoadedUnit> {
    // (layer, path, class, file, text, the tree the build script parsed)
    type Job<'d> = (
        usize,
        &'d str,
        FileClass,
        FileId,
        std::sync::Arc<str>,
        Option<SourceUnit>,
    );
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for (layer, root) in data.roots.iter().enumerate() {
        for (rel, entry) in &root.files {
            let class = classify(rel);
            if class == FileClass::Data {
                continue;
            }
            let name = root.display_name(rel);
            match entry {
                Entry::Text(text) => {
                    let file = files.add(name, text.clone());
                    let prebuilt = (root.embedded && class == FileClass::Ovl)
                        .then(|| prebuilt::unit(&root.label, rel, file, text))
                        .flatten();
                    jobs.push((layer, rel.as_str(), class, file, text.clone(), prebuilt));
                }
                other => diags.push(unreadable(files, &name, other)),
            }
        }
    }
    let unparsed: Vec<&Job<'_>> = jobs.iter().filter(|j| j.5.is_none()).collect();
    let mut parsed = crate::parallel::map(&unparsed, |(_, rel, class, file, text, _)| {
        let mut found = Diagnostics::new();
        let unit = parse_one(*file, text, rel, *class, &mut found);
        (unit, found)
    })
    .into_iter();
    let mut units = Vec::new();
    for (layer, rel, _, _, _, prebuilt) in jobs {
        let unit = match prebuilt {
            Some(unit) => Some(unit),
            None => {
                let (unit, found) = parsed.next().unwrap_or_default();
                diags.extend(found);
                unit
            }
        };
        if let Some(unit) = unit {
            units.push(LoadedUnit {
                layer,
                rel_path: rel.to_string(),
                unit,
            });
        }
    }
    units
}

fn parse_one(
    file: FileId,
    text: &str,
    rel: &str,
    class: FileClass,
    diags: &mut Diagnostics,
) -> Option<SourceUnit> {
    match class {
        FileClass::Ovl => {
            let (unit, found) = parser::parse(file, text);
            diags.extend(found);
            Some(unit)
        }
        FileClass::AicrYaml => {
            let lowered = aicr::lower(file, text, rel);
            diags.extend(lowered.diagnostics);
            lowered.unit
        }
        FileClass::Data => None,
    }
}

fn unreadable(files: &mut Files, name: &str, entry: &Entry) -> Diagnostic {
    let file = files.add(name.to_string(), "");
    let span = Span::new(file, 0..0);
    match entry {
        Entry::Symlink => Diagnostic::error(
            Code::FileSymlink,
            format!(
                "`{name}` is a symbolic link; galley does not follow links in data directories"
            ),
        )
        .with_label(span, "symbolic link")
        .with_help("copy the file into the data directory instead of linking it"),
        Entry::TooLarge(size) => Diagnostic::error(
            Code::InputTooLarge,
            format!(
                "`{name}` is {size} bytes, more than the {} byte limit",
                crate::data::MAX_FILE_SIZE
            ),
        )
        .with_label(span, "too large")
        .with_help("galley reads files of up to 10 MiB: split the file"),
        Entry::Unreadable(why) => {
            Diagnostic::error(Code::Io, format!("cannot read `{name}`: {why}"))
                .with_label(span, "unreadable")
        }
        Entry::Text(_) => Diagnostic::error(Code::Io, format!("cannot read `{name}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_like_the_reference() {
        assert_eq!(classify("overlays/eks.ovl"), FileClass::Ovl);
        assert_eq!(classify("overlays/eks.yaml"), FileClass::AicrYaml);
        assert_eq!(classify("registry.yaml"), FileClass::AicrYaml);
        assert_eq!(
            classify("components/gpu-operator/values.yaml"),
            FileClass::Data
        );
        assert_eq!(classify("checks/x/health-check.yaml"), FileClass::Data);
        assert_eq!(classify("overlays/eks.yml"), FileClass::Data);
        assert_eq!(classify("README.md"), FileClass::Data);
    }
}
