//! Reading the files a user names: one bounded reader for every input.
//!
//! Every file galley reads from a path goes through here: [`read_text`] for a file the user
//! names (a criteria file, a snapshot, a recipe, results, a file given to `check`, `fmt` or
//! `diff`), [`read_tree_text`] for each file of a data directory. It reads at most [`MAX_FILE_SIZE`] bytes, whatever the file claims to hold,
//! so a device like `/dev/zero` or a file that grows while it is read cannot exhaust memory.
//!
//! Only regular files and pipes are read. Directories, character and block devices and
//! sockets are refused before they are opened. A pipe (`/dev/stdin` fed by a pipe, a
//! process substitution `<(…)`, a named FIFO) is opened without waiting for a writer
//! (`O_NONBLOCK`), so a FIFO nobody writes to is reported at once instead of hanging; once a
//! writer is there it is read to its end, to the same bound.

use crate::diag::Code;
use camino::Utf8Path;
use rustix::fs::OFlags;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

/// The largest file galley reads (the reference's limit).
pub const MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Why an input could not be read.
#[derive(Debug)]
pub enum InputError {
    /// Missing, permission denied, or an I/O error while reading.
    Io(std::io::Error),
    /// Not a regular file or a pipe: what it is (`a directory`, `a character device`).
    NotAFile(&'static str),
    /// A named pipe that no process has open for writing.
    NoWriter,
    /// Over [`MAX_FILE_SIZE`]: its size when known (a pipe's is not).
    TooLarge(Option<u64>),
    NotUtf8,
}

impl InputError {
    pub fn code(&self) -> Code {
        match self {
            InputError::NotAFile(_) | InputError::NoWriter => Code::InputNotAFile,
            InputError::TooLarge(_) => Code::InputTooLarge,
            InputError::Io(_) | InputError::NotUtf8 => Code::Io,
        }
    }

    /// How to fix it, when there is something to say.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            InputError::NotAFile(_) => Some("name a regular file"),
            InputError::NoWriter => {
                Some("start the program that writes the pipe first, or save its output to a file")
            }
            InputError::TooLarge(_) => Some("galley reads files of up to 10 MiB"),
            InputError::Io(_) | InputError::NotUtf8 => None,
        }
    }

    /// A one-line report for a usage error: `cannot read ROLE `PATH`: REASON [CODE]`, and a
    /// `help:` line when there is one. `role` names what the file is for (`criteria file`), or
    /// is empty.
    pub fn report(&self, role: &str, path: &Utf8Path) -> String {
        let role = if role.is_empty() {
            String::new()
        } else {
            format!("{role} ")
        };
        let mut out = format!("cannot read {role}`{path}`: {self} [{}]", self.code());
        if let Some(help) = self.help() {
            out.push_str("\nhelp: ");
            out.push_str(help);
        }
        out
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Io(e) => write!(f, "{e}"),
            InputError::NotAFile(what) => write!(f, "it is {what}, not a regular file"),
            InputError::NoWriter => f.write_str("it is a pipe with nothing to read and no writer"),
            InputError::TooLarge(Some(n)) => write!(f, "it is {n} bytes, over the 10 MiB limit"),
            InputError::TooLarge(None) => f.write_str("it holds more than the 10 MiB limit"),
            InputError::NotUtf8 => f.write_str("it is not UTF-8 text"),
        }
    }
}

impl From<std::io::Error> for InputError {
    fn from(e: std::io::Error) -> Self {
        InputError::Io(e)
    }
}

