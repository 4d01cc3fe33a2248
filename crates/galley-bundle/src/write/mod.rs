//! Writing output without destroying what is there.
//!
//! One file ([`write_file`]: `-o FILE`, `fmt`) or one directory tree ([`write_tree`]:
//! `bundle -o DIR`, `import --out DIR`), each written beside its target under a temporary
//! name that a later run removes if the writer was killed, then renamed into place. What each
//! kind of existing target gets is in `docs/cli.md`, "Where output goes".

mod file;
mod rename;
mod temp;
mod tree;

pub use file::write_file;
pub use tree::{MARKER, Target, write_tree};

use camino::Utf8Path;

/// The directory `path` is in (`.` for a bare name).
fn parent_of(path: &Utf8Path) -> &Utf8Path {
    path.parent()
        .filter(|p| !p.as_str().is_empty())
        .unwrap_or(Utf8Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use camino::Utf8PathBuf;
    use std::collections::{BTreeMap, BTreeSet};

    fn target(dir: &Utf8Path, force: bool) -> Target<'_> {
        Target {
            dir,
            force,
            inputs: Vec::new(),
        }
    }

    #[test]
    fn refuses_escaping_paths_and_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("galley-write-{}", std::process::id()));
        let out = Utf8PathBuf::from_path_buf(dir.join("out")).unwrap();
        let none = BTreeSet::new();
        let files = BTreeMap::from([("../evil".to_string(), b"x".to_vec())]);
        assert!(write_tree(&target(&out, false), &files, &none).is_err());
        assert!(!out.exists());
        let files = BTreeMap::from([("a/b.txt".to_string(), b"x".to_vec())]);
        write_tree(&target(&out, false), &files, &none).unwrap();
        assert_eq!(std::fs::read(out.join("a/b.txt")).unwrap(), b"x");
        assert!(out.join(MARKER).is_file());
        assert!(
            write_tree(&target(&out, false), &files, &none).is_err(),
            "non-empty without --force"
        );
        write_tree(&target(&out, true), &files, &none).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
