use super::*;

fn sample() -> Files {
    let mut f = Files::default();
    f.files.insert("README.md".into(), b"hello\n".to_vec());
    f.files.insert("deploy.sh".into(), b"#!/bin/sh\n".to_vec());
    f.files.insert(
        format!("{}/values.yaml", "deep/".repeat(30).trim_end_matches('/')),
        b"a: 1\n".to_vec(),
    );
    f.executable.insert("deploy.sh".into());
    f
}

/// A tar+gzip with one raw entry: `name` written verbatim into the header (no checks).
pub(crate) fn raw_entry(name: &str, kind: EntryType, link: &str, data: &[u8]) -> Vec<u8> {
    let mut h = Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_cksum();
    let mut b = tar::Builder::new(Vec::new());
    b.append(&h, data).unwrap();
    gzip(&b.into_inner().unwrap())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn same_files_give_same_digests() {
    let a = pack(&sample(), 0);
    let b = pack(&sample(), 0);
    assert_eq!(a.gzip, b.gzip);
    assert_eq!(a.digest, b.digest);
    assert_eq!(a.tar_digest, b.tar_digest);
    assert_eq!(a.digest, digest_of(&a.gzip));
    let later = pack(&sample(), 1_700_000_000);
    assert_ne!(a.tar_digest, later.tar_digest, "mtime is in the tar");
    let mut other = sample();
    other.files.insert("x".into(), Vec::new());
    assert_ne!(a.digest, pack(&other, 0).digest);
}

#[test]
fn gzip_header_is_fixed() {
    let layer = pack(&sample(), 0);
    // magic, deflate, no flags (no name), mtime 0, xfl, OS 255
    assert_eq!(&layer.gzip[..4], &[0x1f, 0x8b, 8, 0]);
    assert_eq!(&layer.gzip[4..8], &[0, 0, 0, 0]);
    assert_eq!(layer.gzip[9], 255);
}

#[test]
fn tar_entries_are_sorted_owned_by_root_with_fixed_modes() {
    let layer = pack(&sample(), 42);
    let mut archive = tar::Archive::new(GzDecoder::new(layer.gzip.as_slice()));
    let mut seen = Vec::new();
    for e in archive.entries().unwrap() {
        let e = e.unwrap();
        let h = e.header();
        assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
        assert_eq!(h.mtime().unwrap(), 42);
        assert_eq!(h.username_bytes().unwrap_or_default(), b"");
        let path = String::from_utf8(e.path_bytes().into_owned()).unwrap();
        let mode = h.mode().unwrap();
        let want = if path.ends_with('/') || path == "deploy.sh" {
            0o755
        } else {
            0o644
        };
        assert_eq!(mode, want, "{path}");
        seen.push(path);
    }
    let dirs: Vec<_> = seen.iter().filter(|p| p.ends_with('/')).collect();
    assert_eq!(dirs.len(), 30);
    let files: Vec<_> = seen.iter().filter(|p| !p.ends_with('/')).cloned().collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}

#[test]
fn unpack_round_trips() {
    let layer = pack(&sample(), 0);
    assert_eq!(unpack(&layer.gzip, 1 << 20).unwrap(), sample());
}

#[test]
fn unpack_refuses_paths_that_leave_and_links() {
    let cases = [
        ("../x", EntryType::Regular, "", "`..`"),
        ("a/../../x", EntryType::Regular, "", "`..`"),
        ("/etc/x", EntryType::Regular, "", "absolute"),
        ("root", EntryType::Symlink, "/", "symbolic link to `/`"),
        ("inside", EntryType::Symlink, "README.md", "symbolic link"),
        ("out", EntryType::Link, "../../etc/passwd", "hard link"),
        ("dev", EntryType::Char, "", "device file"),
        ("pipe", EntryType::Fifo, "", "named pipe"),
    ];
    for (name, kind, link, want) in cases {
        let gz = raw_entry(name, kind, link, b"");
        let e = unpack(&gz, 1 << 20).unwrap_err();
        assert!(e.message.contains(&format!("`{name}`")), "{}", e.message);
        assert!(e.message.contains(want), "{name}: {}", e.message);
        assert_eq!(e.kind, super::super::ErrorKind::Content);
    }
}

#[test]
fn unpack_stops_a_gzip_bomb_at_the_cap() {
    // 64 MiB of zeros in one entry compresses to ~64 KiB.
    let big = vec![0u8; 64 << 20];
    let gz = raw_entry("big", EntryType::Regular, "", &big);
    assert!(gz.len() < 1 << 20);
    let e = unpack(&gz, 1 << 20).unwrap_err();
    assert!(
        e.message.contains("more than 1048576 bytes"),
        "{}",
        e.message
    );
    assert!(e.message.contains("--max-size"));
}

#[test]
fn unpack_refuses_garbage_and_duplicates() {
    let e = unpack(b"not gzip at all", 1 << 20).unwrap_err();
    assert!(
        e.message.contains("not a readable tar+gzip"),
        "{}",
        e.message
    );
    let mut b = tar::Builder::new(Vec::new());
    for _ in 0..2 {
        let mut h = header(EntryType::Regular, 0o644, 1, 0);
        b.append_data(&mut h, "a", &b"x"[..]).unwrap();
    }
    let e = unpack(&gzip(&b.into_inner().unwrap()), 1 << 20).unwrap_err();
    assert!(e.message.contains("`a` appears twice"), "{}", e.message);
}

#[test]
fn the_cap_holds_when_it_falls_in_a_header() {
    // Many small entries: the cap is crossed while the tar reader reads a header block.
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..64 {
        let mut h = header(EntryType::Regular, 0o644, 0, 0);
        b.append_data(&mut h, format!("f{i}"), std::io::empty())
            .unwrap();
    }
    let gz = gzip(&b.into_inner().unwrap());
    let e = unpack(&gz, 4096 + 100).unwrap_err();
    assert!(
        e.message.contains("unpacks to more than 4196 bytes"),
        "{}",
        e.message
    );
}

#[test]
fn unpack_takes_oras_style_names() {
    // Go ORAS packs a directory titled "." as `.`, `./x` or `x`; directories end in `/`.
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, data) in [
        (".", EntryType::Directory, &b""[..]),
        ("./a/", EntryType::Directory, b""),
        ("./a/b.txt", EntryType::Regular, b"b"),
        ("c.txt", EntryType::Regular, b"c"),
    ] {
        let mut h = Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_entry_type(kind);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }
    let files = unpack(&gzip(&b.into_inner().unwrap()), 1 << 20).unwrap();
    let names: Vec<_> = files.files.keys().cloned().collect();
    assert_eq!(names, ["a/b.txt", "c.txt"]);
}
