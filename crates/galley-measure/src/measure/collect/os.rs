//! The OS collector (`validate.md` §2.3): kernel command line, sysctl values under
//! `/proc/sys` (not `net/`), loaded kernel modules, os-release. Paths are read under a root
//! (`/`, or `--root DIR`); a part that cannot be read is left out with a note.

use crate::measure::snapshot::{Measurement, Reading, Subtype};
use indexmap::IndexMap;
use std::path::Path;

/// The largest file read (the reference's limit).
const FILE_LIMIT: u64 = 1024 * 1024;
/// How deep the sysctl walk goes.
const MAX_DEPTH: usize = 16;

/// One OS sub-collector: the readings under a root.
type Part = fn(&Path) -> Result<IndexMap<String, Reading>, String>;

pub fn collect(root: &Path, notes: &mut Vec<String>) -> Measurement {
    let mut subtypes = Vec::new();
    let parts: [(&str, Part); 4] = [
        ("grub", grub),
        ("sysctl", sysctl),
        ("kmod", kmod),
        ("release", release),
    ];
    for (name, f) in parts {
        match f(root) {
            Ok(data) => subtypes.push(Subtype {
                name: name.to_string(),
                data,
            }),
            Err(e) => notes.push(format!("OS.{name} left out: {e}")),
        }
    }
    Measurement {
        ty: "OS".into(),
        subtypes,
    }
}

fn read(root: &Path, abs: &str) -> Result<String, String> {
    let path = root.join(abs.trim_start_matches('/'));
    read_path(&path).map_err(|e| format!("cannot read `{abs}`: {e}"))
}

fn read_path(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err("larger than 1 MiB".into());
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())
}

/// Pieces of a file: trimmed, no empty pieces, no `#` comments.
fn pieces(text: &str, sep: char) -> impl Iterator<Item = &str> {
    text.split(sep)
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('#'))
}

fn grub(root: &Path) -> Result<IndexMap<String, Reading>, String> {
    let text = read(root, "/proc/cmdline")?;
    let mut data = IndexMap::new();
    for token in pieces(&text, ' ') {
        let (k, v) = token.split_once('=').unwrap_or((token, ""));
        data.insert(k.to_string(), Reading::String(v.to_string()));
    }
    data.shift_remove("root");
    Ok(data)
}

fn kmod(root: &Path) -> Result<IndexMap<String, Reading>, String> {
    let text = read(root, "/proc/modules")?;
    Ok(pieces(&text, '\n')
        .filter_map(|l| l.split_whitespace().next())
        .map(|m| (m.to_string(), Reading::Bool(true)))
        .collect())
}

fn release(root: &Path) -> Result<IndexMap<String, Reading>, String> {
    let text = match read(root, "/etc/os-release") {
        Ok(t) => t,
        Err(first) => read(root, "/usr/lib/os-release").map_err(|_| first)?,
    };
    let mut data = IndexMap::new();
    for line in pieces(&text, '\n') {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches(['"', '\'']);
        if !v.is_empty() {
            data.insert(k.trim().to_string(), Reading::String(v.to_string()));
        }
    }
    Ok(data)
}

fn sysctl(root: &Path) -> Result<IndexMap<String, Reading>, String> {
    let base = root.join("proc/sys");
    std::fs::read_dir(&base).map_err(|e| format!("cannot read `/proc/sys`: {e}"))?;
    let mut data = IndexMap::new();
    walk(&base, "/proc/sys", 0, &mut data);
    data.retain(|k, _| !k.starts_with("/proc/sys/dev/cdrom/"));
    data.sort_keys();
    Ok(data)
}

fn walk(dir: &Path, abs: &str, depth: usize, data: &mut IndexMap<String, Reading>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Some(name) = e.file_name().to_str().map(String::from) else {
            continue;
        };
        let key = format!("{abs}/{name}");
        if key == "/proc/sys/net" {
            continue;
        }
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_symlink() {
            continue;
        }
        if ft.is_dir() {
            if depth < MAX_DEPTH {
                walk(&e.path(), &key, depth + 1, data);
            }
        } else if ft.is_file()
            && let Ok(text) = read_path(&e.path())
        {
            sysctl_value(&key, &text, data);
        }
    }
}

/// One line as itself; lines of `key value…` pairs exploded to `<path>/<key>`; other
/// multi-line text joined with newlines.
fn sysctl_value(key: &str, text: &str, data: &mut IndexMap<String, Reading>) {
    let lines: Vec<&str> = pieces(text, '\n').collect();
    if lines.len() > 1 && lines.iter().all(|l| l.split_whitespace().nth(1).is_some()) {
        for l in lines {
            let mut fields = l.split_whitespace();
            let first = fields.next().unwrap_or_default();
            let rest: Vec<&str> = fields.collect();
            data.insert(format!("{key}/{first}"), Reading::String(rest.join(" ")));
        }
    } else {
        data.insert(key.to_string(), Reading::String(lines.join("\n")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_values() {
        let mut d = IndexMap::new();
        sysctl_value("/p/a", "4\t4\t1\t7\n", &mut d);
        sysctl_value("/p/t", "tcp 1048576\nrdma 4096\n", &mut d);
        sysctl_value("/p/m", "one\ntwo words\n", &mut d);
        let s = |k: &str| d[k].to_string();
        assert_eq!(s("/p/a"), "4\t4\t1\t7");
        assert_eq!(s("/p/t/tcp"), "1048576");
        assert_eq!(s("/p/t/rdma"), "4096");
        assert_eq!(s("/p/m"), "one\ntwo words");
    }
}
