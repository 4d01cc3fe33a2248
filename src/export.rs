//! `galley export --format aicr`: a checked library written back as AICR YAML.
//!
//! In: a checked [`Library`] (the embedded library, with any `--data` layers). Out: the
//! files of an AICR recipes directory, relative path → bytes, and diagnostics:
//!
//! - `overlays/NAME.yaml` for every overlay (`kind: RecipeMetadata`; the root is
//!   `overlays/base.yaml`), with the statements of its mixins flattened in (`flatten`), `registry.yaml` (`kind: ComponentRegistry`) and
//!   `validators/catalog.yaml` (`kind: ValidatorCatalog`), built by [`docs`];
//! - every data file (values files, manifests, health checks) as it is, the topmost layer's
//!   copy of each path, except the values files that AICR's two-file hydration needs
//!   flattened (`values`).
//!
//! Nothing is dropped in silence. What AICR YAML cannot say is an error
//! (`galley::export::unsupported`) and nothing is written: `priority`, `unset`, dimension
//! and measurement declarations of a data layer (the reference's criteria and measurements
//! are built in), and anything whose written YAML reads back into something else. Each
//! written overlay, the registry and the catalog are read back with galley's own AICR reader
//! and rebuilt with the same builders; any difference is an error naming the part that
//! differs. The one thing written although the reference ignores it, a manifest-only
//! component's registry namespace, is a warning (`docs/compat.md`).

mod docs;
mod flatten;
mod values;

use crate::check::Library;
use crate::data::Entry;
use crate::diag::{Code, Diagnostic, Severity};
use crate::source::{FileClass, FileId, Files, classify};
use crate::syntax::aicr;
use crate::syntax::ast::{Item, Overlay};
use crate::yaml_out::document_yaml;
use docs::Lost;
use std::collections::BTreeMap;

/// The exported tree and what was found on the way.
#[derive(Debug, Default)]
pub struct Exported {
    /// Relative path → file contents.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Errors (nothing may be written) and warnings; labels point into the library's files.
    pub diagnostics: Vec<Diagnostic>,
    pub overlays: usize,
    pub components: usize,
    pub validators: usize,
    /// Data files copied as they are.
    pub copied: usize,
}

