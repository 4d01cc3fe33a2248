//! Data roots: where overlays, declarations, values files and manifests come from.
//!
//! A [`DataSet`] is a stack of [`Root`]s: the embedded library first (its `stdlib/` and
//! `recipes/` trees, compiled into the binary), then each `--data` directory. Every file is
//! addressed by a relative path with `/` separators. A file reference (`values
//! "components/x/values.yaml"`) resolves to the topmost root that has the path, so a data
//! directory replaces an embedded file by giving the same relative path, as the reference does.
//!
//! Reading a directory never follows symbolic links: a link is recorded as such, and a file
//! reference that reaches one is an error. Files over [`MAX_FILE_SIZE`] are recorded and
//! refused, and so are pipes, devices and sockets (they are never opened). Hidden names
//! (starting with `.`) are not read, and a reference to one says so. The walk is sorted, so
//! results never depend on the order the OS lists entries in.

use crate::input::InputError;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The embedded roots' files, `EMBEDDED_STDLIB` and `EMBEDDED_RECIPES`: `(path, text)` in path
/// order, the text `None` for a file that is not UTF-8 (written by `build.rs`).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded-files.rs"));
}
use embedded::{EMBEDDED_RECIPES, EMBEDDED_STDLIB};

pub use crate::input::MAX_FILE_SIZE;

/// What a relative path holds in one root.
#[derive(Clone, Debug)]
pub enum Entry {
    Text(Arc<str>),
    /// A symbolic link (never followed), or a path below one.
    Symlink,
    TooLarge(u64),
    /// Present but unreadable or not UTF-8; the string says why.
    Unreadable(String),
}

/// One layer of data.
#[derive(Clone, Debug)]
pub struct Root {
    /// Shown to users: `embedded` or the directory as given.
    pub label: String,
    /// Directory on disk, for file names in diagnostics (`None` when embedded).
    pub dir: Option<Utf8PathBuf>,
    pub embedded: bool,
    pub files: BTreeMap<String, Entry>,
}

impl Root {
    /// The embedded declarations (`stdlib/`, compiled into the binary).
    pub fn embedded_stdlib() -> Root {
        Root::embedded_tree("embedded stdlib", "stdlib", EMBEDDED_STDLIB)
    }

    /// The embedded recipe library (`recipes/`, compiled into the binary).
    pub fn embedded_recipes() -> Root {
        Root::embedded_tree("embedded recipes", "recipes", EMBEDDED_RECIPES)
    }

    fn embedded_tree(label: &str, dir: &str, table: &[(&str, Option<&str>)]) -> Root {
        let files = table
            .iter()
            .map(|&(rel, text)| {
                let entry = match text {
                    Some(text) => Entry::Text(Arc::from(text)),
                    None => Entry::Unreadable("not UTF-8 text".into()),
                };
                (rel.to_string(), entry)
            })
            .collect();
        Root {
            label: label.into(),
            dir: Some(Utf8PathBuf::from(dir)),
            embedded: true,
            files,
        }
    }

    /// Read a directory tree from disk.
    pub fn from_dir(dir: &Utf8Path) -> Result<Root, String> {
        // `LINK/` and `LINK/.` name the link's target; the link itself is what is refused.
        let lexical: Utf8PathBuf = dir.components().collect();
        let meta = std::fs::symlink_metadata(&lexical)
            .map_err(|e| format!("cannot read data directory `{dir}`: {e}"))?;
        if meta.file_type().is_symlink() {
            return Err(format!("data directory `{dir}` is a symbolic link"));
        }
        if !meta.is_dir() {
            return Err(format!("data path `{dir}` is not a directory"));
        }
        let mut files = BTreeMap::new();
        walk(dir, "", &mut files, 0)?;
        Ok(Root {
            label: dir.to_string(),
            dir: Some(dir.to_owned()),
            embedded: false,
            files,
        })
    }

