//! What `validate` and `diff` take from a [`ResultDoc`]: the projections of the one
//! `RecipeResult` reader (`result_read.rs`; `bundle -r` hydrates in `read.rs`).

use crate::ir::result_read::ResultDoc;
use crate::ir::{Constraint, Validation};
use crate::syntax::ast::{COMPONENT_FIELDS, FieldShape};
use crate::value::Value;
use std::collections::BTreeMap;

/// What validation reads from a recipe: the top-level constraints and the phases.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecipeDoc {
    pub constraints: Vec<Constraint>,
    pub validation: Validation,
}

impl RecipeDoc {
    pub fn from_doc(doc: &ResultDoc) -> RecipeDoc {
        let mut validation = Validation::default();
        for p in &doc.validation {
            if let Some(slot) = validation.slot(&p.name) {
                *slot = Some(p.phase());
            }
        }
        RecipeDoc {
            constraints: doc
                .constraints
                .iter()
                .map(|c| c.constraint.clone())
                .collect(),
            validation,
        }
    }
}

/// What a comparison reads from a recipe.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadRecipe {
    pub criteria: BTreeMap<String, String>,
    pub applied_overlays: Vec<String>,
    /// name → the reference's value string (`>= 1.32.4`).
    pub constraints: BTreeMap<String, String>,
    pub components: BTreeMap<String, ReadComponent>,
    pub deployment_order: Vec<String>,
    /// phase → the phase as written.
    pub validation: BTreeMap<String, Value>,
    /// galley's `metadata.params`: parameter → its value as text.
    pub params: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadComponent {
    /// Text fields by `RecipeResult` key (`version`, `valuesFile`), empty ones left out.
    pub scalars: BTreeMap<String, String>,
    /// List fields by `RecipeResult` key (`dependencyRefs`).
    pub lists: BTreeMap<String, Vec<String>>,
    pub overrides: Option<Value>,
    /// Present when the document was written with `--hydrate`.
    pub values: Option<Value>,
}

impl ReadRecipe {
    pub fn from_doc(doc: &ResultDoc) -> ReadRecipe {
        ReadRecipe {
            criteria: doc
                .criteria
                .iter()
                .map(|(k, v, _)| (k.clone(), v.clone()))
                .collect(),
            applied_overlays: doc.applied_overlays.clone(),
            constraints: doc
                .constraints
                .iter()
                .map(|c| (c.constraint.name.clone(), c.constraint.value.clone()))
                .collect(),
            components: doc
                .components
                .iter()
                .map(|c| (c.name.clone(), component(c)))
                .collect(),
            deployment_order: doc.deployment_order.clone(),
            validation: doc
                .validation
                .iter()
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect(),
            params: doc
                .params
                .iter()
                .map(|p| {
                    let text = crate::params::scalar_text(&p.value).unwrap_or_default();
                    (p.name.clone(), text)
                })
                .collect(),
        }
    }
}

fn component(c: &crate::ir::result_read::ComponentDoc) -> ReadComponent {
    let mut out = ReadComponent {
        overrides: c.maps.get("overrides").cloned(),
        values: c.maps.get("values").cloned(),
        ..ReadComponent::default()
    };
    for field in &COMPONENT_FIELDS {
        let Some(key) = field.key.filter(|k| *k != "name") else {
            continue;
        };
        match field.shape {
            FieldShape::Text => {
                if let Some(v) = c.text(key) {
                    out.scalars.insert(key.to_string(), v);
                }
            }
            FieldShape::List => {
                if let Some(v) = c.lists.get(key) {
                    out.lists.insert(key.to_string(), v.clone());
                }
            }
            FieldShape::Map | FieldShape::Bool | FieldShape::Resources => {}
        }
    }
    out
}
