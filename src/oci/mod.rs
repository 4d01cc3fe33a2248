//! OCI bundles: a bundle as an OCI artifact in a registry (`bundle -o oci://…`, `pull`,
//! `verify oci://…`). See `docs/oci.md`.
//!
//! The artifact is byte-reproducible ([`layer`]: sorted tar entries, fixed modes, owners and
//! times, a fixed gzip header; [`manifest`]: fixed annotations, `created` from
//! `SOURCE_DATE_EPOCH`), in the layout the reference pushes through ORAS, so the same tools
//! pull both. [`client`] is a small OCI distribution client over `ureq`; [`auth`] reads the
//! usual credential files.

pub mod attest;
pub mod auth;
pub mod client;
pub mod layer;
pub mod manifest;
pub mod reference;
mod transfer;
pub mod verify;

pub use reference::Reference;
pub use transfer::{pull, push};

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The largest artifact `pull` accepts unless `--max-size` says otherwise (512 MiB).
pub const DEFAULT_MAX_SIZE: u64 = 512 * 1024 * 1024;

/// `sha256:HEX` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A bundle's files by relative path, and which of them are executable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Files {
    pub files: BTreeMap<String, Vec<u8>>,
    pub executable: BTreeSet<String>,
}

/// How `pull` and `push` reach a registry.
#[derive(Clone, Debug, Default)]
pub struct Transport {
    /// `http://` instead of `https://`.
    pub plain_http: bool,
    /// Accept any TLS certificate.
    pub insecure_tls: bool,
    /// Trust the CA certificates in this PEM file instead of the built-in web roots.
    pub ca_file: Option<camino::Utf8PathBuf>,
}

/// An OCI failure: what went wrong, said for the command line, and whether it is the
/// content's fault (exit 1) or the command's or the network's (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The registry answered, but what it answered is wrong or refused (exit 1).
    Content,
    /// Bad usage, an unreachable registry, a local I/O error (exit 2).
    Usage,
}

impl Error {
    pub fn content(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            kind: ErrorKind::Content,
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            kind: ErrorKind::Usage,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// `SOURCE_DATE_EPOCH` in seconds, when set to a number; 0 otherwise (with a warning when set
/// to something else).
pub fn source_date_epoch() -> u64 {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                eprintln!(
                    "warning: ignoring `SOURCE_DATE_EPOCH={text}`: not a number of seconds\nhelp: set it to a Unix time such as `1700000000`, or unset it (times are then 1970-01-01)"
                );
                0
            }
        },
        Err(_) => 0,
    }
}
