//! `oci://HOST[:PORT]/REPO[:TAG|@sha256:HEX]`, checked against the OCI distribution grammar.

use super::Error;

/// A parsed `oci://` reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// `host` or `host:port`.
    pub registry: String,
    /// The repository path, `a/b/c`.
    pub repository: String,
    /// The tag or digest; `None` when the reference names neither.
    pub pin: Option<Pin>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pin {
    Tag(String),
    Digest(String),
}

impl Reference {
    /// Parse `text`, which must start with `oci://`.
    pub fn parse(text: &str) -> Result<Reference, Error> {
        let bad = |why: &str| {
            Error::usage(format!(
                "`{text}` is not an OCI reference: {why}\nhelp: write `oci://HOST[:PORT]/REPOSITORY[:TAG]` or `oci://HOST/REPOSITORY@sha256:DIGEST`, e.g. `oci://registry.example:5000/team/bundle:v1`"
            ))
        };
        let rest = text
            .strip_prefix("oci://")
            .ok_or_else(|| bad("it does not start with `oci://`"))?;
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("it has no repository after the registry"))?;
        if !valid_registry(registry) {
            return Err(bad(&format!("`{registry}` is not a registry host[:port]")));
        }
        let (repository, pin) = if let Some((repo, digest)) = path.split_once('@') {
            if !valid_digest(digest) {
                return Err(bad(&format!(
                    "`{digest}` is not a digest (`sha256:` and 64 lowercase hex digits)"
                )));
            }
            (repo, Some(Pin::Digest(digest.to_string())))
        } else {
            match path.rsplit_once(':') {
                Some((repo, tag)) if !tag.contains('/') => {
                    if !valid_tag(tag) {
                        return Err(bad(&format!(
                            "`{tag}` is not a tag (up to 128 letters, digits, `_`, `.`, `-`, not starting with `.` or `-`)"
                        )));
                    }
                    (repo, Some(Pin::Tag(tag.to_string())))
                }
                _ => (path, None),
            }
        };
        if !valid_repository(repository) {
            return Err(bad(&format!(
                "`{repository}` is not a repository (lowercase path components of letters, digits and single `.`, `_`, `-` separators)"
            )));
        }
        Ok(Reference {
            registry: registry.to_string(),
            repository: repository.to_string(),
            pin,
        })
    }

    /// `HOST/REPO@DIGEST`, the form `bundle -o oci://…` prints.
    pub fn pinned(&self, digest: &str) -> String {
        format!("{}/{}@{digest}", self.registry, self.repository)
    }

    /// The tag or digest to fetch a manifest by (`default` when there is none).
    pub fn pin_or<'a>(&'a self, default: &'a str) -> &'a str {
        match &self.pin {
            Some(Pin::Tag(t)) | Some(Pin::Digest(t)) => t,
            None => default,
        }
    }
}

fn valid_registry(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    port_ok && name_ok
}

fn valid_repository(repo: &str) -> bool {
    !repo.is_empty()
        && repo.len() <= 255
        && repo.split('/').all(|part| {
            let bytes = part.as_bytes();
            let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
            !bytes.is_empty()
                && alnum(bytes[0])
                && alnum(bytes[bytes.len() - 1])
                && bytes
                    .windows(2)
                    .all(|w| alnum(w[0]) || alnum(w[1]) || w == b"__" || w == b"--")
                && bytes
                    .iter()
                    .all(|&b| alnum(b) || matches!(b, b'.' | b'_' | b'-'))
        })
}

fn valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// `sha256:` and 64 lowercase hex digits (the only algorithm galley checks).
pub fn valid_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_digests_and_ports() {
        let r = Reference::parse("oci://localhost:5000/team/bundle:v1.2").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "team/bundle");
        assert_eq!(r.pin, Some(Pin::Tag("v1.2".into())));
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("oci://reg.example/b@{d}")).unwrap();
        assert_eq!(r.pin, Some(Pin::Digest(d.clone())));
        assert_eq!(r.pinned(&d), format!("reg.example/b@{d}"));
        let r = Reference::parse("oci://reg.example:443/b").unwrap();
        assert_eq!(r.pin, None);
        assert_eq!(r.pin_or("0.1.0"), "0.1.0");
    }

    #[test]
    fn refuses_malformed_references() {
        for bad in [
            "http://reg/x",
            "oci://reg",
            "oci:///x",
            "oci://reg:99999/x",
            "oci://reg/UPPER",
            "oci://reg/a//b",
            "oci://reg/x:",
            "oci://reg/x:-bad",
            "oci://reg/x@sha256:abc",
            "oci://reg/x@md5:0123",
            "oci://re g/x",
            "oci://reg/x/../y",
        ] {
            let e = Reference::parse(bad).unwrap_err();
            assert!(e.message.contains("is not"), "{bad}: {}", e.message);
        }
    }
}