    /// A single file given on the command line, as a root holding just that file.
    pub fn from_file(path: &Utf8Path) -> Result<Root, String> {
        let name = path
            .file_name()
            .ok_or_else(|| format!("`{path}` is not a file name"))?;
        let meta =
            std::fs::symlink_metadata(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
        if !meta.is_file() && !meta.file_type().is_symlink() {
            let what = crate::input::kind_name(meta.file_type());
            return Err(InputError::NotAFile(what).report("", path));
        }
        let dir = path.parent().unwrap_or(Utf8Path::new("."));
        let mut files = BTreeMap::new();
        files.insert(name.to_string(), read_entry(path)?);
        Ok(Root {
            label: path.to_string(),
            dir: Some(dir.to_owned()),
            embedded: false,
            files,
        })
    }

    /// The name a file of this root is shown under in diagnostics.
    pub fn display_name(&self, rel: &str) -> String {
        match &self.dir {
            Some(dir) if dir.as_str() == "." => rel.to_string(),
            Some(dir) => dir.join(rel).to_string(),
            None => rel.to_string(),
        }
    }
}

const MAX_DEPTH: usize = 32;

fn walk(
    dir: &Utf8Path,
    prefix: &str,
    files: &mut BTreeMap<String, Entry>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "`{dir}` is nested more than {MAX_DEPTH} directories deep"
        ));
    }
    let mut names = Vec::new();
    let read = std::fs::read_dir(dir).map_err(|e| format!("cannot read `{dir}`: {e}"))?;
    for entry in read {
        let entry = entry.map_err(|e| format!("cannot read `{dir}`: {e}"))?;
        match entry.file_name().into_string() {
            Ok(name) => names.push(name),
            Err(name) => {
                let rel = format!("{prefix}{}", name.to_string_lossy());
                files.insert(rel, Entry::Unreadable("file name is not UTF-8".into()));
            }
        }
    }
    names.sort();
    for name in names {
        if name.starts_with('.') || (depth == 0 && name == "target") {
            continue;
        }
        let path = dir.join(&name);
        let rel = format!("{prefix}{name}");
        let meta =
            std::fs::symlink_metadata(&path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
        if meta.file_type().is_symlink() {
            files.insert(rel, Entry::Symlink);
        } else if meta.is_dir() {
            walk(&path, &format!("{rel}/"), files, depth + 1)?;
        } else {
            files.insert(rel, read_entry(&path)?);
        }
    }
    Ok(())
}

/// A regular file's text (bounded by [`MAX_FILE_SIZE`]); anything else is recorded as what it
/// is: a link is never followed, and a pipe, device or socket is never opened.
fn read_entry(path: &Utf8Path) -> Result<Entry, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    if meta.file_type().is_symlink() {
        return Ok(Entry::Symlink);
    }
    if !meta.is_file() {
        let what = crate::input::kind_name(meta.file_type());
        return Ok(Entry::Unreadable(format!(
            "it is {what}, not a regular file"
        )));
    }
    Ok(match crate::input::read_tree_text(path) {
        Ok(text) => Entry::Text(Arc::from(text)),
        Err(InputError::TooLarge(n)) => Entry::TooLarge(n.unwrap_or(MAX_FILE_SIZE + 1)),
        Err(InputError::NotUtf8) => Entry::Unreadable("not UTF-8 text".into()),
        Err(e) => Entry::Unreadable(e.to_string()),
    })
}

/// Why a relative file reference cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefError {
    /// Absolute, `..`, backslashes, empty segments: the path leaves (or could leave) the root.
    OutsideRoot,
    Missing,
    /// A name on the path starts with `.`: data directories are read without hidden files.
    Hidden,
    Symlink,
    TooLarge(u64),
    Unreadable(String),
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::OutsideRoot => f.write_str("the path leaves its data root"),
            RefError::Missing => f.write_str("no such file"),
            RefError::Hidden => f.write_str(
                "it is hidden (a name starts with `.`), and galley does not load hidden files",
            ),
            RefError::Symlink => f.write_str("it is reached through a symbolic link"),
            RefError::TooLarge(n) => write!(f, "the file is too large ({n} bytes)"),
            RefError::Unreadable(why) => write!(f, "it cannot be read: {why}"),
        }
    }
}

