//! `galley verify`: a bundle's files against its `checksums.txt` — every listed file present
//! with its sha256, no file missing, none extra. `checksums.txt` itself, galley's output
//! marker and the attestation (which signs `checksums.txt`) are not listed (docs/oci.md).

use super::{Error, Files};
use crate::write::MARKER;
use camino::Utf8Path;
use std::collections::BTreeMap;

pub const CHECKSUMS: &str = "checksums.txt";

/// The bundle's problems, one line each, sorted by path; empty when it verifies.
pub fn check(files: &Files) -> Vec<String> {
    let Some(sums) = files.files.get(CHECKSUMS) else {
        return vec![format!(
            "`{CHECKSUMS}` is missing: nothing says what the bundle holds"
        )];
    };
    let listed = match parse(sums) {
        Ok(l) => l,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    for (path, want) in &listed {
        match files.files.get(*path) {
            None => problems.push(format!("`{path}`: missing")),
            Some(bytes) => {
                let got = super::digest_of(bytes);
                if got.strip_prefix("sha256:") != Some(*want) {
                    problems.push(format!(
                        "`{path}`: sha256 is {}, `{CHECKSUMS}` says {want}",
                        &got[7..]
                    ));
                }
            }
        }
    }
    for path in files.files.keys() {
        let exempt = [CHECKSUMS, MARKER, super::attest::ATTESTATION].contains(&path.as_str());
        if !exempt && !listed.contains_key(path.as_str()) {
            problems.push(format!("`{path}`: not listed in `{CHECKSUMS}`"));
        }
    }
    problems.sort();
    problems
}

/// `HEX  path` lines into path → hex.
fn parse(text: &[u8]) -> Result<BTreeMap<&str, &str>, String> {
    let text = std::str::from_utf8(text).map_err(|_| format!("`{CHECKSUMS}` is not UTF-8"))?;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let parsed = line.split_once("  ").filter(|(hex, path)| {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                && !path.is_empty()
        });
        let Some((hex, path)) = parsed else {
            return Err(format!(
                "`{CHECKSUMS}` line {}: not `SHA256  PATH`: `{}`",
                n + 1,
                line.chars().take(120).collect::<String>()
            ));
        };
        if out.insert(path, hex).is_some() {
            return Err(format!("`{CHECKSUMS}` lists `{path}` twice"));
        }
    }
    Ok(out)
}

/// Read the bundle directory `dir`: regular files only; a link or special file is an error
/// naming it (a bundle holds neither).
pub fn read_dir(dir: &Utf8Path) -> Result<Files, Error> {
    let meta =
        std::fs::metadata(dir).map_err(|e| Error::usage(format!("cannot read `{dir}`: {e}")))?;
    if !meta.is_dir() {
        return Err(Error::usage(format!(
            "`{dir}` is not a directory\nhelp: give the directory `galley bundle -o DIR` or `galley pull -o DIR` wrote, or an `oci://` reference"
        )));
    }
    let mut files = Files::default();
    walk(dir, "", &mut files)?;
    Ok(files)
}

fn walk(root: &Utf8Path, rel: &str, files: &mut Files) -> Result<(), Error> {
    let here = root.join(rel);
    let entries = here
        .read_dir_utf8()
        .map_err(|e| Error::usage(format!("cannot read `{here}`: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::usage(format!("cannot read `{here}`: {e}")))?;
        let path = if rel.is_empty() {
            entry.file_name().to_string()
        } else {
            format!("{rel}/{}", entry.file_name())
        };
        let kind = entry
            .file_type()
            .map_err(|e| Error::usage(format!("cannot read `{}`: {e}", entry.path())))?;
        if kind.is_dir() {
            walk(root, &path, files)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(entry.path())
                .map_err(|e| Error::usage(format!("cannot read `{}`: {e}", entry.path())))?;
            files.files.insert(path, bytes);
        } else {
            return Err(Error::content(format!(
                "`{path}` is a link or special file; a bundle holds only files and directories"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Files {
        let mut f = Files::default();
        f.files.insert("a.txt".into(), b"a\n".to_vec());
        f.files.insert("d/b.txt".into(), b"b\n".to_vec());
        let mut sums = String::new();
        for (p, b) in &f.files {
            sums.push_str(&format!("{}  {p}\n", &super::super::digest_of(b)[7..]));
        }
        f.files.insert(CHECKSUMS.into(), sums.into_bytes());
        f.files.insert(MARKER.into(), b"galley".to_vec());
        f
    }

    #[test]
    fn a_whole_bundle_verifies() {
        assert_eq!(check(&bundle()), Vec::<String>::new());
    }

    #[test]
    fn reports_altered_missing_and_extra_files() {
        let mut f = bundle();
        f.files.insert("a.txt".into(), b"changed\n".to_vec());
        f.files.remove("d/b.txt");
        f.files.insert("extra".into(), Vec::new());
        let p = check(&f);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].starts_with("`a.txt`: sha256 is"), "{p:?}");
        assert_eq!(p[1], "`d/b.txt`: missing");
        assert_eq!(p[2], "`extra`: not listed in `checksums.txt`");
    }

    #[test]
    fn reports_a_missing_or_malformed_checksums_file() {
        let mut f = bundle();
        f.files.insert(CHECKSUMS.into(), b"nonsense\n".to_vec());
        assert!(check(&f)[0].contains("line 1: not `SHA256  PATH`"));
        f.files.remove(CHECKSUMS);
        assert!(check(&f)[0].contains("is missing"));
    }
}
