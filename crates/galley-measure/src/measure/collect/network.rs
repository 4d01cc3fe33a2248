//! The network collector: the node's GPU fabric class, `Network.fabric.class`, the key of a
//! bound's table (`docs/measure.md`, "The fabric class"). It reads what the node shows
//! without root or network, under the machine's root:
//!
//! - RDMA devices, `/sys/class/infiniband/DEV`: bound to the `efa` driver (the
//!   `device/driver` link, else `DRIVER=` in `device/uevent`) is `efa`; otherwise a port's
//!   `ports/N/link_layer` `InfiniBand` is `infiniband` and `Ethernet` is `roce`. Software
//!   RDMA (`rxe*`, `siw*`, or a device with a `parent` attribute) is no fabric.
//! - GCP GPUDirect-TCPXO: a PCI function with vendor `0x1ae0` and device `0x0084` (the
//!   aperture device of an A3 Mega NIC) under `/sys/bus/pci/devices`, or an entry in
//!   `/dev/aperture_devices` (where the TCPXO set-up bind-mounts those functions).
//!
//! Several classes at once give the first of [`Fabric::ALL`]; none gives no measurement, and
//! a note. Every file goes through the bounded reader, directories are listed up to a cap,
//! and the walk has a fixed depth, so a hostile tree cannot hang or exhaust it.

use crate::input;
use crate::measure::snapshot::{Measurement, Reading, Subtype};
use camino::Utf8Path;
use indexmap::IndexMap;
use std::path::Path;

/// The most entries read from one directory.
const MAX_ENTRIES: usize = 4096;

/// A fabric class, in order of precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fabric {
    Efa,
    Infiniband,
    Roce,
    Tcpxo,
}

impl Fabric {
    /// Every class, the one a node reports first: a dedicated GPU fabric (EFA, InfiniBand)
    /// before RDMA over the Ethernet a node also uses for other traffic, and RDMA before
    /// TCPXO.
    pub const ALL: [Fabric; 4] = [Fabric::Efa, Fabric::Infiniband, Fabric::Roce, Fabric::Tcpxo];

    pub fn name(self) -> &'static str {
        match self {
            Fabric::Efa => "efa",
            Fabric::Infiniband => "infiniband",
            Fabric::Roce => "roce",
            Fabric::Tcpxo => "tcpxo",
        }
    }
}

/// A class and where it was seen (`/sys/class/infiniband/mlx5_0/ports/1/link_layer`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sighting {
    pub class: Fabric,
    pub from: String,
}

/// The `Network` measurement when a fabric was found; a note either way when it was not
/// plain.
pub fn collect(root: &Path, notes: &mut Vec<String>) -> Vec<Measurement> {
    let seen = detect(root);
    let Some(class) = choose(&seen) else {
        notes.push(
            "no GPU fabric found (no RDMA device under `/sys/class/infiniband`, no TCPXO aperture device): Network.fabric.class is left out"
                .into(),
        );
        return Vec::new();
    };
    let mut classes: Vec<Fabric> = seen.iter().map(|s| s.class).collect();
    classes.sort();
    classes.dedup();
    if classes.len() > 1 {
        let names: Vec<&str> = classes.iter().map(|c| c.name()).collect();
        notes.push(format!(
            "several fabric classes found ({}): Network.fabric.class is `{}`, the first in the order efa, infiniband, roce, tcpxo",
            names.join(", "),
            class.name()
        ));
    }
    vec![Measurement {
        ty: "Network".into(),
        subtypes: vec![Subtype {
            name: "fabric".into(),
            data: IndexMap::from([(
                "class".to_string(),
                Reading::String(class.name().to_string()),
            )]),
        }],
    }]
}

/// The class a node reports: the first of [`Fabric::ALL`] seen.
pub fn choose(seen: &[Sighting]) -> Option<Fabric> {
    seen.iter().map(|s| s.class).min()
}

/// Every fabric sign under `root`, in the order found.
pub fn detect(root: &Path) -> Vec<Sighting> {
    let mut seen = Vec::new();
    rdma(root, &mut seen);
    tcpxo(root, &mut seen);
    seen
}

fn rdma(root: &Path, seen: &mut Vec<Sighting>) {
    let class_dir = root.join("sys/class/infiniband");
    for name in entries(&class_dir) {
        if name.starts_with("rxe") || name.starts_with("siw") {
            continue;
        }
        let dev = class_dir.join(&name);
        let abs = format!("/sys/class/infiniband/{name}");
        if is_file(&dev.join("parent")) {
            continue;
        }
        if driver(&dev.join("device")).as_deref() == Some("efa") {
            seen.push(Sighting {
                class: Fabric::Efa,
                from: format!("{abs} (driver `efa`)"),
            });
            continue;
        }
        for port in entries(&dev.join("ports")) {
            let layer = read(&dev.join("ports").join(&port).join("link_layer"));
            let class = match layer.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("infiniband") => Fabric::Infiniband,
                Some("ethernet") => Fabric::Roce,
                _ => continue,
            };
            seen.push(Sighting {
                class,
                from: format!("{abs}/ports/{port}/link_layer"),
            });
        }
    }
}

