//! Mixins flattened for AICR YAML: each overlay is written with the statements of every
//! mixin it includes, so that the written `RecipeMetadata` documents resolve as the library
//! does in AICR v0.11.1, which has no `RecipeMixin`. A mixin and its overlay rank alike, so
//! where both have a block for one component the blocks are joined (the checker and the
//! resolver have made sure they do not disagree); a constraint or phase the overlay states
//! itself is kept over the mixin's.

use crate::check::{Library, OverlayInfo};
use crate::syntax::ast::Overlay;

/// The overlay as AICR YAML must say it: its own statements, then its mixins'.
pub fn overlay(lib: &Library, info: &OverlayInfo) -> Overlay {
    crate::check::mixin::flatten(&info.ast, &info.mixins, &lib.mixins)
}
