//! Writing output atomically.
//!
//! A file tree is written into a fresh sibling directory and renamed into place, so a
//! failure leaves nothing behind and a reader never sees half a tree. Paths are validated
//! first: every one must be a plain relative path (no `..`, no absolute paths).

use crate::data::validate_relative;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// Write `files` (relative path → bytes) as the directory `out`. An existing non-empty `out`
/// is refused unless `force`, in which case it is replaced whole.
pub fn write_tree(
    out: &Utf8Path,
    files: &BTreeMap<String, Vec<u8>>,
    force: bool,
) -> Result<(), String> {
    write_tree_modes(out, files, &BTreeSet::new(), force)
}

/// [`write_tree`], with the files in `executable` made executable (mode 0755).
pub fn write_tree_modes(
    out: &Utf8Path,
    files: &BTreeMap<String, Vec<u8>>,
    executable: &BTreeSet<String>,
    force: bool,
) -> Result<(), String> {
    for rel in files.keys() {
        validate_relative(rel)
            .map_err(|_| format!("refusing to write `{rel}`: it would leave `{out}`"))?;
    }
    if let Ok(meta) = std::fs::symlink_metadata(out) {
        if meta.file_type().is_symlink() || !meta.is_dir() {
            return Err(format!("`{out}` exists and is not a directory"));
        }
        let empty = std::fs::read_dir(out)
            .map_err(|e| format!("cannot read `{out}`: {e}"))?
            .next()
            .is_none();
        if !empty && !force {
            return Err(format!(
                "`{out}` is not empty; pass `--force` to replace it"
            ));
        }
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_str().is_empty())
        .unwrap_or(Utf8Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("cannot create `{parent}`: {e}"))?;
    let name = out
        .file_name()
        .ok_or_else(|| format!("`{out}` has no directory name"))?;
    let tmp = unique(parent, &format!(".{name}.galley-tmp"));
    let result = fill(&tmp, files, executable).and_then(|()| swap_in(&tmp, out, parent, name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn fill(
    dir: &Utf8Path,
    files: &BTreeMap<String, Vec<u8>>,
    executable: &BTreeSet<String>,
) -> Result<(), String> {
    std::fs::create_dir(dir).map_err(|e| format!("cannot create `{dir}`: {e}"))?;
    // Directories this call made: the tree is new, so each needs making once.
    let mut made: BTreeSet<camino::Utf8PathBuf> = BTreeSet::new();
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(p) = path.parent()
            && p != dir
            && !made.contains(p)
        {
            std::fs::create_dir_all(p).map_err(|e| format!("cannot create `{p}`: {e}"))?;
            made.insert(p.to_path_buf());
        }
        let mut f =
            std::fs::File::create(&path).map_err(|e| format!("cannot write `{path}`: {e}"))?;
        f.write_all(bytes)
            .map_err(|e| format!("cannot write `{path}`: {e}"))?;
        if executable.contains(rel) {
            make_executable(&f).map_err(|e| format!("cannot make `{path}` executable: {e}"))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn make_executable(f: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

fn swap_in(tmp: &Utf8Path, out: &Utf8Path, parent: &Utf8Path, name: &str) -> Result<(), String> {
    if out.exists() {
        let old = unique(parent, &format!(".{name}.galley-old"));
        std::fs::rename(out, &old).map_err(|e| format!("cannot move `{out}` aside: {e}"))?;
        std::fs::rename(tmp, out).map_err(|e| format!("cannot move output into `{out}`: {e}"))?;
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(tmp, out).map_err(|e| format!("cannot move output into `{out}`: {e}"))?;
    }
    Ok(())
}

fn unique(parent: &Utf8Path, stem: &str) -> Utf8PathBuf {
    let pid = std::process::id();
    (0u32..)
        .map(|n| parent.join(format!("{stem}-{pid}-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| parent.join(stem))
}

/// Replace one file atomically (write a sibling, then rename over it).
pub fn write_file(path: &Utf8Path, bytes: &[u8]) -> Result<(), String> {
    let parent = path
        .parent()
        .filter(|p| !p.as_str().is_empty())
        .unwrap_or(Utf8Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| format!("`{path}` is not a file name"))?;
    let tmp = unique(parent, &format!(".{name}.galley-tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write `{tmp}`: {e}"))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace `{path}`: {e}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escaping_paths_and_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("galley-write-{}", std::process::id()));
        let out = Utf8PathBuf::from_path_buf(dir.join("out")).unwrap();
        let files = BTreeMap::from([("../evil".to_string(), b"x".to_vec())]);
        assert!(write_tree(&out, &files, false).is_err());
        assert!(!out.exists());
        let files = BTreeMap::from([("a/b.txt".to_string(), b"x".to_vec())]);
        write_tree(&out, &files, false).unwrap();
        assert_eq!(std::fs::read(out.join("a/b.txt")).unwrap(), b"x");
        assert!(
            write_tree(&out, &files, false).is_err(),
            "non-empty without --force"
        );
        write_tree(&out, &files, true).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
