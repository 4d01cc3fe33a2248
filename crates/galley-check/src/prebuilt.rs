//! The embedded library's syntax trees, parsed when galley was built (`build.rs`).
//!
//! The loader asks for a file's tree by root label and path; it gets one only when the tree
//! was parsed from exactly this text and carries the file id the loader has just given the
//! file. Anything else (a file with syntax errors, which the build script leaves out, or a
//! data set that does not start with the embedded roots) is parsed at run time as before,
//! so the trees change how fast galley starts, never what it reads.

use crate::source::FileId;
use crate::syntax::ast::SourceUnit;
use crate::syntax::prebuilt_format::{Entry, Table, text_hash};
use crate::syntax::yaml::Node;
use std::collections::HashMap;
use std::sync::OnceLock;

static BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded-ast.bin"));

/// (root label, path inside the root)
pub type Key = (&'static str, &'static str);

type Index = HashMap<Key, Entry<'static>>;

/// `.ovl` trees and YAML documents, each by (root label, path).
fn index() -> &'static (Index, Index) {
    static INDEX: OnceLock<(Index, Index)> = OnceLock::new();
    INDEX.get_or_init(|| {
        // A table that does not decode (it cannot, short of a build bug) is no table: every
        // file is parsed at run time.
        let table: Table<'static> = postcard::from_bytes(BYTES).unwrap_or_default();
        let by_path = |entries: Vec<Entry<'static>>| -> Index {
            entries.into_iter().map(|e| ((e.root, e.rel), e)).collect()
        };
        (by_path(table.units), by_path(table.yaml))
    })
}

/// The pre-parsed tree of `rel` in the embedded root `root`, if it was parsed from `text`
/// and as file `file`.
pub fn unit(root: &str, rel: &str, file: FileId, text: &str) -> Option<SourceUnit> {
    let e = index().0.get(&(root, rel))?;
    if e.file != file.0 || e.text_hash != text_hash(text) {
        return None;
    }
    postcard::from_bytes(e.tree).ok()
}

/// The documents of the YAML file `rel` in the embedded root `root`, spans in `file`, if
/// they were parsed from `text` (a file that did not parse has none: it is parsed again,
/// and its error reported, at run time).
pub fn yaml(root: &str, rel: &str, file: FileId, text: &str) -> Option<Vec<Node>> {
    let docs: Vec<Node> = postcard::from_bytes(yaml_entry(root, rel, text)?.tree).ok()?;
    Some(docs.into_iter().map(|d| d.in_file(file)).collect())
}

/// Whether the YAML file `rel` in the embedded root `root` read, as `text`, into what a
/// values file must be (one mapping, or nothing) when galley was built.
pub fn values_ready(root: &str, rel: &str, text: &str) -> bool {
    yaml_entry(root, rel, text).is_some_and(|e| e.values_shape)
}

/// Whether the YAML file `rel` in the embedded root `root` read cleanly, as `text`, when
/// galley was built (its documents are not decoded).
pub fn yaml_reads(root: &str, rel: &str, text: &str) -> bool {
    yaml_entry(root, rel, text).is_some()
}

/// The build script's entry for a YAML file, if it read this very text.
fn yaml_entry<'a>(root: &'a str, rel: &'a str, text: &str) -> Option<&'a Entry<'static>> {
    index()
        .1
        .get(&(root, rel))
        .filter(|e| e.text_hash == text_hash(text))
}

/// The paths that have a syntax tree and those that have YAML documents, each as
/// (root label, path), sorted (for tests).
pub fn paths() -> (Vec<Key>, Vec<Key>) {
    let sorted = |index: &Index| {
        let mut all: Vec<_> = index.keys().copied().collect();
        all.sort();
        all
    };
    (sorted(&index().0), sorted(&index().1))
}

#[cfg(test)]
mod tests {
    use crate::check::load::{FileClass, classify};
    use crate::data::{DataSet, Entry, Root};
    use crate::source::{FileId, Files};
    use crate::syntax::{parser, yaml};

    /// Every embedded file, as the loader registers it: (root label, path, id, text).
    fn embedded() -> Vec<(String, String, FileId, String)> {
        let data = DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()]);
        let mut files = Files::new();
        let mut out = Vec::new();
        for root in &data.roots {
            for (rel, entry) in &root.files {
                let Entry::Text(text) = entry else { continue };
                let id = if classify(rel) == FileClass::Data {
                    FileId(u32::MAX)
                } else {
                    files.add(rel.clone(), text.clone())
                };
                out.push((root.label.clone(), rel.clone(), id, text.to_string()));
            }
        }
        out
    }

    #[test]
    fn every_embedded_ovl_file_has_the_tree_a_fresh_parse_gives() {
        let mut seen = 0;
        for (root, rel, id, text) in embedded() {
            if classify(&rel) != FileClass::Ovl {
                continue;
            }
            let tree = super::unit(&root, &rel, id, &text)
                .unwrap_or_else(|| panic!("{root}/{rel} has no pre-parsed tree"));
            let (fresh, diags) = parser::parse(id, &text);
            assert!(diags.is_empty(), "{rel}: {diags:?}");
            // Debug shows spans too (AST equality ignores them).
            assert_eq!(format!("{tree:?}"), format!("{fresh:?}"), "{rel}");
            seen += 1;
        }
        assert_eq!(seen, super::paths().0.len());
        assert!(seen > 30, "only {seen} trees");
    }

    #[test]
    fn embedded_yaml_documents_equal_a_fresh_read_in_the_right_file() {
        let mut seen = 0;
        for (root, rel, _, text) in embedded() {
            let id = FileId(7);
            let Some(docs) = super::yaml(&root, &rel, id, &text) else {
                continue;
            };
            let fresh = yaml::parse_documents(id, &text).expect("it parsed at build time");
            assert_eq!(format!("{docs:?}"), format!("{fresh:?}"), "{rel}");
            seen += 1;
        }
        assert_eq!(seen, super::paths().1.len());
        assert!(seen > 20, "only {seen} YAML files");
    }

    #[test]
    fn a_tree_is_refused_for_other_text_or_another_file_id() {
        let (root, rel, id, text) = embedded()
            .into_iter()
            .find(|(_, rel, ..)| rel.ends_with("base.ovl"))
            .expect("the library has a base overlay");
        assert!(super::unit(&root, &rel, id, &text).is_some());
        assert!(super::unit(&root, &rel, FileId(id.0 + 1), &text).is_none());
        assert!(super::unit(&root, &rel, id, &format!("{text}\n")).is_none());
        assert!(super::unit("somewhere else", &rel, id, &text).is_none());
    }
}
