//! The GPU collector (`validate.md` §2.4): `nvidia-smi -q -x`, parsed with roxmltree. A
//! missing program, a failure, a timeout or XML that does not parse gives `gpu-count: 0`
//! and a note; XML with another root element gives an empty device, as in the reference.

use super::process;
use crate::measure::snapshot::{Measurement, Reading, Subtype};
use indexmap::IndexMap;
use std::path::Path;
use std::time::Duration;

/// The first GPU's fields, as (snapshot key, XML element).
const FIRST_GPU: [(&str, &str); 8] = [
    ("gpu.model", "product_name"),
    ("gpu.product-architecture", "product_architecture"),
    ("gpu.display-mode", "display_mode"),
    ("gpu.display-active", "display_active"),
    ("gpu.persistence-mode", "persistence_mode"),
    ("gpu.addressing-mode", "addressing_mode"),
    ("gpu.vbios-version", "vbios_version"),
    ("gpu.gsp-firmware-version", "gsp_firmware_version"),
];

/// `program` is the `nvidia-smi` to run, or why there is none (`not found`).
pub fn collect(
    program: Result<&Path, &str>,
    timeout: Duration,
    notes: &mut Vec<String>,
) -> Measurement {
    let data = match program {
        Err(why) => {
            notes.push(format!("nvidia-smi {why}: GPU.smi.gpu-count is 0"));
            no_gpu()
        }
        Ok(p) => match process::run(p, &["-q", "-x"], timeout) {
            Ok(xml) => parse(&xml).unwrap_or_else(|e| {
                notes.push(format!(
                    "nvidia-smi output is not XML ({e}): GPU.smi.gpu-count is 0"
                ));
                no_gpu()
            }),
            Err(e) => {
                notes.push(format!("nvidia-smi {e}: GPU.smi.gpu-count is 0"));
                no_gpu()
            }
        },
    };
    Measurement {
        ty: "GPU".into(),
        subtypes: vec![Subtype {
            name: "smi".into(),
            data,
        }],
    }
}

fn no_gpu() -> IndexMap<String, Reading> {
    IndexMap::from([("gpu-count".to_string(), Reading::Int(0))])
}

/// The `smi` readings of an `nvidia-smi -q -x` document.
pub fn parse(xml: &str) -> Result<IndexMap<String, Reading>, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: 1_000_000,
        // External entities (the DOCTYPE's SYSTEM DTD) are never fetched.
        entity_resolver: None,
    };
    let doc = roxmltree::Document::parse_with_options(xml, options).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    let is_log = root.has_tag_name("nvidia_smi_log");
    let child_text = |node: roxmltree::Node, tag: &str| -> String {
        node.children()
            .find(|c| c.has_tag_name(tag))
            .and_then(|c| c.text())
            .map(|t| t.trim().to_string())
            .unwrap_or_default()
    };
    let gpus: Vec<roxmltree::Node> = if is_log {
        root.children().filter(|c| c.has_tag_name("gpu")).collect()
    } else {
        Vec::new()
    };
    let mut data = IndexMap::new();
    let field = |tag: &str| {
        if is_log {
            child_text(root, tag)
        } else {
            String::new()
        }
    };
    data.insert("driver".into(), Reading::String(field("driver_version")));
    data.insert(
        "cuda-version".into(),
        Reading::String(field("cuda_version")),
    );
    data.insert("gpu-count".into(), Reading::Int(gpus.len() as i64));
    if let Some(first) = gpus.first() {
        for (key, tag) in FIRST_GPU {
            data.insert(key.into(), Reading::String(child_text(*first, tag)));
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_fixture() {
        let xml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/measure/nvidia-smi-q-x-8xh100.xml"
        ))
        .expect("the fixture is part of the repository");
        let d = parse(&xml).unwrap();
        assert_eq!(
            d["gpu.vbios-version"],
            Reading::String("96.00.A5.00.01".into())
        );
        assert_eq!(d["driver"], Reading::String("570.158.01".into()));
        assert_eq!(d["cuda-version"], Reading::String("12.8".into()));
        assert_eq!(d["gpu-count"], Reading::Int(8));
        assert_eq!(
            d["gpu.model"],
            Reading::String("NVIDIA H100 80GB HBM3".into())
        );
        assert_eq!(
            d["gpu.product-architecture"],
            Reading::String("Hopper".into())
        );
    }

    #[test]
    fn other_roots_and_garbage() {
        let d = parse("<other><gpu/></other>").unwrap();
        assert_eq!(d["gpu-count"], Reading::Int(0));
        assert_eq!(d["driver"], Reading::String(String::new()));
        assert!(!d.contains_key("gpu.model"));
        assert!(parse("not xml").is_err());
        assert!(parse("<a>").is_err());
    }
}
