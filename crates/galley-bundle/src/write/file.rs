//! Writing one output file (`-o FILE`, `fmt`'s rewrite) without destroying what is there.
//!
//! | the target | what happens |
//! |---|---|
//! | absent | a sibling temporary file is written and renamed into place |
//! | a regular file | the same, and the new file keeps the old one's mode and owner |
//! | a character device or FIFO, or a link to one | written through, never replaced |
//! | a link to anything else, a directory, a block device, a socket | refused |

use super::rename::{self, Placed};
use super::temp;
use camino::Utf8Path;
use rustix::fs::{Mode, OFlags};
use std::fs::{File, Metadata};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

/// How often the target may change kind under a write before galley gives up.
const ATTEMPTS: usize = 3;

/// Write `bytes` to `path` (see the module's table).
pub fn write_file(path: &Utf8Path, bytes: &[u8]) -> Result<(), String> {
    let name = path
        .file_name()
        .ok_or_else(|| {
            format!(
                "refusing to write `{path}`: it does not end in a file name (it is `/`, `.` or `..`)\nhelp: name a file, e.g. `-o ./recipe.yaml`"
            )
        })?;
    let parent = super::parent_of(path);
    let dest = parent.join(name);
    let stem = temp::stem(name);
    temp::sweep(parent);
    for _ in 0..ATTEMPTS {
        match std::fs::symlink_metadata(&dest) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if replace(&dest, parent, &stem, bytes, None)? {
                    return Ok(());
                }
            }
            Err(e) => return Err(format!("cannot write `{path}`: {e}")),
            Ok(meta) if meta.is_file() => {
                replace(&dest, parent, &stem, bytes, Some(&meta))?;
                return Ok(());
            }
            Ok(meta) if meta.file_type().is_symlink() => return through_link(path, &dest, bytes),
            Ok(meta) if is_stream(&meta) => return write_through(path, &dest, bytes, false),
            Ok(meta) => return Err(refusal(path, &meta)),
        }
    }
    Err(format!(
        "cannot write `{path}`: something else keeps creating it meanwhile\nhelp: write to a path no other program writes"
    ))
}

fn is_stream(meta: &Metadata) -> bool {
    meta.file_type().is_char_device() || meta.file_type().is_fifo()
}

fn refusal(path: &Utf8Path, meta: &Metadata) -> String {
    let t = meta.file_type();
    let kind = if t.is_dir() {
        "a directory"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    format!(
        "refusing to write `{path}`: it is {kind}\nhelp: galley writes a regular file (replaced whole), a character device or a FIFO; give another path"
    )
}

/// A link is never replaced: written through when it leads to a device or FIFO (so
/// `-o /dev/stdout` works), refused otherwise.
fn through_link(path: &Utf8Path, dest: &Utf8Path, bytes: &[u8]) -> Result<(), String> {
    match std::fs::metadata(dest) {
        Ok(meta) if is_stream(&meta) => write_through(path, dest, bytes, true),
        Ok(_) => Err(format!(
            "refusing to write `{path}`: it is a symbolic link, which galley never replaces\nhelp: give the path it points to (or `-` for standard output), or remove the link"
        )),
        Err(_) => Err(format!(
            "refusing to write `{path}`: it is a symbolic link that points nowhere, which galley never replaces\nhelp: remove the link or give another path"
        )),
    }
}

/// Open an existing device or FIFO and write into it; never creates, never truncates a
/// regular file that took its place meanwhile (the kind is checked on the open file).
fn write_through(
    path: &Utf8Path,
    dest: &Utf8Path,
    bytes: &[u8],
    follow: bool,
) -> Result<(), String> {
    let mut flags = OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    let fd = rustix::fs::open(dest.as_str(), flags, Mode::empty())
        .map_err(|e| format!("cannot write `{path}`: {}", std::io::Error::from(e)))?;
    let mut file = File::from(fd);
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot write `{path}`: {e}"))?;
    if !is_stream(&meta) {
        return Err(format!(
            "cannot write `{path}`: it was replaced while galley opened it\nhelp: run again"
        ));
    }
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write `{path}`: {e}"))
}

/// Write a temporary sibling and rename it to `dest`: over the regular file `old` (whose
/// mode and owner it takes), or, with no `old`, only where nothing exists. `Ok(false)`: no
/// `old` was given and something appeared at `dest` meanwhile; nothing was changed.
fn replace(
    dest: &Utf8Path,
    parent: &Utf8Path,
    stem: &str,
    bytes: &[u8],
    old: Option<&Metadata>,
) -> Result<bool, String> {
    let (tmp, mut file) = temp::create_file(parent, stem)?;
    let result = fill(&mut file, bytes, old)
        .map_err(|e| format!("cannot write `{tmp}`: {e}"))
        .and_then(|()| {
            let placed = match old {
                Some(_) => std::fs::rename(&tmp, dest).map(|()| Placed::Done),
                None => rename::no_replace(&tmp, dest),
            };
            placed.map_err(|e| format!("cannot replace `{dest}`: {e}"))
        });
    match result {
        Ok(Placed::Done) => Ok(true),
        Ok(Placed::Taken) => {
            let _ = std::fs::remove_file(&tmp);
            Ok(false)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn fill(file: &mut File, bytes: &[u8], old: Option<&Metadata>) -> std::io::Result<()> {
    file.write_all(bytes)?;
    if let Some(old) = old {
        // The owner first: changing it clears set-user-ID bits, which the mode then restores.
        if old.uid() != rustix::process::geteuid().as_raw()
            || old.gid() != rustix::process::getegid().as_raw()
        {
            let _ = std::os::unix::fs::fchown(&*file, Some(old.uid()), Some(old.gid()));
        }
        file.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o7777))?;
    }
    Ok(())
}
