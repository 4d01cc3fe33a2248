//! galley's intermediate representation (docs/architecture.md): the resolved [`ir::Recipe`],
//! the criteria a recipe answers, the RecipeResult writer and readers, queries.

pub mod criteria;
pub mod ir;

// The layers below under the names the modules use (`crate::check::…`).
pub(crate) use galley_check::check;
pub(crate) use galley_syntax::{diag, params, source, syntax, value};

/// `crate::resolve::criteria` for the modules that name the criteria by their old place.
pub(crate) mod resolve {
    pub use crate::criteria;
}
