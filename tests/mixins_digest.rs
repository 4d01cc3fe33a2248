//! The embedded library's 1,620 targets resolve to the same `RecipeResult` and the same
//! hydrated values as they did before the library was rewritten with mixins (issue 16).
//!
//! `tests/fixtures/mixins/digests.txt` holds, per target, `KEY RESULT VALUES`: the criteria
//! key, the SHA-256 of the target's `RecipeResult` as JSON (without `metadata.version`, which
//! is the crate's version, not the recipe), and the SHA-256 of every component's hydrated
//! values (what `galley recipe --hydrate` prints and Helm receives). It was recorded from the
//! library as it stood before the rewrite; `GALLEY_BLESS_DIGESTS=1` records it again (only do
//! that for a change that is meant to change recipes, and say so in the commit).

use galley::data::{DataSet, Root};
use galley::ir::result::RecipeResult;
use sha2::{Digest, Sha256};

const FIXTURE: &str = "tests/fixtures/mixins/digests.txt";

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One line per target: `KEY RESULT VALUES`, sorted by key.
fn digests() -> Vec<String> {
    let (library, diags) = galley::check::check(DataSet::new(vec![
        Root::embedded_stdlib(),
        Root::embedded_recipes(),
    ]));
    assert!(!diags.has_errors(), "the embedded library checks cleanly");
    let resolver = galley::resolve::Resolver::new(&library);
    let space = galley::author::coverage::space(&library);
    let queries = galley::author::coverage::queries(&space);
    assert_eq!(queries.len(), 1620);
    let mut lines: Vec<String> = queries
        .iter()
        .map(|q| {
            let key = q.describe().replace(' ', "");
            match resolver.resolve(q) {
                Ok(recipe) => {
                    let mut result = serde_json::to_value(RecipeResult::new(&recipe, false))
                        .expect("a RecipeResult serializes");
                    if let Some(meta) = result.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                        meta.remove("version");
                    }
                    let values: Vec<(String, serde_json::Value)> = recipe
                        .components
                        .iter()
                        .map(|c| {
                            let v =
                                serde_json::to_value(c.values.sorted()).expect("values serialize");
                            (c.name.clone(), v)
                        })
                        .collect();
                    let values = serde_json::to_string(&values).expect("values serialize");
                    format!(
                        "{key} {} {}",
                        hex(result.to_string().as_bytes()),
                        hex(values.as_bytes())
                    )
                }
                Err(diags) => {
                    let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
                    format!("{key} error {}", codes.join(","))
                }
            }
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn every_target_resolves_as_before_the_rewrite() {
    let path = crate::support::root().join(FIXTURE);
    let now = digests();
    if std::env::var_os("GALLEY_BLESS_DIGESTS").is_some() {
        std::fs::write(&path, now.join("\n") + "\n").expect("write the fixture");
        return;
    }
    let recorded = std::fs::read_to_string(&path).expect("the digest fixture exists");
    let recorded: Vec<&str> = recorded.lines().collect();
    assert_eq!(recorded.len(), 1620, "the fixture has one line per target");
    let key = |l: &str| l.split(' ').next().unwrap_or_default().to_string();
    let old: std::collections::BTreeMap<String, &str> =
        recorded.iter().map(|l| (key(l), *l)).collect();
    let differ: Vec<String> = now
        .iter()
        .filter(|l| old.get(&key(l)).is_none_or(|o| o != *l))
        .map(|l| {
            let k = key(l);
            let what = match (old.get(&k), l.split(' ').collect::<Vec<_>>().as_slice()) {
                (None, _) => "not in the fixture".to_string(),
                (Some(o), [_, r, v]) => {
                    let o: Vec<&str> = o.split(' ').collect();
                    let mut parts = Vec::new();
                    if o.get(1) != Some(r) {
                        parts.push("RecipeResult");
                    }
                    if o.get(2) != Some(v) {
                        parts.push("hydrated values");
                    }
                    parts.join(" and ")
                }
                (Some(o), _) => format!("was `{o}`, now `{l}`"),
            };
            format!("  {k}: {what} differ")
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{} of 1,620 targets resolve differently than before the rewrite:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