/// Check that a reference is a plain relative path inside a root.
pub fn validate_relative(path: &str) -> Result<(), RefError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        || (path.len() > 1 && path.as_bytes()[1] == b':');
    if bad {
        Err(RefError::OutsideRoot)
    } else {
        Ok(())
    }
}

/// A stack of roots, lowest first.
#[derive(Clone, Debug, Default)]
pub struct DataSet {
    pub roots: Vec<Root>,
}

impl DataSet {
    pub fn new(roots: Vec<Root>) -> Self {
        DataSet { roots }
    }

    /// Resolve a file reference: the topmost root that has the path (or a link on the way).
    pub fn resolve(&self, path: &str) -> Result<(usize, &Arc<str>), RefError> {
        validate_relative(path)?;
        for (index, root) in self.roots.iter().enumerate().rev() {
            if let Some(entry) = lookup(root, path) {
                return match entry {
                    Entry::Text(text) => Ok((index, text)),
                    Entry::Symlink => Err(RefError::Symlink),
                    Entry::TooLarge(n) => Err(RefError::TooLarge(*n)),
                    Entry::Unreadable(why) => Err(RefError::Unreadable(why.clone())),
                };
            }
        }
        if path.split('/').any(|seg| seg.starts_with('.')) {
            return Err(RefError::Hidden);
        }
        Err(RefError::Missing)
    }
}

/// The entry at `path`, or a symlink entry if a directory on the way is a link.
fn lookup<'a>(root: &'a Root, path: &str) -> Option<&'a Entry> {
    if let Some(entry) = root.files.get(path) {
        return Some(entry);
    }
    let mut end = 0;
    while let Some(i) = path[end..].find('/') {
        end += i;
        if let Some(Entry::Symlink) = root.files.get(&path[..end]) {
            return root.files.get(&path[..end]);
        }
        end += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build script's file tables hold exactly the files on disk, with their text.
    #[test]
    fn embedded_roots_hold_every_file_of_the_library() {
        let repo = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for (root, dir) in [
            (Root::embedded_stdlib(), "stdlib"),
            (Root::embedded_recipes(), "recipes"),
        ] {
            let mut on_disk = BTreeMap::new();
            walk(&repo.join(dir), "", &mut on_disk, 0).unwrap();
            assert!(on_disk.len() > 10, "{dir}: {} files", on_disk.len());
            let names = |m: &BTreeMap<String, Entry>| m.keys().cloned().collect::<Vec<_>>();
            assert_eq!(names(&root.files), names(&on_disk), "{dir}");
            for (rel, entry) in &on_disk {
                match (entry, &root.files[rel]) {
                    (Entry::Text(disk), Entry::Text(embedded)) => {
                        assert_eq!(disk, embedded, "{rel}")
                    }
                    (disk, embedded) => panic!("{rel}: {disk:?} on disk, {embedded:?} embedded"),
                }
            }
        }
    }

    #[test]
    fn rejects_paths_that_leave_the_root() {
        for bad in [
            "/etc/passwd",
            "../x",
            "a/../../b",
            "a//b",
            "a\\b",
            "./a",
            "C:/x",
            "",
        ] {
            assert_eq!(validate_relative(bad), Err(RefError::OutsideRoot), "{bad}");
        }
        assert_eq!(validate_relative("components/a/values.yaml"), Ok(()));
    }

    #[test]
    fn top_root_wins_and_links_are_refused() {
        let mk = |label: &str, files: &[(&str, Entry)]| Root {
            label: label.into(),
            dir: None,
            embedded: false,
            files: files
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        };
        let low = mk("low", &[("a/x.yaml", Entry::Text("low".into()))]);
        let high = mk(
            "high",
            &[
                ("a/x.yaml", Entry::Text("high".into())),
                ("l", Entry::Symlink),
            ],
        );
        let set = DataSet::new(vec![low, high]);
        assert_eq!(&**set.resolve("a/x.yaml").unwrap().1, "high");
        assert_eq!(set.resolve("l/y.yaml"), Err(RefError::Symlink));
        assert_eq!(set.resolve("nope.yaml"), Err(RefError::Missing));
    }
}
