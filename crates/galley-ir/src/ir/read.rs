//! Reading a `RecipeResult` document back (from galley or from the reference) into a
//! [`Recipe`], so `bundle -r FILE` can lower a recipe resolved elsewhere.
//!
//! The document is read by the one `RecipeResult` reader (`result_read.rs`); this is its
//! projection for bundling. Values are hydrated the reference's way (two levels:
//! `components/<name>/values.yaml` if it exists, the ref's `valuesFile` over it, then
//! `overrides`), unless the ref carries galley's `values` (written by
//! `galley recipe --hydrate`), which are taken as they are.

use crate::check::Library;
use crate::diag::{Code, Diagnostic};
use crate::ir::result_read::{self, ComponentDoc, ResultDoc};
use crate::ir::{Component, Provenance, Recipe, Validation};
use crate::resolve::criteria::Query;
use crate::source::{FileId, Files};
use crate::syntax::yaml;
use crate::value::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Read `text` (registered as `file` in `files`) as a `RecipeResult` and hydrate its values
/// from `lib`'s data. All problems are returned together; warnings are dropped.
pub fn read_result(
    lib: &Library,
    files: &mut Files,
    file: FileId,
    text: &str,
) -> Result<Recipe, Vec<Diagnostic>> {
    read_result_with(lib, files, file, text, false).map(|(recipe, _)| recipe)
}

/// [`read_result`] with the reader's warnings; with `strict`, they are errors.
pub fn read_result_with(
    lib: &Library,
    files: &mut Files,
    file: FileId,
    text: &str,
    strict: bool,
) -> Result<(Recipe, Vec<Diagnostic>), Vec<Diagnostic>> {
    let read = result_read::read(file, text, strict)?;
    let mut r = Hydrator { errors: Vec::new() };
    let recipe = r.recipe(lib, files, &read.doc, text);
    if r.errors.is_empty() {
        Ok((recipe, read.warnings))
    } else {
        let mut all = r.errors;
        all.extend(read.warnings);
        Err(all)
    }
}

struct Hydrator {
    errors: Vec<Diagnostic>,
}

impl Hydrator {
    fn recipe(&mut self, lib: &Library, files: &mut Files, doc: &ResultDoc, text: &str) -> Recipe {
        let criteria = self.criteria(lib, doc);
        let mut constraints: Vec<_> = doc
            .constraints
            .iter()
            .map(|c| c.constraint.clone())
            .collect();
        constraints.sort_by(|a, b| a.name.cmp(&b.name));
        let mut hasher = Sha256::new();
        hasher.update(text.as_bytes());
        let mut components: Vec<Component> = doc
            .components
            .iter()
            .map(|c| self.component(lib, files, c, &mut hasher))
            .collect();
        if doc.components.is_empty() {
            self.errors.push(
                Diagnostic::error(
                    Code::ResultShape,
                    "the recipe has no `componentRefs`: there is nothing to deploy",
                )
                .with_label(doc.span, "this document"),
            );
        }
        components.sort_by(|a, b| a.name.cmp(&b.name));
        let mut validation = Validation::default();
        for p in &doc.validation {
            if let Some(slot) = validation.slot(&p.name) {
                *slot = Some(p.phase());
            }
        }
        Recipe {
            criteria,
            applied_overlays: doc.applied_overlays.clone(),
            constraints,
            components,
            deployment_order: doc.deployment_order.clone(),
            validation,
            provenance: Provenance::default(),
            fingerprint: hex(&hasher.finalize()),
            params: doc.params.clone(),
        }
    }

    fn criteria(&mut self, lib: &Library, doc: &ResultDoc) -> Query {
        let mut query = Query::any();
        for (dim, raw, span) in &doc.criteria {
            if raw.is_empty() {
                continue;
            }
            if let Err(e) = query.set(&lib.stdlib.dimensions, dim, raw) {
                self.errors.push(
                    Diagnostic::error(
                        Code::ResultShape,
                        crate::resolve::criteria::invalid_value(
                            &lib.stdlib.dimensions,
                            dim,
                            raw,
                            e,
                        ),
                    )
                    .with_label(*span, "not a criteria value of this library"),
                );
            }
        }
        query
    }

