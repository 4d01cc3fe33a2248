//! `recipe --snapshot`: which overlays a measured cluster rules out (recipe-engine.md §7).
//!
//! Each overlay the target gets is checked on its own `require` constraints (with those of
//! the mixins it includes, which rank with it) with the constraint checker. An overlay is excluded when one of them fails, or cannot be evaluated
//! (`other`); a constraint whose measurement the snapshot lacks is `skipped` and excludes
//! nothing (the reference excludes on a missing value, so a snapshot without sysctl data
//! loses every overlay with a kernel constraint). An overlay that extends an excluded one is
//! excluded with it: it was written on the parent's assumptions (the reference still merges
//! such ancestors). `base` is never excluded.

use crate::check::overlay::BASE;
use crate::check::{Library, OverlayInfo};
use crate::ir::result::ConstraintWarning;
use crate::measure::constraint::{self, Status};
use crate::measure::measurements::Measurements;
use crate::syntax::ast::OverlayStmt;
use std::collections::BTreeSet;

/// The overlays to drop, and one warning per failing constraint (and per overlay dropped
/// because it extends a dropped one), in applied order.
pub fn excluded(
    lib: &Library,
    applied: &[&OverlayInfo],
    m: &Measurements,
) -> (BTreeSet<String>, Vec<ConstraintWarning>) {
    let mut dropped = BTreeSet::new();
    let mut warnings = Vec::new();
    for o in applied.iter().filter(|o| o.name != BASE) {
        let mixins = o.mixins.iter().filter_map(|m| lib.mixins.get(m));
        let bodies = std::iter::once(&o.ast.body).chain(mixins.map(|m| &m.ast.body));
        for stmt in bodies.flatten() {
            let OverlayStmt::Require(c) = stmt else {
                continue;
            };
            let c = crate::resolve::ir_constraint(c);
            let out = constraint::check(&c, m, &lib.stdlib.catalog);
            if matches!(out.status, Status::Failed | Status::Other) {
                dropped.insert(o.name.clone());
                warnings.push(ConstraintWarning {
                    overlay: o.name.clone(),
                    constraint: c.name,
                    expected: c.value,
                    actual: out.actual,
                    reason: out.message,
                });
            }
        }
    }
    let direct = warnings.clone();
    for o in applied.iter().filter(|o| !dropped.contains(&o.name)) {
        let chain = crate::check::overlay::chain(&o.name, &lib.overlays);
        let cause = chain
            .iter()
            .skip(1)
            .find_map(|a| direct.iter().find(|w| w.overlay == a.name));
        if let Some(cause) = cause {
            warnings.push(ConstraintWarning {
                overlay: o.name.clone(),
                reason: format!(
                    "extends excluded overlay `{}`: {}",
                    cause.overlay, cause.reason
                ),
                ..cause.clone()
            });
        }
    }
    for w in &warnings {
        dropped.insert(w.overlay.clone());
    }
    (dropped, warnings)
}