impl Exported {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

const HEADER: &str = "# Written by `galley export --format aicr`.\n";

/// Export a checked library as an AICR recipes directory.
pub fn export_aicr(lib: &Library) -> Exported {
    let mut out = Exported::default();
    refuse_declarations(lib, &mut out);
    for info in lib.overlays.values() {
        overlay_file(&flatten::overlay(lib, info), &mut out);
    }
    registry_file(lib, &mut out);
    catalog_file(lib, &mut out);
    data_files(lib, &mut out);
    values::flatten(lib, &mut out);
    out
}

fn unsupported(span: crate::source::Span, message: String) -> Diagnostic {
    Diagnostic::error(Code::ExportUnsupported, message)
        .with_label(span, "not expressible in AICR YAML")
        .with_help(
            "AICR YAML cannot say this; remove it from the library (or keep the library in \
             `.ovl`) before exporting",
        )
}

fn report_lost(lost: Vec<Lost>, severity: Severity, out: &mut Exported) {
    for l in lost {
        let d = match severity {
            Severity::Error => unsupported(l.span, l.what),
            _ => Diagnostic::warning(Code::ExportUnsupported, l.what)
                .with_label(l.span, "written, but the reference does not read it")
                .with_help("see `docs/compat.md`; AICR's tools will not see this value"),
        };
        out.diagnostics.push(d);
    }
}

/// Dimensions and measurements that a data layer declares have no AICR YAML form.
fn refuse_declarations(lib: &Library, out: &mut Exported) {
    for u in &lib.units {
        if lib.data.roots[u.layer].embedded {
            continue;
        }
        for item in &u.unit.items {
            let what = match item {
                Item::Dimension(d) => format!("dimension `{}`", d.name.node),
                Item::Measurement(m) => format!(
                    "measurement `{}`",
                    m.pattern
                        .iter()
                        .map(|s| match &s.node {
                            crate::syntax::ast::PatternSeg::Key(k) => k.as_str(),
                            crate::syntax::ast::PatternSeg::Any => "[*]",
                        })
                        .collect::<Vec<_>>()
                        .join(".")
                ),
                _ => continue,
            };
            out.diagnostics.push(unsupported(
                item.span(),
                format!(
                    "{what} is declared by a data layer; AICR's criteria and measurements are \
                     built into its code"
                ),
            ));
        }
    }
}

fn overlay_file(o: &Overlay, out: &mut Exported) {
    let mut lost = Vec::new();
    let doc = docs::overlay(o, &mut lost);
    report_lost(lost, Severity::Error, out);
    let rel = format!("overlays/{}.yaml", o.name.node);
    let text = format!("{HEADER}{}", document_yaml(&doc));
    match read_back(&text, &rel) {
        Ok(items) => {
            let back = items.iter().find_map(|i| match i {
                Item::Overlay(b) => Some(b),
                _ => None,
            });
            let differs = match back {
                Some(b) if b.name.node == o.name.node => {
                    spec_difference(&doc.spec, &docs::spec(b, &mut Vec::new()))
                }
                _ => Some("its name".to_string()),
            };
            if let Some(part) = differs {
                out.diagnostics.push(changed(
                    o.span,
                    &format!("overlay `{}`", o.name.node),
                    &part,
                ));
            }
        }
        Err(why) => {
            out.diagnostics
                .push(changed(o.span, &format!("overlay `{}`", o.name.node), &why))
        }
    }
    out.files.insert(rel, text.into_bytes());
    out.overlays += 1;
}

/// The first part of two specs that differs, named for a message.
fn spec_difference(a: &docs::Spec, b: &docs::Spec) -> Option<String> {
    if a.base != b.base {
        return Some("`spec.base`".into());
    }
    if a.criteria != b.criteria {
        return Some("`spec.criteria`".into());
    }
    if a.constraints != b.constraints {
        return Some("`spec.constraints`".into());
    }
    if a.component_refs.len() != b.component_refs.len() {
        return Some("`spec.componentRefs`".into());
    }
    for (x, y) in a.component_refs.iter().zip(&b.component_refs) {
        if x != y {
            return Some(format!("component `{}`", x.name));
        }
    }
    (a.validation != b.validation).then(|| "`spec.validation`".into())
}

fn changed(span: crate::source::Span, what: &str, part: &str) -> Diagnostic {
    Diagnostic::error(
        Code::ExportUnsupported,
        format!("{what} does not read back the same from AICR YAML: {part} differs"),
    )
    .with_label(span, "exported from here")
    .with_help(
        "AICR YAML cannot carry this as written (an empty text field, a `false` that means \
         inherit, a name with a dot); rewrite it, or report it as a galley bug if it should",
    )
}

/// The written text lowered again by galley's AICR reader; an error when it reports one.
fn read_back(text: &str, rel: &str) -> Result<Vec<Item>, String> {
    let mut files = Files::new();
    let file: FileId = files.add(rel.to_string(), text.to_string());
    let lowered = aicr::lower(file, text, rel);
    let errors: Vec<String> = lowered
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "the YAML reads back with errors ({})",
            errors.join("; ")
        ));
    }
    Ok(lowered.unit.map(|u| u.items).unwrap_or_default())
}

fn registry_file(lib: &Library, out: &mut Exported) {
    let mut entries: Vec<_> = lib.stdlib.registry.values().collect();
    entries.sort_by_key(|c| (c.layer, c.span.file.0, c.span.start));
    let mut lost = Vec::new();
    let mut components: Vec<_> = entries
        .iter()
        .map(|c| docs::registry_component(&c.decl, &mut lost))
        .collect();
    report_lost(lost, Severity::Warning, out);
    let doc = docs::RegistryDoc {
        api_version: docs::API_VERSION,
        kind: "ComponentRegistry",
        components,
    };
    let rel = "registry.yaml";
    let text = format!("{HEADER}{}", document_yaml(&doc));
    components = doc.components;
    // The one field written for people only: the reader ignores it, by design.
    for c in &mut components {
        c.manifest = None;
    }
    let back: Result<Vec<_>, String> = read_back(&text, rel).map(|items| {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Component(c) => Some(docs::registry_component(c, &mut Vec::new())),
                _ => None,
            })
            .collect()
    });
    compare_lists(
        &components,
        back,
        |c| &c.name,
        "registry component",
        out,
        lib,
    );
    out.components = components.len();
    out.files.insert(rel.into(), text.into_bytes());
}

