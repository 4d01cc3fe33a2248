//! The OCI image manifest of a bundle artifact, in the layout the reference pushes with ORAS,
//! and the checks `pull` makes on a manifest it fetched.

use super::layer::Layer;
use super::reference::valid_digest;
use super::{Error, digest_of};
use serde_json::{Value, json};

pub const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const ARTIFACT_TYPE: &str = "application/vnd.nvidia.aicr.artifact";
pub const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub const LAYER_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// The empty config blob, `{}`.
pub const EMPTY_CONFIG: &[u8] = b"{}";

/// What the manifest says about who made the artifact.
pub struct Annotations<'a> {
    /// `SOURCE_DATE_EPOCH`, or 0.
    pub created: u64,
    pub version: &'a str,
}

/// The manifest's bytes for `layer`: compact JSON, keys in a fixed order.
#[allow(clippy::expect_used)] // a `json!` value (string keys only) always serializes
pub fn build(layer: &Layer, notes: &Annotations<'_>) -> Vec<u8> {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "config": {
            "mediaType": EMPTY_TYPE,
            "digest": digest_of(EMPTY_CONFIG),
            "size": EMPTY_CONFIG.len(),
            "data": "e30=",
        },
        "layers": [{
            "mediaType": LAYER_TYPE,
            "digest": layer.digest,
            "size": layer.gzip.len(),
            "annotations": {
                "io.deis.oras.content.digest": layer.tar_digest,
                "io.deis.oras.content.unpack": "true",
                "org.opencontainers.image.title": ".",
            },
        }],
        "annotations": {
            "org.opencontainers.image.created": rfc3339(notes.created),
            "org.opencontainers.image.source": env!("CARGO_PKG_REPOSITORY"),
            "org.opencontainers.image.title": "galley bundle",
            "org.opencontainers.image.vendor": "galley",
            "org.opencontainers.image.version": notes.version,
        },
    });
    serde_json::to_vec(&manifest).expect("JSON of plain values")
}

/// One blob a manifest points to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

/// The bundle layer of a fetched manifest, checked: an image manifest with one
/// `tar+gzip` layer whose size is within `cap`.
pub fn bundle_layer(bytes: &[u8], cap: u64) -> Result<Descriptor, Error> {
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::content(format!("the manifest is not JSON: {e}")))?;
    if doc["schemaVersion"] != 2 {
        return Err(Error::content(
            "the manifest is not an OCI image manifest (`schemaVersion` is not 2)",
        ));
    }
    let layers = doc["layers"]
        .as_array()
        .ok_or_else(|| Error::content("the manifest has no `layers` list"))?;
    let [layer] = layers.as_slice() else {
        return Err(Error::content(format!(
            "the manifest has {} layers; a bundle artifact has exactly one",
            layers.len()
        )));
    };
    let d = descriptor(layer)?;
    if d.media_type != LAYER_TYPE {
        return Err(Error::content(format!(
            "the layer's media type is `{}`, not `{LAYER_TYPE}`",
            d.media_type
        )));
    }
    if d.size > cap {
        return Err(Error::content(format!(
            "refusing the layer: the manifest says it is {} bytes, more than {cap}\nhelp: raise `--max-size` if the bundle is really this large",
            d.size
        )));
    }
    Ok(d)
}

fn descriptor(v: &Value) -> Result<Descriptor, Error> {
    let media_type = v["mediaType"].as_str().unwrap_or_default().to_string();
    let digest = v["digest"].as_str().unwrap_or_default().to_string();
    if !valid_digest(&digest) {
        return Err(Error::content(format!(
            "the layer digest `{digest}` is not a sha256 digest galley can check"
        )));
    }
    let size = v["size"]
        .as_u64()
        .ok_or_else(|| Error::content("the layer has no `size`"))?;
    Ok(Descriptor {
        media_type,
        digest,
        size,
    })
}

/// `seconds` since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (the clock's formatter, which every other
/// document header uses).
pub fn rfc3339(seconds: u64) -> String {
    let millis = i64::try_from(seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000);
    crate::measure::clock::rfc3339(millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{Files, layer};

    fn layer() -> Layer {
        let mut f = Files::default();
        f.files.insert("a".into(), b"x".to_vec());
        layer::pack(&f, 0)
    }

    #[test]
    fn manifest_is_reproducible_and_in_the_reference_layout() {
        let notes = Annotations {
            created: 0,
            version: "1.2.3",
        };
        let a = build(&layer(), &notes);
        assert_eq!(a, build(&layer(), &notes));
        let v: Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(v["artifactType"], ARTIFACT_TYPE);
        assert_eq!(v["config"]["digest"], digest_of(b"{}"));
        assert_eq!(
            v["config"]["digest"],
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        let l = &v["layers"][0];
        assert_eq!(l["annotations"]["org.opencontainers.image.title"], ".");
        assert_eq!(l["annotations"]["io.deis.oras.content.unpack"], "true");
        assert_eq!(
            l["annotations"]["io.deis.oras.content.digest"],
            layer().tar_digest
        );
        let notes = &v["annotations"];
        assert_eq!(
            notes["org.opencontainers.image.created"],
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(notes["org.opencontainers.image.version"], "1.2.3");
        assert_eq!(bundle_layer(&a, 1 << 20).unwrap().digest, layer().digest);
    }

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn refuses_a_layer_over_the_cap_and_odd_manifests() {
        let d = format!("sha256:{}", "0".repeat(64));
        let big = format!(
            r#"{{"schemaVersion":2,"layers":[{{"mediaType":"{LAYER_TYPE}","digest":"{d}","size":10000000000}}]}}"#
        );
        let e = bundle_layer(big.as_bytes(), 1 << 20).unwrap_err();
        assert!(e.message.contains("10000000000 bytes"), "{}", e.message);
        for (text, want) in [
            ("[", "not JSON"),
            (r#"{"schemaVersion":1}"#, "schemaVersion"),
            (r#"{"schemaVersion":2,"layers":[]}"#, "0 layers"),
            (
                r#"{"schemaVersion":2,"layers":[{"digest":"sha256:1","size":1}]}"#,
                "not a sha256 digest",
            ),
        ] {
            let e = bundle_layer(text.as_bytes(), 1 << 20).unwrap_err();
            assert!(e.message.contains(want), "{text}: {}", e.message);
        }
    }
}
