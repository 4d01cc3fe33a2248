//! A bundle tree as a zip: the files `galley bundle` writes, in path order, deflated, every
//! entry stamped 1980-01-01 so the same bundle is the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use zip::write::SimpleFileOptions;

pub fn zip_tree(
    files: &BTreeMap<String, Vec<u8>>,
    executable: &BTreeSet<String>,
) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let base = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (path, bytes) in files {
        let mode = if executable.contains(path) {
            0o755
        } else {
            0o644
        };
        zip.start_file(path.as_str(), base.unix_permissions(mode))
            .and_then(|()| zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| format!("cannot add `{path}` to the zip: {e}"))?;
    }
    zip.finish()
        .map(std::io::Cursor::into_inner)
        .map_err(|e| format!("cannot finish the zip: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_tree_same_bytes_and_entries_read_back() {
        let mut files = BTreeMap::new();
        files.insert("b/x.yaml".to_string(), b"x: 1\n".to_vec());
        files.insert("a.sh".to_string(), b"#!/bin/sh\n".to_vec());
        let exec: BTreeSet<String> = ["a.sh".to_string()].into();
        let one = zip_tree(&files, &exec).unwrap();
        let two = zip_tree(&files, &exec).unwrap();
        assert_eq!(one, two);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(one)).unwrap();
        assert_eq!(archive.len(), 2);
        let first = archive.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "a.sh");
        assert_eq!(first.unix_mode().map(|m| m & 0o777), Some(0o755));
    }
}