/// What a file type is, in words (`a directory`, `a named pipe`).
pub fn kind_name(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_file() {
        "a regular file"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_fifo() {
        "a named pipe"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// What a named input is, when it is something galley does not read (all but regular files
/// and pipes).
fn refused_kind(file_type: std::fs::FileType) -> Option<&'static str> {
    (!file_type.is_file() && !file_type.is_fifo()).then(|| kind_name(file_type))
}

/// The file's text (following symbolic links), bounded; see the module documentation.
pub fn read_text(path: &Utf8Path) -> Result<String, InputError> {
    String::from_utf8(read_bytes(path, Found::Named)?).map_err(|_| InputError::NotUtf8)
}

/// The text of a file met in a directory walk: a symbolic link is not followed and only a
/// regular file is read, even if the path changed since the walk looked at it.
pub fn read_tree_text(path: &Utf8Path) -> Result<String, InputError> {
    String::from_utf8(read_bytes(path, Found::InTree)?).map_err(|_| InputError::NotUtf8)
}

/// How a path came to be read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    /// Named by the user: links are followed, pipes are read.
    Named,
    /// Met in a directory walk: regular files only, links never followed.
    InTree,
}

fn read_bytes(path: &Utf8Path, found: Found) -> Result<Vec<u8>, InputError> {
    if found == Found::Named
        && let Some(what) = refused_kind(std::fs::metadata(path)?.file_type())
    {
        return Err(InputError::NotAFile(what));
    }
    let mut flags = OFlags::NONBLOCK | OFlags::NOCTTY;
    if found == Found::InTree {
        flags |= OFlags::NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        // The bits fit an `int`: they are the C `O_*` constants.
        .custom_flags(flags.bits() as i32)
        .open(path)?;
    // The path may have been replaced between the look and the open: judge what was opened.
    let meta = file.metadata()?;
    let file_type = meta.file_type();
    let refused = match found {
        Found::Named => refused_kind(file_type),
        Found::InTree => (!file_type.is_file()).then(|| kind_name(file_type)),
    };
    if let Some(what) = refused {
        return Err(InputError::NotAFile(what));
    }
    if file_type.is_fifo() {
        return read_pipe(file);
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(InputError::TooLarge(Some(meta.len())));
    }
    read_bounded(file, Some(meta.len()))
}

/// A pipe opened without blocking: nothing to read and no writer is a FIFO nobody feeds;
/// otherwise it blocks again and is read to the end.
fn read_pipe(file: File) -> Result<Vec<u8>, InputError> {
    let mut first = [0u8; 1];
    let n = match (&file).read(&mut first) {
        Ok(0) => return Err(InputError::NoWriter),
        Ok(n) => n,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => 0,
        Err(e) => return Err(e.into()),
    };
    let flags = rustix::fs::fcntl_getfl(&file).map_err(std::io::Error::from)?;
    rustix::fs::fcntl_setfl(&file, flags - OFlags::NONBLOCK).map_err(std::io::Error::from)?;
    let mut bytes = first[..n].to_vec();
    (&file)
        .take(MAX_FILE_SIZE + 1 - n as u64)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(InputError::TooLarge(None));
    }
    Ok(bytes)
}

/// Up to [`MAX_FILE_SIZE`] bytes; one more is an error.
fn read_bounded(file: File, size: Option<u64>) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::with_capacity(size.unwrap_or(0) as usize);
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(InputError::TooLarge(size.filter(|&n| n > MAX_FILE_SIZE)));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_directories_are_refused() {
        for (path, what) in [("/dev/zero", "a character device"), ("/", "a directory")] {
            match read_text(Utf8Path::new(path)) {
                Err(InputError::NotAFile(w)) => assert_eq!(w, what),
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_regular_file_is_read_up_to_the_limit() {
        let dir = std::env::temp_dir().join(format!("galley-input-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = camino::Utf8PathBuf::from_path_buf(dir.join("f")).unwrap();
        std::fs::write(&path, "hi").unwrap();
        assert_eq!(read_text(&path).unwrap(), "hi");
        let big = std::fs::File::create(&path).unwrap();
        big.set_len(MAX_FILE_SIZE + 1).unwrap();
        assert!(matches!(
            read_text(&path),
            Err(InputError::TooLarge(Some(n))) if n == MAX_FILE_SIZE + 1
        ));
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(read_text(&path), Err(InputError::NotUtf8)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_tree_read_takes_regular_files_only_and_never_follows_a_link() {
        let dir = std::env::temp_dir().join(format!("galley-input-tree-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir = camino::Utf8PathBuf::from_path_buf(dir).unwrap();
        std::fs::write(dir.join("f"), "hi").unwrap();
        assert_eq!(read_tree_text(&dir.join("f")).unwrap(), "hi");
        let link = dir.join("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(dir.join("f"), &link).unwrap();
        assert_eq!(read_text(&link).unwrap(), "hi");
        assert!(matches!(read_tree_text(&link), Err(InputError::Io(_))));
        let fifo = dir.join("fifo");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        assert!(matches!(
            read_tree_text(&fifo),
            Err(InputError::NotAFile("a named pipe"))
        ));
        assert!(matches!(read_text(&fifo), Err(InputError::NoWriter)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
