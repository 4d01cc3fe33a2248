//! Writing an output directory (`bundle -o DIR`, `import --out DIR`).
//!
//! The tree is written into a temporary sibling and renamed into place, so a failure leaves
//! nothing behind and a reader never sees half a tree. Every tree holds [`MARKER`]; `--force`
//! replaces only a directory that holds it (or an empty one), never the current or home
//! directory, `/`, an input or a directory that holds one. The final rename never replaces
//! what another run put in place meanwhile.

use super::rename::{self, Placed};
use super::temp;
use crate::data::validate_relative;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// The file galley writes into every output directory, which `--force` looks for. It is not
/// listed in a bundle's `checksums.txt`.
pub const MARKER: &str = ".galley-output";

const MARKER_TEXT: &str = "This directory was written by galley. `--force` may replace it whole.\n";

/// Where a tree goes and what may be replaced there.
pub struct Target<'a> {
    pub dir: &'a Utf8Path,
    /// Replace a non-empty directory galley wrote.
    pub force: bool,
    /// The command's inputs: never replaced, nor any directory that holds one.
    pub inputs: Vec<&'a Utf8Path>,
}

/// What is at the output path before the write.
enum Found {
    Absent,
    Empty,
    Galley,
}

/// Write `files` (relative path → bytes; those in `executable` with mode 0755) as the
/// directory `target.dir`, with [`MARKER`].
pub fn write_tree(
    target: &Target<'_>,
    files: &BTreeMap<String, Vec<u8>>,
    executable: &BTreeSet<String>,
) -> Result<(), String> {
    let out = target.dir;
    for rel in files.keys() {
        validate_relative(rel)
            .map_err(|_| format!("refusing to write `{rel}`: it would leave `{out}`"))?;
    }
    let name = out.file_name().ok_or_else(|| {
        format!(
            "refusing to write `{out}`: it does not end in a directory name (it is `/`, `.` or `..`)\nhelp: name a new directory, e.g. `-o ./bundle`"
        )
    })?;
    let parent = super::parent_of(out);
    std::fs::create_dir_all(parent).map_err(|e| format!("cannot create `{parent}`: {e}"))?;
    let dest = parent.join(name);
    let stem = temp::stem(name);
    temp::sweep(parent);
    let found = inspect(target, &dest)?;
    let tmp = temp::create_dir(parent, &stem, temp::TMP)?;
    let result = fill(&tmp, files, executable).and_then(|()| match found {
        Found::Absent => place_new(&tmp, &dest, out),
        Found::Empty => place_over_empty(&tmp, &dest, out),
        Found::Galley => place_over_galley(&tmp, &dest, out, parent, &stem),
    });
    // After a failed swap-back `tmp` may hold what was at `out`: removed only if galley's.
    if result.is_err() && ours(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Look at what is at `dest` (`target.dir` without a trailing `/`, which would follow a
/// link), refusing what must not be replaced.
fn inspect(target: &Target<'_>, dest: &Utf8Path) -> Result<Found, String> {
    let out = target.dir;
    let meta = match std::fs::symlink_metadata(dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(e) => return Err(format!("cannot read `{out}`: {e}")),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        return Err(format!(
            "refusing to write `{out}`: it is a symbolic link, which galley never replaces\nhelp: give the directory it points to, or another path"
        ));
    }
    if !meta.is_dir() {
        return Err(format!(
            "refusing to write `{out}`: it exists and is not a directory\nhelp: give another path, or remove it"
        ));
    }
    let found = if is_empty(dest) {
        Found::Empty
    } else if !has_marker(dest) {
        let help = if target.force {
            "galley replaces only a directory it wrote (one holding `.galley-output`) or an empty one; give another path, or remove it yourself"
        } else {
            "give another path, or remove it yourself (`--force` replaces only a directory galley wrote, one holding `.galley-output`)"
        };
        return Err(format!(
            "refusing to replace `{out}`: it is not empty and galley did not write it\nhelp: {help}"
        ));
    } else if !target.force {
        return Err(format!(
            "`{out}` is not empty\nhelp: it holds an earlier galley output; pass `--force` to replace it whole"
        ));
    } else {
        Found::Galley
    };
    protect(out, dest, &target.inputs)?;
    Ok(found)
}

/// Refuse to replace the current or home directory, `/`, an input, or what holds one.
fn protect(out: &Utf8Path, dest: &Utf8Path, inputs: &[&Utf8Path]) -> Result<(), String> {
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    let Some(real) = canonical(dest.as_std_path()) else {
        return Err(format!(
            "cannot read `{out}`: it changed while galley looked at it"
        ));
    };
    let mut guarded: Vec<(std::path::PathBuf, String)> = Vec::new();
    if let Some(cwd) = std::env::current_dir().ok().and_then(|d| canonical(&d)) {
        guarded.push((cwd, "the current directory".into()));
    }
    if let Some(home) = std::env::var_os("HOME").and_then(|h| canonical(h.as_ref())) {
        guarded.push((home, "your home directory".into()));
    }
    for input in inputs {
        if let Some(p) = canonical(input.as_std_path()) {
            guarded.push((p, format!("the input `{input}`")));
        }
    }
    let why = if real.parent().is_none() {
        Some("it is the root directory".to_string())
    } else {
        guarded.iter().find_map(|(p, what)| {
            (p == &real)
                .then(|| format!("it is {what}"))
                .or_else(|| p.starts_with(&real).then(|| format!("it holds {what}")))
        })
    };
    match why {
        Some(why) => Err(format!(
            "refusing to replace `{out}`: {why}\nhelp: write to a new directory that is not an input and holds none"
        )),
        None => Ok(()),
    }
}

pub(super) fn is_empty(dir: &Utf8Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

/// Whether `dir` holds galley's marker: a regular file (not a link) with galley's text.
pub(super) fn has_marker(dir: &Utf8Path) -> bool {
    let path = dir.join(MARKER);
    let small = std::fs::symlink_metadata(&path)
        .is_ok_and(|m| m.is_file() && m.len() == MARKER_TEXT.len() as u64);
    small && std::fs::read(&path).is_ok_and(|b| b == MARKER_TEXT.as_bytes())
}

fn fill(
    dir: &Utf8Path,
    files: &BTreeMap<String, Vec<u8>>,
    executable: &BTreeSet<String>,
) -> Result<(), String> {
    // The marker first: a run killed mid-fill leaves a tree a later run may remove.
    let marker = dir.join(MARKER);
    std::fs::write(&marker, MARKER_TEXT).map_err(|e| format!("cannot write `{marker}`: {e}"))?;
    // Directories this call made: the tree is new, so each needs making once.
    let mut made: BTreeSet<Utf8PathBuf> = BTreeSet::new();
    for (rel, bytes) in files.iter().filter(|(rel, _)| rel.as_str() != MARKER) {
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
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("cannot make `{path}` executable: {e}"))?;
        }
    }
    Ok(())
}

fn appeared(out: &Utf8Path) -> String {
    format!(
        "`{out}` appeared while galley was writing it (another run writing the same place?); nothing was replaced\nhelp: give another path, or remove `{out}` and run again"
    )
}

/// Nothing was there: rename, failing if something appeared meanwhile.
fn place_new(tmp: &Utf8Path, dest: &Utf8Path, out: &Utf8Path) -> Result<(), String> {
    match rename::no_replace(tmp, dest) {
        Ok(Placed::Done) => Ok(()),
        Ok(Placed::Taken) => Err(appeared(out)),
        Err(e) => Err(format!("cannot move the output into `{out}`: {e}")),
    }
}

/// An empty directory was there: a plain rename replaces it only while it is still empty.
fn place_over_empty(tmp: &Utf8Path, dest: &Utf8Path, out: &Utf8Path) -> Result<(), String> {
    match std::fs::rename(tmp, dest) {
        Ok(()) => Ok(()),
        Err(e) if rename::taken(&e) => Err(appeared(out)),
        Err(e) => Err(format!("cannot move the output into `{out}`: {e}")),
    }
}

/// A galley tree was there (`--force`): swap, then make sure what came out is galley's
/// before removing it; otherwise put it back.
fn place_over_galley(
    tmp: &Utf8Path,
    dest: &Utf8Path,
    out: &Utf8Path,
    parent: &Utf8Path,
    stem: &str,
) -> Result<(), String> {
    let old = match rename::exchange(tmp, dest) {
        Ok(true) => tmp,
        Ok(false) => return swap_aside(tmp, dest, out, parent, stem),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return place_new(tmp, dest, out),
        Err(e) => return Err(format!("cannot move the output into `{out}`: {e}")),
    };
    if !ours(old) {
        return Err(match rename::exchange(tmp, dest) {
            Ok(true) => changed(out),
            _ => format!(
                "`{out}` changed while galley was writing it; what was there is now at `{old}`\nhelp: move it back by hand"
            ),
        });
    }
    let _ = std::fs::remove_dir_all(old);
    Ok(())
}

/// [`place_over_galley`] where the filesystem cannot exchange: move the old tree aside (over
/// an empty directory made for it), put it back unless it is galley's, then move the new
/// one in.
fn swap_aside(
    tmp: &Utf8Path,
    dest: &Utf8Path,
    out: &Utf8Path,
    parent: &Utf8Path,
    stem: &str,
) -> Result<(), String> {
    let aside = temp::create_dir(parent, stem, temp::OLD)?;
    if let Err(e) = std::fs::rename(dest, &aside) {
        let _ = std::fs::remove_dir(&aside);
        return Err(format!("cannot move `{out}` aside: {e}"));
    }
    if !ours(&aside) {
        return Err(put_back(&aside, dest, out));
    }
    if let Err(e) = place_new(tmp, dest, out) {
        return Err(format!(
            "{e}\nnote: the output galley was replacing is at `{aside}`"
        ));
    }
    let _ = std::fs::remove_dir_all(&aside);
    Ok(())
}

/// Whether a tree moved out of the way is galley's (or empty), so removing it loses nothing.
fn ours(dir: &Utf8Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) && (is_empty(dir) || has_marker(dir))
}

fn changed(out: &Utf8Path) -> String {
    format!(
        "`{out}` changed while galley was writing it and is no longer a galley output; it was left as it was\nhelp: give another path"
    )
}

fn put_back(aside: &Utf8Path, dest: &Utf8Path, out: &Utf8Path) -> String {
    match rename::no_replace(aside, dest) {
        Ok(Placed::Done) => changed(out),
        _ => format!(
            "`{out}` changed while galley was writing it; what was there is now at `{aside}`\nhelp: move it back by hand"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> Utf8PathBuf {
        let dir = std::env::temp_dir().join(format!("galley-tree-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Utf8PathBuf::from_path_buf(dir).unwrap()
    }

    fn tree(dir: &Utf8Path, file: &str, galley: bool) {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join(file), file).unwrap();
        if galley {
            std::fs::write(dir.join(MARKER), MARKER_TEXT).unwrap();
        }
    }

    #[test]
    fn moving_aside_replaces_a_galley_tree_and_puts_back_any_other() {
        let dir = scratch("aside");
        let (tmp, dest) = (dir.join("new"), dir.join("out"));
        tree(&tmp, "new.txt", true);
        tree(&dest, "old.txt", true);
        swap_aside(&tmp, &dest, &dest, &dir, "out").unwrap();
        assert!(dest.join("new.txt").exists() && !dest.join("old.txt").exists());
        assert!(!tmp.exists());
        let names = || std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(names(), 1, "the old tree is removed");
        // A tree that is not galley's goes back where it was; the new one is left to the caller.
        std::fs::remove_dir_all(&dest).unwrap();
        tree(&tmp, "new.txt", true);
        tree(&dest, "mine.txt", false);
        let err = swap_aside(&tmp, &dest, &dest, &dir, "out").unwrap_err();
        assert!(err.contains("no longer a galley output"), "{err}");
        assert!(dest.join("mine.txt").exists() && tmp.join("new.txt").exists());
        assert_eq!(names(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_root_directory_is_never_replaced() {
        let root = Utf8Path::new("/");
        let err = protect(root, root, &[]).unwrap_err();
        assert!(err.contains("it is the root directory"), "{err}");
    }
}
