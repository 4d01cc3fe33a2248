//! The renames that put an output in place, with the flags that keep them from destroying
//! what another process put there meanwhile.

use camino::Utf8Path;
use rustix::fs::{CWD, RenameFlags};
use rustix::io::Errno;

/// What a rename that must not replace anything found.
pub(super) enum Placed {
    Done,
    /// The destination exists (it appeared after it was looked at).
    Taken,
}

/// Rename `from` to `to` only when `to` does not exist (`renameat2(RENAME_NOREPLACE)`).
///
/// Where the filesystem lacks the flag, a plain rename is used: it still fails over a
/// non-empty directory or, for a directory, over a file, so it can replace only an empty
/// directory or (for a file) a file that appeared after the caller looked.
pub(super) fn no_replace(from: &Utf8Path, to: &Utf8Path) -> std::io::Result<Placed> {
    match rustix::fs::renameat_with(CWD, from.as_str(), CWD, to.as_str(), RenameFlags::NOREPLACE) {
        Ok(()) => Ok(Placed::Done),
        Err(Errno::EXIST | Errno::NOTEMPTY) => Ok(Placed::Taken),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => match std::fs::rename(from, to) {
            Ok(()) => Ok(Placed::Done),
            Err(e) if taken(&e) => Ok(Placed::Taken),
            Err(e) => Err(e),
        },
        Err(e) => Err(e.into()),
    }
}

/// Whether a plain rename failed because the destination is occupied.
pub(super) fn taken(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error().map(Errno::from_raw_os_error),
        Some(Errno::EXIST | Errno::NOTEMPTY | Errno::ISDIR | Errno::NOTDIR)
    )
}

/// Swap `a` and `b` atomically (`renameat2(RENAME_EXCHANGE)`); `Ok(false)` where the
/// filesystem cannot.
pub(super) fn exchange(a: &Utf8Path, b: &Utf8Path) -> std::io::Result<bool> {
    match rustix::fs::renameat_with(CWD, a.as_str(), CWD, b.as_str(), RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