    fn component(
        &mut self,
        lib: &Library,
        files: &mut Files,
        c: &ComponentDoc,
        hasher: &mut Sha256,
    ) -> Component {
        let overrides = c
            .maps
            .get("overrides")
            .cloned()
            .unwrap_or_else(|| Value::Map(Default::default()));
        let values_file = c.text("valuesFile");
        let (values, values_files) = match c.maps.get("values") {
            Some(v) => (v.clone(), values_file.iter().cloned().collect()),
            None => self.hydrate(lib, files, c, values_file.as_deref(), &overrides, hasher),
        };
        Component {
            name: c.name.clone(),
            kind: c.kind,
            source: c.text("source").unwrap_or_default(),
            chart: c.text("chart"),
            version: c.text("version"),
            namespace: c.text("namespace"),
            tag: c.text("tag"),
            path: c.text("path"),
            patches: c.list("patches"),
            values_files,
            overrides: Arc::new(overrides),
            values: Arc::new(values),
            dependency_refs: c.list("dependencyRefs"),
            manifest_files: c.list("manifestFiles"),
            cleanup: c.cleanup,
            expected_resources: c.expected_resources.clone(),
            health_check_asserts: c.text("healthCheckAsserts"),
        }
    }

    /// The reference's two-level hydration (`recipe-engine.md` §3): the component's
    /// `values.yaml` when it exists, the named file over it, then the overrides. A named file
    /// that is missing or not a mapping is an error (the reference only warns and bundles an
    /// empty `values.yaml`).
    fn hydrate(
        &mut self,
        lib: &Library,
        files: &mut Files,
        c: &ComponentDoc,
        values_file: Option<&str>,
        overrides: &Value,
        hasher: &mut Sha256,
    ) -> (Value, Vec<String>) {
        let mut values = Value::Map(Default::default());
        let mut used = Vec::new();
        let base = format!("components/{}/values.yaml", c.name);
        if let Some(file) = values_file {
            if file != base && lib.data.resolve(&base).is_ok() {
                self.load(lib, files, &base, c, &mut values, hasher);
                used.push(base.clone());
            }
            if self.load(lib, files, file, c, &mut values, hasher) {
                used.push(file.to_string());
            }
        }
        values.merge_from(overrides);
        (values, used)
    }

    fn load(
        &mut self,
        lib: &Library,
        files: &mut Files,
        path: &str,
        c: &ComponentDoc,
        into: &mut Value,
        hasher: &mut Sha256,
    ) -> bool {
        let at = c.text.get("valuesFile").map_or(c.span, |(_, span)| *span);
        let text = match lib.data.resolve(path) {
            Ok((_, text)) => text.clone(),
            Err(e) => {
                self.errors.push(
                    Diagnostic::error(
                        Code::BundleValues,
                        format!("values file `{path}` cannot be used: {e}"),
                    )
                    .with_label(at, "named here")
                    .with_help(
                        "the file must exist in the embedded library or a `--data` directory",
                    ),
                );
                return false;
            }
        };
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        let id = files.add(path.to_string(), text.clone());
        // The library read this very file (same data set, same path) when it was checked.
        if let Some(doc) = lib.values_docs.get(path) {
            into.merge_owned(doc.to_value());
            return true;
        }
        match yaml::parse_document(id, &text) {
            Ok(None) => true,
            Ok(Some(doc)) => match doc.to_value() {
                v @ Value::Map(_) => {
                    into.merge_owned(v);
                    true
                }
                Value::Null => true,
                other => {
                    self.errors.push(
                        Diagnostic::error(
                            Code::BundleValues,
                            format!(
                                "values file `{path}` must hold a mapping, not {}",
                                other.type_name()
                            ),
                        )
                        .with_label(doc.span, "not a mapping"),
                    );
                    false
                }
            },
            Err(mut d) => {
                d.code = Code::BundleValues;
                d.message = format!("values file `{path}` does not parse: {}", d.message);
                self.errors.push(d);
                false
            }
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