fn catalog_file(lib: &Library, out: &mut Exported) {
    let mut entries: Vec<_> = lib.stdlib.validators.values().collect();
    entries.sort_by_key(|v| (v.layer, v.span.file.0, v.span.start));
    let mut lost = Vec::new();
    let validators: Vec<_> = entries
        .iter()
        .map(|v| docs::validator(&v.decl, &mut lost))
        .collect();
    report_lost(lost, Severity::Error, out);
    let doc = docs::CatalogDoc {
        api_version: docs::CATALOG_API_VERSION,
        kind: "ValidatorCatalog",
        metadata: docs::Metadata {
            name: "aicr-validators".into(),
        },
        validators,
    };
    let rel = "validators/catalog.yaml";
    let text = format!("{HEADER}{}", document_yaml(&doc));
    let back: Result<Vec<_>, String> = read_back(&text, rel).map(|items| {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Validator(v) => Some(docs::validator(v, &mut Vec::new())),
                _ => None,
            })
            .collect()
    });
    compare_lists(&doc.validators, back, |v| &v.name, "validator", out, lib);
    out.validators = doc.validators.len();
    out.files.insert(rel.into(), text.into_bytes());
}

/// Report each entry that does not read back the same, at its declaration.
fn compare_lists<T: PartialEq>(
    written: &[T],
    back: Result<Vec<T>, String>,
    name: impl Fn(&T) -> &String,
    what: &str,
    out: &mut Exported,
    lib: &Library,
) {
    let span_of = |n: &str| {
        lib.stdlib
            .registry
            .get(n)
            .map(|c| c.span)
            .or_else(|| lib.stdlib.validators.get(n).map(|v| v.span))
    };
    let back = match back {
        Ok(b) => b,
        Err(why) => {
            let mut d = Diagnostic::error(
                Code::ExportUnsupported,
                format!("the exported {what}s do not read back: {why}"),
            )
            .with_help("please report this as a galley bug");
            if let Some(span) = written.first().and_then(|w| span_of(name(w))) {
                d = d.with_label(span, "exported from here");
            }
            out.diagnostics.push(d);
            return;
        }
    };
    for (i, w) in written.iter().enumerate() {
        if back.get(i) != Some(w) {
            let label = format!("{what} `{}`", name(w));
            match span_of(name(w)) {
                Some(span) => out.diagnostics.push(changed(span, &label, "an entry")),
                None => out.diagnostics.push(Diagnostic::error(
                    Code::ExportUnsupported,
                    format!("{label} does not read back the same from AICR YAML"),
                )),
            }
        }
    }
}

/// Every data file of every layer, the topmost copy of each path; unreadable ones refused.
fn data_files(lib: &Library, out: &mut Exported) {
    let mut top: BTreeMap<&str, (&crate::data::Root, &Entry)> = BTreeMap::new();
    for root in &lib.data.roots {
        for (rel, entry) in &root.files {
            if classify(rel) == FileClass::Data {
                top.insert(rel, (root, entry));
            }
        }
    }
    for (rel, (root, entry)) in top {
        match entry {
            Entry::Text(text) => {
                out.files.insert(rel.to_string(), text.as_bytes().to_vec());
                out.copied += 1;
            }
            other => {
                let why = match other {
                    Entry::Symlink => "it is a symbolic link".to_string(),
                    Entry::TooLarge(n) => format!("it is {n} bytes, over the 10 MiB limit"),
                    Entry::Unreadable(why) => why.clone(),
                    Entry::Text(_) => String::new(),
                };
                out.diagnostics.push(
                    Diagnostic::error(
                        Code::Io,
                        format!("cannot export `{}`: {why}", root.display_name(rel)),
                    )
                    .with_help("replace it with a regular file, or remove it"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
