//! Mixins flattened for AICR YAML: each overlay is written with the statements of every
//! mixin it includes, so that the written `RecipeMetadata` documents resolve as the library
//! does in AICR v0.11.1, which has no `RecipeMixin`. A mixin and its overlay rank alike, so
//! where both have a block for one component the blocks are joined (the checker and the
//! resolver have made sure they do not disagree); a constraint or phase the overlay states
//! itself is kept over the mixin's.

use crate::check::{Library, OverlayInfo};
use crate::syntax::ast::{Overlay, OverlayStmt};

/// The overlay as AICR YAML must say it: its own statements, then its mixins'.
pub fn overlay(lib: &Library, info: &OverlayInfo) -> Overlay {
    let mut o = info.ast.clone();
    o.mixins.clear();
    for m in info.mixins.iter().filter_map(|m| lib.mixins.get(m)) {
        for stmt in &m.ast.body {
            add(&mut o.body, stmt);
        }
    }
    o
}

fn add(body: &mut Vec<OverlayStmt>, stmt: &OverlayStmt) {
    match stmt {
        OverlayStmt::When(_) => {}
        OverlayStmt::Require(c) => {
            let key = c.path.aicr_name();
            if !body
                .iter()
                .any(|s| matches!(s, OverlayStmt::Require(h) if h.path.aicr_name() == key))
            {
                body.push(stmt.clone());
            }
        }
        OverlayStmt::Validate(p) => {
            if !body
                .iter()
                .any(|s| matches!(s, OverlayStmt::Validate(h) if h.name.node == p.name.node))
            {
                body.push(stmt.clone());
            }
        }
        OverlayStmt::Component(c) => {
            let own = body.iter_mut().find_map(|s| match s {
                OverlayStmt::Component(h) if h.name.node == c.name.node => Some(h),
                _ => None,
            });
            match own {
                Some(h) => h.body.extend(c.body.iter().cloned()),
                None => body.push(stmt.clone()),
            }
        }
    }
}
