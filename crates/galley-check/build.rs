//! Build script: the embedded library, pre-parsed.
//!
//! The recipe library and the stdlib are compiled into the binary (the file tables
//! this script writes to `$OUT_DIR/embedded-files.rs`, included by `src/data.rs`). Parsing them is most of what a `galley recipe` would otherwise spend its
//! time on, so the `.ovl` files are parsed here, with galley's own parser (the galley-syntax
//! crate, a build-dependency), and the syntax trees are written to
//! `$OUT_DIR/embedded-ast.bin` (postcard), which `src/prebuilt.rs` reads. YAML data
//! files (values files, manifests, health checks) are read into documents the same way.
//!
//! Only files that parse without any diagnostic are pre-parsed; a file with a syntax error
//! is left to the run-time parser, so `galley check` reports it as usual and the build never
//! fails because of a recipe. Each tree records the file id the loader gives the file when
//! the embedded roots come first, and a hash of its text; the loader uses a tree only when
//! both match, so a stale or mismatched tree can never be used.

// A build script fails the build by panicking; its `expect`s name what went wrong.
#![allow(clippy::expect_used)]

use galley_syntax::source;
use galley_syntax::syntax::{parser, prebuilt_format, yaml};
use std::collections::BTreeMap;
use std::path::Path;

/// The embedded roots in the order `DataSet`s put them (`src/data.rs`), with their labels.
const ROOTS: [(&str, &str); 2] = [
    ("embedded stdlib", "stdlib"),
    ("embedded recipes", "recipes"),
];

fn main() {
    // The library's roots; the parser is a build-dependency, so cargo rebuilds this script
    // when galley-syntax changes.
    for watched in ["../../recipes", "../../stdlib", "../../grammar"] {
        println!("cargo:rerun-if-changed={watched}");
    }
    let mut units: Vec<Built> = Vec::new();
    let mut yaml_docs: Vec<Built> = Vec::new();
    let mut next_id = 0u32;
    let mut table_rs = String::new();
    for (label, dir) in ROOTS {
        let mut files = BTreeMap::new();
        collect(&Path::new("../..").join(dir), "", &mut files);
        table_rs.push_str(&file_table(dir, &files));
        for (rel, bytes) in files {
            if source::classify(&rel) == source::FileClass::Data {
                if rel.ends_with(".yaml")
                    && let Ok(text) = std::str::from_utf8(&bytes)
                    && let Ok(docs) = yaml::parse_documents(source::FileId(0), text)
                {
                    let values_shape = match docs.as_slice() {
                        [] => true,
                        [doc] => matches!(doc.kind, yaml::NodeKind::Map(_) | yaml::NodeKind::Null),
                        _ => false,
                    };
                    let tree = postcard::to_allocvec(&docs).expect("YAML trees serialize");
                    let hash = prebuilt_format::text_hash(text);
                    yaml_docs.push((label, rel, hash, 0, tree, values_shape));
                }
                continue;
            }
            // The loader registers every non-data file, readable or not, in this order.
            let file = source::FileId(next_id);
            next_id += 1;
            if source::classify(&rel) != source::FileClass::Ovl {
                continue;
            }
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let (unit, diags) = parser::parse(file, &text);
            if diags.is_empty() {
                let tree = postcard::to_allocvec(&unit).expect("syntax trees serialize");
                let hash = prebuilt_format::text_hash(&text);
                units.push((label, rel, hash, file.0, tree, false));
            }
        }
    }
    let table = prebuilt_format::Table {
        units: entries(&units),
        yaml: entries(&yaml_docs),
    };
    let bytes = postcard::to_allocvec(&table).expect("syntax trees serialize");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("embedded-ast.bin"), bytes).expect("OUT_DIR is writable");
    std::fs::write(Path::new(&out).join("embedded-files.rs"), table_rs)
        .expect("OUT_DIR is writable");
}

/// The Rust source of one embedded root's file table, `src/data.rs`'s `EMBEDDED_<DIR>`:
/// `(path, Some(text))` for each file in path order, its text an `include_str!` (so it is
/// UTF-8-checked here, at build time, and never copied at start), and `(path, None)` for a
/// file that is not UTF-8 text.
fn file_table(dir: &str, files: &BTreeMap<String, Vec<u8>>) -> String {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../..").join(dir);
    let mut rs = format!(
        "pub(crate) static EMBEDDED_{}: &[(&str, Option<&str>)] = &[\n",
        dir.to_uppercase()
    );
    for (rel, bytes) in files {
        if std::str::from_utf8(bytes).is_ok() {
            let path = root.join(rel);
            let path = path.to_str().expect("the library's paths are UTF-8");
            rs.push_str(&format!("    ({rel:?}, Some(include_str!({path:?}))),\n"));
        } else {
            rs.push_str(&format!("    ({rel:?}, None),\n"));
        }
    }
    rs.push_str("];\n");
    rs
}

/// (root label, path, text hash, file id, postcard tree, values shape)
type Built = (&'static str, String, u64, u32, Vec<u8>, bool);

fn entries(built: &[Built]) -> Vec<prebuilt_format::Entry<'_>> {
    built
        .iter()
        .map(
            |(root, rel, text_hash, file, tree, values_shape)| prebuilt_format::Entry {
                root,
                rel,
                text_hash: *text_hash,
                file: *file,
                tree,
                values_shape: *values_shape,
            },
        )
        .collect()
}

/// Every file under `dir`, by path relative to the root.
fn collect(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let rel = format!("{prefix}{name}");
        if path.is_dir() {
            collect(&path, &format!("{rel}/"), files);
        } else if let Ok(bytes) = std::fs::read(&path) {
            files.insert(rel, bytes);
        }
    }
}
