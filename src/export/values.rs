//! Values files as AICR's engine reads them.
//!
//! galley stacks the values file of every layer an overlay extends; the reference reads
//! `components/<name>/values.yaml` and the last `valuesFile` set, nothing in between
//! (`docs/compat.md`, "Every layer's values file stacks"). So galley's files hold only what
//! their layer adds, and written as they are they would mean less to the reference. Each
//! overlay's values file for a component is therefore written with the files its ancestors
//! set for that component merged under it, in chain order (root first), the way galley
//! stacks them. Merging an ancestor's file in again is a no-op for galley (a deep merge is
//! idempotent), so galley still reads the same values. A file that two overlays with
//! different ancestors share cannot be both: that is an error.

use super::Exported;
use crate::check::Library;
use crate::check::overlay::chain;
use crate::diag::{Code, Diagnostic};
use crate::syntax::ast::ComponentStmt;
use crate::value::Value;
use std::collections::BTreeMap;

/// A flattened file: what it holds, the overlay that asked for it and the files merged in.
struct Flat {
    value: Value,
    overlay: String,
    span: crate::source::Span,
    merged: Vec<String>,
}

/// Rewrite `out.files` in place: each values file an overlay sets, with its ancestors'.
pub fn flatten(lib: &Library, out: &mut Exported) {
    let mut flats: BTreeMap<String, Flat> = BTreeMap::new();
    for info in lib.overlays.values() {
        let ancestors = chain(&info.name, &lib.overlays);
        for c in info.ast.components() {
            let Some(file) = values_file(c) else { continue };
            let implicit = format!("components/{}/values.yaml", c.name.node);
            let mut merged = Vec::new();
            for a in ancestors.iter().skip(1).rev() {
                let Some(comp) = a.ast.components().find(|x| x.name.node == c.name.node) else {
                    continue;
                };
                let f = values_file(comp).map(|f| f.node.as_str());
                if let Some(f) = f.filter(|f| *f != file.node && *f != implicit)
                    && !merged.iter().any(|m: &String| m == f)
                {
                    merged.push(f.to_string());
                }
            }
            if merged.is_empty() {
                continue;
            }
            let mut value = Value::Map(Default::default());
            for f in merged.iter().chain(std::iter::once(&file.node)) {
                if let Some(doc) = lib.values_docs.get(f) {
                    value.merge_from(&doc.to_value());
                }
            }
            let flat = Flat {
                value,
                overlay: info.name.clone(),
                span: file.span,
                merged,
            };
            match flats.get(&file.node) {
                Some(prev) if prev.value != flat.value => {
                    out.diagnostics.push(shared(&file.node, prev, &flat));
                }
                Some(_) => {}
                None => {
                    flats.insert(file.node.clone(), flat);
                }
            }
        }
    }
    for (path, flat) in flats {
        let header = format!(
            "# Written by `galley export`: overlay `{}`'s values with {} merged under them\n\
             # (AICR reads one values file per component besides `values.yaml`).\n",
            flat.overlay,
            flat.merged
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let text = format!("{header}{}", crate::yaml_out::values_yaml(&flat.value));
        out.files.insert(path, text.into_bytes());
    }
}

fn values_file(c: &crate::syntax::ast::ComponentRef) -> Option<&crate::syntax::ast::Str> {
    c.body.iter().find_map(|s| match s {
        ComponentStmt::Values(v) => Some(v),
        _ => None,
    })
}

fn shared(path: &str, a: &Flat, b: &Flat) -> Diagnostic {
    Diagnostic::error(
        Code::ExportUnsupported,
        format!(
            "values file `{path}` is set by overlays `{}` and `{}`, whose ancestors' values \
             differ; AICR reads one values file per overlay, so it cannot hold both",
            a.overlay, b.overlay
        ),
    )
    .with_label(b.span, "set here")
    .with_label(a.span, "and here")
    .with_help("give one of the overlays a values file of its own")
}
