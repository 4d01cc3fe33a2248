//! Check: from data roots to a checked [`Library`].
//!
//! In: a [`DataSet`] (the embedded library and any `--data` directories, lowest first).
//! Out: a `Library` (the layered declarations and overlays, every file in one `Files` table)
//! and every problem found, as diagnostics.
//!
//! The algorithm runs in passes that each see the whole library, so one run reports every
//! problem and none hides another:
//!
//! 1. *load*: parse every `.ovl` file and lower every AICR YAML file into the same AST.
//! 2. *declarations*: gather dimensions, measurements, registry components and validators
//!    from every layer; a higher layer's declaration replaces a lower one of the same name.
//! 3. *overlays*: the highest layer's overlay of each name; criteria normalised against the
//!    dimensions; `extends` targets, cycles, duplicate criteria and specificity.
//! 4. *bodies*: component references, fields, dependencies, files, constraints and phases.
//!
//! Invariants: nothing here depends on file or directory order (roots are walked sorted,
//! declarations are keyed by name, diagnostics are sorted before they leave); a problem in
//! one file never stops another file from being checked.

pub mod body;
pub mod bounds;
pub mod files;
pub mod load;
pub mod mixin;
pub mod overlay;
pub mod params;
pub mod replace;
pub mod stdlib;
pub mod strict;
pub mod suppress;

use crate::data::DataSet;
use crate::diag::Diagnostics;
use crate::source::{FileId, Files};
use std::collections::BTreeMap;

pub use overlay::{CriteriaSet, OverlayInfo};
pub use stdlib::Stdlib;

/// A checked library: what resolution and the emitters start from.
#[derive(Clone, Debug)]
pub struct Library {
    pub files: Files,
    pub data: DataSet,
    pub stdlib: Stdlib,
    /// Overlays by name (the highest layer's definition of each name).
    pub overlays: BTreeMap<String, OverlayInfo>,
    /// Mixins by name (the highest layer's definition of each name).
    pub mixins: BTreeMap<String, mixin::MixinInfo>,
    /// Values files that parsed cleanly, by path, registered in `files`.
    pub values_files: BTreeMap<String, FileId>,
    /// The same files' documents (a mapping each; empty files are left out).
    pub values_docs: files::ValuesDocs,
    pub summary: Summary,
    /// The syntax trees the library was built from (the declarations and overlays above
    /// are copies), kept so that dropping them never happens on a command's critical path.
    pub units: Vec<load::LoadedUnit>,
}

/// What a check saw, for the closing line of `galley check` and `--data` reports.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub source_files: usize,
    /// Overlays that a higher layer replaced: (name, the replaced span, the replacing span).
    pub replaced_overlays: Vec<stdlib::Replaced>,
    pub replaced_components: Vec<stdlib::Replaced>,
    /// Overlays that only a user layer defines.
    pub added_overlays: Vec<String>,
}

/// Check a data set. Never panics on any input; every problem becomes a diagnostic.
pub fn check(data: DataSet) -> (Library, Diagnostics) {
    check_with(data, Options { deep_files: true })
}

/// How much to check.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Parse manifests and health checks (they are only checked to exist otherwise, which is
    /// all resolving needs).
    pub deep_files: bool,
}

pub fn check_with(data: DataSet, options: Options) -> (Library, Diagnostics) {
    let mut files = Files::new();
    let mut diags = Diagnostics::new();
    let units = load::load(&data, &mut files, &mut diags);
    let stdlib_layer = data
        .roots
        .iter()
        .position(|r| r.embedded && r.label == "embedded stdlib");
    let stdlib = stdlib::build(&units, stdlib_layer, &mut diags);
    let (mut overlays, replaced_overlays) =
        overlay::collect(&units, &stdlib.dimensions, &mut diags);
    overlay::check(&overlays, &mut diags);
    let mixins = mixin::collect(&units, &mut diags);
    mixin::attach(&mut overlays, &mixins, &mut diags);
    params::check(&overlays, &mixins, &stdlib, &mut diags);
    params::in_mixins(&mixins, &mut diags);
    replace::check(&units, &replaced_overlays, &mixins, &files, &mut diags);
    let (values_files, values_docs) = check_bodies(
        &data,
        &mut files,
        &stdlib,
        (&overlays, &mixins),
        options.deep_files,
        &mut diags,
    );
    let added_overlays = overlays
        .values()
        .filter(|o| !data.roots[o.layer].embedded)
        .filter(|o| !replaced_overlays.iter().any(|(n, _, _)| n == &o.name))
        .map(|o| o.name.clone())
        .collect();
    diags.sort();
    let summary = Summary {
        source_files: units.len(),
        replaced_components: stdlib.replaced_components.clone(),
        replaced_overlays,
        added_overlays,
    };
    let library = Library {
        files,
        data,
        stdlib,
        overlays,
        mixins,
        values_files,
        values_docs,
        summary,
        units,
    };
    (library, diags)
}

fn check_bodies(
    data: &DataSet,
    files: &mut Files,
    stdlib: &Stdlib,
    (overlays, mixins): (
        &BTreeMap<String, OverlayInfo>,
        &BTreeMap<String, mixin::MixinInfo>,
    ),
    deep: bool,
    diags: &mut Diagnostics,
) -> (BTreeMap<String, FileId>, files::ValuesDocs) {
    let mut checker = body::BodyChecker {
        stdlib,
        overlays,
        mixins,
        files: files::FileChecker::new(data, files, deep),
        in_mixin: false,
    };
    checker
        .files
        .prefetch(referenced_files(stdlib, overlays, mixins));
    for o in overlays.values() {
        checker.check(o, diags);
    }
    for m in mixins.values() {
        checker.check_mixin(m, diags);
    }
    for c in stdlib.registry.values() {
        if let Some(path) = c.health_check() {
            checker.files.health_check(path, diags);
        }
    }
    let good = checker.files.good_values_files();
    (good, std::mem::take(&mut checker.files.values_docs))
}

/// Every file the overlays and the registry refer to, for reading ahead.
fn referenced_files(
    stdlib: &Stdlib,
    overlays: &BTreeMap<String, OverlayInfo>,
    mixins: &BTreeMap<String, mixin::MixinInfo>,
) -> Vec<(String, files::Kind)> {
    use crate::syntax::ast::{ComponentStmt, OverlayStmt};
    let mut wanted = Vec::new();
    let mixin_components = mixins.values().flat_map(|m| {
        m.ast.body.iter().filter_map(|s| match s {
            OverlayStmt::Component(c) => Some(c),
            _ => None,
        })
    });
    for c in overlays
        .values()
        .flat_map(|o| o.ast.components())
        .chain(mixin_components)
    {
        for stmt in &c.body {
            match stmt {
                ComponentStmt::Values(p) => wanted.push((p.node.clone(), files::Kind::Values)),
                ComponentStmt::Manifests(list) => wanted.extend(
                    list.node
                        .iter()
                        .filter(|p| !p.node.contains("://"))
                        .map(|p| (p.node.clone(), files::Kind::Manifest)),
                ),
                _ => {}
            }
        }
    }
    wanted.extend(
        stdlib
            .registry
            .values()
            .filter_map(|c| c.health_check())
            .map(|p| (p.node.clone(), files::Kind::Check)),
    );
    wanted
}
