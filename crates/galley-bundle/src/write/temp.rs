//! Temporary names beside an output, and the clean-up of those a killed run left behind.
//!
//! Every temporary entry galley makes is named `.STEM.galley-tmp-PID-N` (or `galley-old`
//! for a tree moved aside), in the output's own directory. `STEM` is the output's name, cut
//! and hashed when long, so the whole name stays under `NAME_MAX` (255 bytes).

use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::ErrorKind;
use std::sync::Mutex;

/// A directory being filled before it is renamed into place.
pub(super) const TMP: &str = "galley-tmp";
/// An output tree moved aside while it is replaced (when the filesystem cannot exchange).
pub(super) const OLD: &str = "galley-old";

/// Output names up to this many bytes are used whole in temporary names; the fixed parts
/// (`.`, `.galley-tmp-`, a PID, `-`, a counter) take at most 34 bytes more.
const STEM_MAX: usize = 200;

/// How many names one run tries before giving up (each one exists already).
const TRIES: u32 = 10_000;

/// The part of a temporary name that stands for the output `name`.
pub(super) fn stem(name: &str) -> String {
    if name.len() <= STEM_MAX {
        return name.to_string();
    }
    let mut cut = STEM_MAX - 17;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}~{:016x}", &name[..cut], fnv1a(name.as_bytes()))
}

/// FNV-1a, 64 bits: stable across builds, so a later run finds an earlier run's names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn name(stem: &str, tag: &str, pid: u32, n: u32) -> String {
    format!(".{stem}.{tag}-{pid}-{n}")
}

/// Make a new, empty directory `.STEM.TAG-PID-N` in `parent`.
pub(super) fn create_dir(parent: &Utf8Path, stem: &str, tag: &str) -> Result<Utf8PathBuf, String> {
    let pid = std::process::id();
    for n in 0..TRIES {
        let path = parent.join(name(stem, tag, pid, n));
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create a directory in `{parent}`: {e}")),
        }
    }
    Err(format!(
        "cannot create a directory in `{parent}`: too many exist"
    ))
}

/// Make a new, empty file `.STEM.galley-tmp-PID-N` in `parent`.
pub(super) fn create_file(parent: &Utf8Path, stem: &str) -> Result<(Utf8PathBuf, File), String> {
    let pid = std::process::id();
    for n in 0..TRIES {
        let path = parent.join(name(stem, TMP, pid, n));
        match File::options().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create a file in `{parent}`: {e}")),
        }
    }
    Err(format!(
        "cannot create a file in `{parent}`: too many exist"
    ))
}

/// The PID in `entry` when it is exactly a galley temporary name, `.STEM.TAG-PID-N`.
fn owner(entry: &str) -> Option<u32> {
    let rest = entry.strip_prefix('.')?;
    let (stem, tail) = [TMP, OLD]
        .iter()
        .find_map(|tag| rest.rsplit_once(&format!(".{tag}-")))?;
    let (pid, n) = tail.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    if stem.is_empty() || !digits(pid) || !digits(n) {
        return None;
    }
    pid.parse().ok()
}

/// Whether process `pid` still runs (or may: anything but "no such process" counts).
fn alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    rustix::process::test_kill_process(pid) != Err(rustix::io::Errno::SRCH)
}

/// Remove what runs that no longer exist left beside an output: entries of `parent` named
/// exactly as galley names its temporaries, whose PID is dead. Only a regular file, an empty
/// directory or a directory holding galley's marker is removed; anything else with such a
/// name is left alone. Each directory is swept once per run (`fmt` writes many files into
/// one), and a failure here never stops the write.
pub(super) fn sweep(parent: &Utf8Path) {
    static SWEPT: Mutex<BTreeSet<Utf8PathBuf>> = Mutex::new(BTreeSet::new());
    let first = SWEPT
        .lock()
        .map(|mut swept| swept.insert(parent.to_path_buf()))
        .unwrap_or(false);
    if !first {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let Ok(file) = entry.file_name().into_string() else {
            continue;
        };
        let Some(pid) = owner(&file) else {
            continue;
        };
        if pid == me || alive(pid) {
            continue;
        }
        let path = parent.join(&file);
        if remove_stale(&path) {
            eprintln!("note: removed `{path}`, left by a galley run (PID {pid}) that was stopped");
        }
    }
}

fn remove_stale(path: &Utf8Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if meta.is_file() {
        return std::fs::remove_file(path).is_ok();
    }
    if meta.is_dir() && (super::tree::is_empty(path) || super::tree::has_marker(path)) {
        return std::fs::remove_dir_all(path).is_ok();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_under_name_max() {
        for len in [1, 199, 200, 201, 230, 255] {
            let out = "é".repeat(len / 2) + &"x".repeat(len % 2);
            let s = stem(&out);
            let longest = name(&s, TMP, u32::MAX, u32::MAX);
            assert!(longest.len() <= 255, "{len}: {}", longest.len());
            assert!(s.len() <= STEM_MAX, "{len}");
        }
        assert_ne!(stem(&"a".repeat(255)), stem(&("a".repeat(254) + "b")));
    }

    #[test]
    fn owner_matches_the_exact_pattern_only() {
        assert_eq!(owner(".out.galley-tmp-12-0"), Some(12));
        assert_eq!(owner(".out.galley-old-7-3"), Some(7));
        assert_eq!(owner(".a.galley-tmp-1-0.galley-tmp-12-0"), Some(12));
        for other in [
            "out.galley-tmp-12-0",
            "..galley-tmp-12-0",
            ".out.galley-tmp-12-0x",
            ".out.galley-tmp-12",
            ".out.galley-tmp--0",
            ".out.galley-tmp-+1-0",
            ".out.galley-tmp-1-2-3",
            ".out.galley-new-12-0",
            ".out.galley-tmp-12345678901-0",
        ] {
            assert_eq!(owner(other), None, "{other}");
        }
    }
}
