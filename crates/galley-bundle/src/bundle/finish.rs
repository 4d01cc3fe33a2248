//! The files every bundle has, whatever its deployer: `recipe.yaml`, `bundle.yaml` and
//! `checksums.txt`.

use super::{Options, Plan, Tree};
use crate::ir::result::RecipeResult;
use crate::value::{Map, Value};
use sha2::{Digest, Sha256};

/// `recipe.yaml`, `bundle.yaml` and `checksums.txt` (last, over every other file).
pub(super) fn finish(tree: &mut Tree, plan: &Plan, opts: &Options) {
    let mut doc = RecipeResult::new(&plan.recipe, false);
    doc.metadata.set_values = opts.sets.iter().map(|s| s.raw.clone()).collect();
    tree.add(
        "recipe.yaml",
        format!("---\n{}", crate::yaml_out::document_yaml(&doc)),
    );
    tree.add("bundle.yaml", manifest(plan, opts));
    let mut sums = String::new();
    for (path, bytes) in &tree.files {
        let digest = Sha256::digest(bytes);
        sums.push_str(&crate::ir::read::hex(&digest));
        sums.push_str("  ");
        sums.push_str(path);
        sums.push('\n');
    }
    tree.add("checksums.txt", sums);
}

/// The bundle manifest: which deployer, which galley, which inputs.
fn manifest(plan: &Plan, opts: &Options) -> String {
    let components: Vec<Value> = plan
        .components
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert("name".into(), Value::String(c.name.clone()));
            if !c.dir.is_empty() {
                m.insert("folder".into(), Value::String(c.dir.clone()));
            }
            m.insert("namespace".into(), Value::String(c.namespace.clone()));
            if let Some(v) = &c.version {
                m.insert("version".into(), Value::String(v.clone()));
            }
            m.insert("wave".into(), Value::Int(c.depth as i64));
            Value::Map(m)
        })
        .collect();
    let mut m = Map::new();
    m.insert("kind".into(), Value::String("GalleyBundle".into()));
    m.insert(
        "apiVersion".into(),
        Value::String("galley.dev/v1alpha1".into()),
    );
    m.insert(
        "deployer".into(),
        Value::String(opts.deployer.as_str().into()),
    );
    m.insert(
        "galleyVersion".into(),
        Value::String(env!("CARGO_PKG_VERSION").into()),
    );
    m.insert(
        "fingerprint".into(),
        Value::String(plan.recipe.fingerprint.clone()),
    );
    if let Some(repo) = &opts.repo {
        m.insert("repo".into(), Value::String(repo.clone()));
    }
    m.insert("components".into(), Value::List(components));
    format!("---\n{}", crate::yaml_out::document_yaml(&Value::Map(m)))
}
