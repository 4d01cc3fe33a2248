//! `pull` and `bundle -o oci://…` against hostile or broken registries (issue 15 item 8):
//! each a clear error, a non-zero exit, nothing written, no partial directory.

use crate::oci_support::{Reply, Seen, fake_registry, free_port};
use crate::support::{KUBEFLOW, TempDir, galley, run, stderr};
use sha2::{Digest, Sha256};
use std::io::Write;

fn digest(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A tar+gzip holding one good file, then one raw entry (name and link verbatim).
fn hostile_tar(name: &str, kind: tar::EntryType, link: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut good = tar::Header::new_gnu();
    good.set_size(2);
    good.set_mode(0o644);
    b.append_data(&mut good, "ok.txt", &b"ok"[..]).unwrap();
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(if kind == tar::EntryType::Regular {
        1
    } else {
        0
    });
    h.set_cksum();
    let data: &[u8] = if kind == tar::EntryType::Regular {
        b"x"
    } else {
        b""
    };
    b.append(&h, data).unwrap();
    gzip(&b.into_inner().unwrap())
}

fn manifest(layer_digest: &str, size: u64) -> Vec<u8> {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{layer_digest}","size":{size}}}]}}"#,
        digest(b"{}")
    )
    .into_bytes()
}

/// A registry serving `manifest` for any tag and `blob` for any blob.
fn serving(manifest: Vec<u8>, blob: Reply) -> String {
    let blob = std::sync::Mutex::new(Some(blob));
    let (addr, _) = fake_registry(Box::new(move |req: &Seen| {
        if req.path.contains("/manifests/") {
            Reply::ok(manifest.clone())
        } else if req.path.contains("/blobs/") {
            blob.lock()
                .unwrap()
                .take()
                .unwrap_or(Reply::status(404, ""))
        } else {
            Reply::status(404, "")
        }
    }));
    addr
}

/// Pull from `addr`; assert a non-zero exit with `want` in stderr and nothing written.
fn pull_fails(addr: &str, want: &str, code: i32) {
    let dir = TempDir::new("oci-hostile");
    let out = run(galley()
        .args([
            "pull",
            &format!("oci://{addr}/evil/bundle:t"),
            "--plain-http",
        ])
        .arg("-o")
        .arg(dir.path().join("out")));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(want), "want `{want}` in: {err}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_layer_that_claims_10_gb_is_refused_before_download() {
    let d = digest(b"whatever");
    let addr = serving(manifest(&d, 10_000_000_000), Reply::ok("never asked"));
    pull_fails(&addr, "the manifest says it is 10000000000 bytes", 1);
}

#[test]
fn a_blob_that_does_not_match_its_digest_is_refused() {
    let real = gzip(b"real");
    let fake = gzip(b"fake");
    assert_eq!(real.len(), fake.len());
    let addr = serving(manifest(&digest(&real), real.len() as u64), Reply::ok(fake));
    pull_fails(&addr, "does not match its digest", 1);
}

#[test]
fn a_blob_longer_than_the_manifest_says_is_refused() {
    let blob = gzip(b"twelve bytes");
    let addr = serving(manifest(&digest(&blob), 5), Reply::ok(blob));
    pull_fails(&addr, "larger than the 5 bytes expected", 1);
}

#[test]
fn archives_with_escaping_entries_links_or_devices_are_refused() {
    use tar::EntryType::*;
    let cases = [
        (
            "../x",
            Regular,
            "",
            "`../x`: `..` would leave the directory",
        ),
        ("/etc/x", Regular, "", "`/etc/x`: an absolute path"),
        ("root", Symlink, "/", "`root`: it is a symbolic link to `/`"),
        ("out", Link, "../../etc/passwd", "`out`: it is a hard link"),
        ("dev", Char, "", "`dev`: it is a device file"),
    ];
    for (name, kind, link, want) in cases {
        let blob = hostile_tar(name, kind, link);
        let addr = serving(manifest(&digest(&blob), blob.len() as u64), Reply::ok(blob));
        pull_fails(&addr, want, 1);
    }
}

#[test]
fn a_gzip_bomb_stops_at_max_size() {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(32 << 20);
    h.set_mode(0o644);
    let zeros = std::io::Read::take(std::io::repeat(0), 32 << 20);
    b.append_data(&mut h, "zeros", zeros).unwrap();
    let blob = gzip(&b.into_inner().unwrap());
    let addr = serving(manifest(&digest(&blob), blob.len() as u64), Reply::ok(blob));
    let dir = TempDir::new("oci-bomb");
    let out = run(galley()
        .args([
            "pull",
            &format!("oci://{addr}/evil/bundle:t"),
            "--plain-http",
        ])
        .args(["--max-size", "1M", "-o"])
        .arg(dir.path().join("out")));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unpacks to more than 1048576 bytes"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_connection_closed_mid_blob_is_an_error() {
    let blob = hostile_tar("fine.txt", tar::EntryType::Regular, "");
    let half = blob[..blob.len() / 2].to_vec();
    let reply = Reply::Truncated {
        declared: blob.len(),
        body: half,
    };
    let addr = serving(manifest(&digest(&blob), blob.len() as u64), reply);
    pull_fails(&addr, "reading blob", 1);
}