/// The driver a device is bound to: the name its `driver` link points to, else the
/// `DRIVER=` line of its `uevent`.
fn driver(device: &Path) -> Option<String> {
    if let Ok(target) = std::fs::read_link(device.join("driver"))
        && let Some(name) = target.file_name().and_then(|n| n.to_str())
    {
        return Some(name.to_string());
    }
    let uevent = read(&device.join("uevent"))?;
    uevent
        .lines()
        .find_map(|l| l.trim().strip_prefix("DRIVER="))
        .map(str::to_string)
}

/// The vendor and device of the TCPXO aperture function (`lspci -nn` `1ae0:0084`).
const APERTURE: (&str, &str) = ("0x1ae0", "0x0084");

fn tcpxo(root: &Path, seen: &mut Vec<Sighting>) {
    let pci = root.join("sys/bus/pci/devices");
    for name in entries(&pci) {
        let f = pci.join(&name);
        let ids = (read(&f.join("vendor")), read(&f.join("device")));
        if ids.0.as_deref() == Some(APERTURE.0) && ids.1.as_deref() == Some(APERTURE.1) {
            seen.push(Sighting {
                class: Fabric::Tcpxo,
                from: format!("/sys/bus/pci/devices/{name} (aperture device 1ae0:0084)"),
            });
        }
    }
    if let Some(first) = entries(&root.join("dev/aperture_devices")).first() {
        seen.push(Sighting {
            class: Fabric::Tcpxo,
            from: format!("/dev/aperture_devices/{first}"),
        });
    }
}

/// Up to [`MAX_ENTRIES`] UTF-8 names in a directory, sorted; none when it cannot be read.
fn entries(dir: &Path) -> Vec<String> {
    let Ok(list) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = list
        .take(MAX_ENTRIES)
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

fn is_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// A small attribute file, trimmed, through the bounded reader (a regular file only, the
/// last component never a link); none when it cannot be read.
fn read(path: &Path) -> Option<String> {
    let utf8 = Utf8Path::from_path(path)?;
    input::read_tree_text(utf8)
        .ok()
        .map(|t| t.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A scratch directory for one test, removed when dropped.
    struct Tree(PathBuf);

    impl Tree {
        fn new(tag: &str) -> Tree {
            let dir =
                std::env::temp_dir().join(format!("galley-fabric-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Tree(dir)
        }

        fn file(&self, rel: &str, text: &str) {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn class(tree: &Tree) -> Option<&'static str> {
        choose(&detect(&tree.0)).map(Fabric::name)
    }

    #[test]
    fn the_driver_link_names_efa() {
        let t = Tree::new("link");
        t.file("sys/bus/pci/drivers/efa/bind", "");
        t.file(
            "sys/class/infiniband/rdmap0/ports/1/link_layer",
            "Unspecified\n",
        );
        std::fs::create_dir_all(t.0.join("sys/class/infiniband/rdmap0/device")).unwrap();
        std::os::unix::fs::symlink(
            "../../../../bus/pci/drivers/efa",
            t.0.join("sys/class/infiniband/rdmap0/device/driver"),
        )
        .unwrap();
        assert_eq!(class(&t), Some("efa"));
    }

    #[test]
    fn aperture_devices_alone_are_tcpxo() {
        let t = Tree::new("aperture");
        t.file("dev/aperture_devices/0000:06:00.1/vendor", "0x1ae0\n");
        assert_eq!(class(&t), Some("tcpxo"));
    }

    #[test]
    fn software_rdma_and_plain_nics_are_no_fabric() {
        let t = Tree::new("soft");
        t.file("sys/class/infiniband/rxe0/ports/1/link_layer", "Ethernet\n");
        t.file("sys/class/infiniband/roce_sw/parent", "eth0\n");
        t.file(
            "sys/class/infiniband/roce_sw/ports/1/link_layer",
            "Ethernet\n",
        );
        t.file("sys/bus/pci/devices/0000:00:04.0/vendor", "0x1ae0\n");
        t.file("sys/bus/pci/devices/0000:00:04.0/device", "0x0042\n");
        assert_eq!(class(&t), None);
    }

    #[test]
    fn precedence_is_efa_infiniband_roce_tcpxo() {
        let s = |class| Sighting {
            class,
            from: String::new(),
        };
        assert_eq!(
            choose(&[s(Fabric::Tcpxo), s(Fabric::Roce)]),
            Some(Fabric::Roce)
        );
        assert_eq!(
            choose(&[s(Fabric::Roce), s(Fabric::Infiniband)]),
            Some(Fabric::Infiniband)
        );
        assert_eq!(
            choose(&[s(Fabric::Infiniband), s(Fabric::Efa)]),
            Some(Fabric::Efa)
        );
        assert_eq!(choose(&[]), None);
    }
}
