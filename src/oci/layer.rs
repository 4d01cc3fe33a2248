//! The bundle as one reproducible `tar+gzip` layer, and the guarded unpacker `pull` uses.
//!
//! Packing: every directory then every file, sorted by path; directories 0755, files 0644 or
//! 0755 (the scripts); owner 0:0 without names; one fixed mtime; GNU long names past 100
//! bytes; gzip with no name, no time and OS byte 255. Unpacking accepts only regular files
//! and directories with relative paths that stay inside, and stops at a size cap counted
//! while decompressing, so a gzip bomb costs no more than the cap.

use super::{Error, Files, digest_of};
use flate2::Compression;
use flate2::read::GzDecoder;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::rc::Rc;
use tar::{EntryType, Header};

/// A packed layer: the gzip bytes, their digest, and the digest of the tar inside.
#[derive(Clone, Debug)]
pub struct Layer {
    pub gzip: Vec<u8>,
    pub digest: String,
    pub tar_digest: String,
}

/// Pack `files` into a layer with every entry's mtime `mtime`.
#[allow(clippy::expect_used)] // gzip into a Vec: writing to memory cannot fail
pub fn pack(files: &Files, mtime: u64) -> Layer {
    let tar = tar_bytes(files, mtime);
    let tar_digest = digest_of(&tar);
    let mut gz = flate2::GzBuilder::new()
        .operating_system(255)
        .mtime(0)
        .write(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    gz.write_all(&tar).expect("gzip into memory");
    let gzip = gz.finish().expect("gzip into memory");
    Layer {
        digest: digest_of(&gzip),
        gzip,
        tar_digest,
    }
}

// tar into a Vec: writing to memory cannot fail, and the paths are a bundle tree's
// relative paths, which the tar builder takes (long ones as GNU long names).
#[allow(clippy::expect_used)]
fn tar_bytes(files: &Files, mtime: u64) -> Vec<u8> {
    let mut dirs = BTreeSet::new();
    for path in files.files.keys() {
        let mut rest = path.as_str();
        while let Some((parent, _)) = rest.rsplit_once('/') {
            dirs.insert(format!("{parent}/"));
            rest = parent;
        }
    }
    let mut builder = tar::Builder::new(Vec::new());
    for dir in &dirs {
        let mut h = header(EntryType::Directory, 0o755, 0, mtime);
        builder
            .append_data(&mut h, dir, std::io::empty())
            .expect("tar into memory");
    }
    for (path, bytes) in &files.files {
        let mode = if files.executable.contains(path) {
            0o755
        } else {
            0o644
        };
        let mut h = header(EntryType::Regular, mode, bytes.len() as u64, mtime);
        builder
            .append_data(&mut h, path, bytes.as_slice())
            .expect("tar into memory");
    }
    builder.into_inner().expect("tar into memory")
}

fn header(kind: EntryType, mode: u32, size: u64, mtime: u64) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(mtime);
    h.set_size(size);
    h
}

/// Counts what passes through, failing past `cap` bytes (and saying so in `exceeded`, which
/// survives however the tar reader wraps the error).
struct Capped<R> {
    inner: R,
    read: u64,
    cap: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            self.exceeded.set(true);
            return Err(std::io::Error::other("size cap exceeded"));
        }
        Ok(n)
    }
}

/// Unpack a `tar+gzip` layer into files, refusing what could leave the directory and
/// stopping once more than `cap` bytes come out of the gzip stream.
pub fn unpack(gzip: &[u8], cap: u64) -> Result<Files, Error> {
    let exceeded = Rc::new(Cell::new(false));
    let capped = Capped {
        inner: GzDecoder::new(gzip),
        read: 0,
        cap,
        exceeded: exceeded.clone(),
    };
    let mut archive = tar::Archive::new(capped);
    let io = |e: std::io::Error| read_error(&e, exceeded.get(), cap);
    let mut out = Files::default();
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let Some(path) = clean_path(&name)? else {
            continue;
        };
        match entry.header().entry_type() {
            // Directories come from the files' paths; a global pax header is metadata.
            EntryType::Directory | EntryType::XGlobalHeader => {}
            EntryType::Regular | EntryType::Continuous => {
                let mode = entry.header().mode().map_err(io)?;
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).map_err(io)?;
                if out.files.contains_key(&path) {
                    return Err(Error::content(format!(
                        "refusing the archive: `{name}` appears twice"
                    )));
                }
                if mode & 0o111 != 0 {
                    out.executable.insert(path.clone());
                }
                out.files.insert(path, bytes);
            }
            other => return Err(refuse_kind(&name, other, entry.link_name_bytes())),
        }
    }
    Ok(out)
}

fn read_error(e: &std::io::Error, exceeded: bool, cap: u64) -> Error {
    if exceeded {
        Error::content(format!(
            "refusing the archive: it unpacks to more than {cap} bytes\nhelp: raise `--max-size` if the bundle is really this large"
        ))
    } else {
        Error::content(format!("the layer is not a readable tar+gzip archive: {e}"))
    }
}

/// The entry's path relative to the bundle (`./` prefixes and trailing `/` dropped), `None`
/// for the root itself; an error for an absolute path or one with `..`.
fn clean_path(name: &str) -> Result<Option<String>, Error> {
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return Err(Error::content(format!(
            "refusing the archive entry `{name}`: an absolute path would leave the directory"
        )));
    }
    let parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(Error::content(format!(
            "refusing the archive entry `{name}`: `..` would leave the directory"
        )));
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

fn refuse_kind(name: &str, kind: EntryType, link: Option<std::borrow::Cow<'_, [u8]>>) -> Error {
    let what = match kind {
        EntryType::Symlink => "a symbolic link",
        EntryType::Link => "a hard link",
        EntryType::Char | EntryType::Block => "a device file",
        EntryType::Fifo => "a named pipe",
        _ => "not a regular file or directory",
    };
    let target = link
        .map(|l| format!(" to `{}`", String::from_utf8_lossy(&l)))
        .unwrap_or_default();
    Error::content(format!(
        "refusing the archive entry `{name}`: it is {what}{target}; a bundle holds only files and directories"
    ))
}

#[cfg(test)]
mod tests;