#[test]
fn a_registry_that_is_down_is_a_usage_error() {
    let addr = format!("127.0.0.1:{}", free_port());
    pull_fails(&addr, "cannot reach the registry", 2);
    let out = run(galley().arg("bundle").args(KUBEFLOW).args([
        "-o",
        &format!("oci://{addr}/x/y:t"),
        "--plain-http",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot reach the registry"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_refused_upload_says_what_the_registry_answered_and_never_moves_the_tag() {
    let (addr, seen) = fake_registry(Box::new(|req: &Seen| match req.method.as_str() {
        "HEAD" => Reply::status(404, ""),
        "POST" => Reply::status(
            403,
            r#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#,
        ),
        _ => Reply::status(500, ""),
    }));
    let out = run(galley().arg("bundle").args(KUBEFLOW).args([
        "-o",
        &format!("oci://{addr}/team/b:v1"),
        "--plain-http",
    ]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("answered 403 Forbidden when starting an upload"),
        "{err}"
    );
    assert!(
        err.contains("DENIED: requested access to the resource is denied"),
        "{err}"
    );
    let seen = seen.lock().unwrap();
    assert!(
        !seen.iter().any(|r| r.path.contains("/manifests/")),
        "{seen:?}"
    );
}

#[test]
fn the_bearer_token_flow_uses_the_configured_credentials() {
    let blob = hostile_tar("fine.txt", tar::EntryType::Regular, "");
    let body = manifest(&digest(&blob), blob.len() as u64);
    let port_cell = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let realm_addr = port_cell.clone();
    let (addr, seen) = fake_registry(Box::new(move |req: &Seen| {
        let auth = req
            .headers
            .get("authorization")
            .cloned()
            .unwrap_or_default();
        if req.path.starts_with("/token") {
            // user:secret
            return if auth == "Basic dXNlcjpzZWNyZXQ=" {
                Reply::ok(r#"{"token":"tok123"}"#)
            } else {
                Reply::status(401, "")
            };
        }
        if auth != "Bearer tok123" {
            let realm = format!("http://{}/token", realm_addr.get().unwrap());
            return Reply::Full {
                status: 401,
                headers: vec![(
                    "WWW-Authenticate".into(),
                    format!(
                        r#"Bearer realm="{realm}",service="fake",scope="repository:evil/bundle:pull""#
                    ),
                )],
                body: Vec::new(),
            };
        }
        if req.path.contains("/manifests/") {
            Reply::ok(body.clone())
        } else {
            Reply::ok(blob.clone())
        }
    }));
    port_cell.set(addr.clone()).unwrap();
    let dir = TempDir::new("oci-token");
    let config = dir.path().join("docker");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        format!(r#"{{"auths":{{"{addr}":{{"auth":"dXNlcjpzZWNyZXQ="}}}}}}"#),
    )
    .unwrap();
    let reference = format!("oci://{addr}/evil/bundle:t");
    let pull = |env: Option<&std::path::Path>, to: &str| {
        let mut cmd = galley();
        cmd.args(["pull", &reference, "--plain-http", "-o"])
            .arg(dir.path().join(to))
            .env_remove("REGISTRY_AUTH_FILE")
            .env("HOME", dir.path());
        match env {
            Some(p) => cmd.env("DOCKER_CONFIG", p),
            None => cmd.env_remove("DOCKER_CONFIG"),
        };
        run(&mut cmd)
    };
    let out = pull(Some(&config), "out");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(dir.path().join("out/fine.txt")).unwrap(),
        b"x"
    );
    let token_req = seen
        .lock()
        .unwrap()
        .iter()
        .find(|r| r.path.starts_with("/token"))
        .cloned()
        .unwrap();
    assert!(
        token_req.path.contains("service=fake"),
        "{}",
        token_req.path
    );
    assert!(
        token_req
            .path
            .contains("scope=repository%3Aevil%2Fbundle%3Apull")
    );
    // Without credentials the token endpoint refuses, and galley says so.
    let out = pull(None, "out2");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("answered 401 Unauthorized when getting a token"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("out2").exists());
}
