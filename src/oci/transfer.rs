//! Push a bundle to a registry and pull one back.

use super::client::Client;
use super::manifest::{self, Annotations, EMPTY_CONFIG};
use super::reference::Pin;
use super::{Error, Files, Reference, Transport, layer};

/// Push `files` to `reference` (tag: the reference's, else `default_tag`); returns the
/// reference pinned by digest, `HOST/REPO@sha256:…`. The blobs go first and the manifest
/// last, so a failure part-way never moves the tag.
pub fn push(
    reference: &Reference,
    files: &Files,
    transport: &Transport,
    default_tag: &str,
) -> Result<String, Error> {
    let tag = match &reference.pin {
        Some(Pin::Digest(_)) => {
            return Err(Error::usage(
                "a bundle is pushed to a tag, not to a digest (the digest is what the push prints)\nhelp: write `oci://HOST/REPO:TAG`, or leave the tag out to use galley's version",
            ));
        }
        Some(Pin::Tag(t)) => t.as_str(),
        None => default_tag,
    };
    let created = super::source_date_epoch();
    let packed = layer::pack(files, created);
    let notes = Annotations {
        created,
        version: env!("CARGO_PKG_VERSION"),
    };
    let manifest = manifest::build(&packed, &notes);
    let client = Client::new(reference, transport, true)?;
    client.push_blob(EMPTY_CONFIG)?;
    client.push_blob(&packed.gzip)?;
    let digest = client.push_manifest(&manifest, tag)?;
    Ok(reference.pinned(&digest))
}

/// Fetch the bundle at `reference` (tag: the reference's, else `default_tag`), checking the
/// manifest's digest when pinned, the layer's size and digest, and unpacking no more than
/// `cap` bytes.
pub fn pull(
    reference: &Reference,
    transport: &Transport,
    default_tag: &str,
    cap: u64,
) -> Result<Files, Error> {
    let client = Client::new(reference, transport, false)?;
    let pin = reference.pin_or(default_tag);
    let bytes = client.manifest(pin)?;
    if let Some(Pin::Digest(want)) = &reference.pin {
        let got = super::digest_of(&bytes);
        if &got != want {
            return Err(Error::content(format!(
                "the manifest fetched for `{want}` hashes to `{got}`\nhelp: the registry answered with other content than the digest names; do not use it"
            )));
        }
    }
    let layer = manifest::bundle_layer(&bytes, cap)?;
    let gzip = client.blob(&layer.digest, layer.size)?;
    layer::unpack(&gzip, cap)
}
