//! Collecting a snapshot of the machine galley runs on (`galley snapshot`).
//!
//! Five collectors run concurrently, each on its own thread with its own budget: OS (files
//! under `/proc` and `/etc`), GPU (`nvidia-smi -q -x`), Network (the fabric class, from files
//! under `/sys` and `/dev`), SystemD (`systemctl show`) and Kubernetes with NodeTopology
//! (`kubectl`). A collector that fails, lacks its program or
//! runs past its budget degrades its own part and adds a note; the snapshot always comes
//! out. Programs run as child processes with a deadline and are killed when it passes.
//! Measurements come out sorted by type, readings by key, so the same machine gives the
//! same bytes.
//!
//! [`Machine`] says where to look: the live machine (files under `/`, programs on `PATH`)
//! or a directory standing in for one (`--root DIR`: files under `DIR`, programs only from
//! `DIR/bin`, so a fixture root carries its own fake `nvidia-smi` or none).

pub mod gpu;
pub mod k8s;
pub mod network;
pub mod os;
pub mod process;
pub mod systemd;

use crate::measure::snapshot::{Measurement, Snapshot};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Where files and programs come from.
#[derive(Clone, Debug)]
pub struct Machine {
    pub root: PathBuf,
    pub bin_dirs: Vec<PathBuf>,
    /// Replaces every collector's budget (`GALLEY_COLLECT_TIMEOUT_MS`).
    pub timeout: Option<Duration>,
}

impl Machine {
    /// This machine: `/` and `PATH`.
    pub fn live() -> Machine {
        let bin_dirs = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        Machine {
            root: PathBuf::from("/"),
            bin_dirs,
            timeout: env_timeout(),
        }
    }

    /// A directory standing in for a machine.
    pub fn rooted(root: &Path) -> Machine {
        Machine {
            root: root.to_path_buf(),
            bin_dirs: vec![root.join("bin")],
            timeout: env_timeout(),
        }
    }

    /// An executable file named `program` in the first bin directory that has one, as a
    /// shell finds it; otherwise why not (`not found`, or where a file of that name is not
    /// executable).
    pub fn find(&self, program: &str) -> Result<PathBuf, String> {
        use std::os::unix::fs::PermissionsExt;
        let mut not_executable = None;
        for path in self.bin_dirs.iter().map(|d| d.join(program)) {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => return Ok(path),
                Ok(m) if m.is_file() => {
                    not_executable.get_or_insert(path);
                }
                _ => {}
            }
        }
        Err(match not_executable {
            Some(path) => format!("at `{}` is not executable", path.display()),
            None => "not found".into(),
        })
    }

    /// The node's name: `NODE_NAME`, `KUBERNETES_NODE_NAME`, `HOSTNAME`, then the kernel's
    /// hostname under the root.
    pub fn node_name(&self) -> Option<String> {
        ["NODE_NAME", "KUBERNETES_NODE_NAME", "HOSTNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .or_else(|| {
                std::fs::read_to_string(self.root.join("proc/sys/kernel/hostname"))
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            })
    }
}

fn env_timeout() -> Option<Duration> {
    std::env::var("GALLEY_COLLECT_TIMEOUT_MS")
        .ok()?
        .parse::<u64>()
        .ok()
        .map(Duration::from_millis)
}

/// One collector's name and default budget (the reference's).
pub const COLLECTORS: [(&str, u64); 5] = [
    ("os", 10),
    ("gpu", 10),
    ("network", 10),
    ("systemd", 10),
    ("k8s", 60),
];

/// What a collection produced.
pub struct Collected {
    pub snapshot: Snapshot,
    pub metadata: BTreeMap<String, String>,
    /// What degraded and why, one line each, in collector order.
    pub notes: Vec<String>,
}

/// How long past its budget a collector may take to report: its programs are killed at the
/// budget, so it can still say what happened (`nvidia-smi timed out`) before it is abandoned.
const GRACE: Duration = Duration::from_millis(500);

type Report = (usize, Vec<Measurement>, Vec<String>, Duration);

/// Run every collector; `progress` hears each one finish (name, milliseconds).
pub fn collect(machine: &Machine, progress: &dyn Fn(&str, u128)) -> Collected {
    let (tx, rx) = mpsc::channel::<Report>();
    let started = Instant::now();
    let budget = |i: usize| {
        machine
            .timeout
            .unwrap_or(Duration::from_secs(COLLECTORS[i].1))
    };
    for i in 0..COLLECTORS.len() {
        let tx = tx.clone();
        let machine = machine.clone();
        let limit = budget(i);
        // Detached: a collector past its budget is abandoned, not waited for.
        std::thread::spawn(move || {
            let t = Instant::now();
            let mut notes = Vec::new();
            let ms = run_one(i, &machine, limit, &mut notes);
            let _ = tx.send((i, ms, notes, t.elapsed()));
        });
    }
    drop(tx);
    let mut done: BTreeMap<usize, (Vec<Measurement>, Vec<String>)> = BTreeMap::new();
    while done.len() < COLLECTORS.len() {
        let waiting: Vec<usize> = (0..COLLECTORS.len())
            .filter(|i| !done.contains_key(i))
            .collect();
        let elapsed = started.elapsed();
        let left = waiting
            .iter()
            .map(|&i| (budget(i) + GRACE).saturating_sub(elapsed))
            .min()
            .unwrap_or_default();
        match rx.recv_timeout(left) {
            Ok((i, ms, notes, took)) => {
                progress(COLLECTORS[i].0, took.as_millis());
                done.insert(i, (ms, notes));
            }
            Err(_) => {
                let elapsed = started.elapsed();
                for i in waiting
                    .into_iter()
                    .filter(|&i| budget(i) + GRACE <= elapsed)
                {
                    let note = format!(
                        "the {} collector timed out after {} ms; its measurements are left out",
                        COLLECTORS[i].0,
                        budget(i).as_millis()
                    );
                    done.insert(i, (Vec::new(), vec![note]));
                }
            }
        }
    }
    let mut snapshot = Snapshot::default();
    let mut notes = Vec::new();
    for (_, (ms, n)) in done {
        snapshot.measurements.extend(ms);
        notes.extend(n);
    }
    snapshot.measurements.sort_by(|a, b| a.ty.cmp(&b.ty));
    let mut metadata = BTreeMap::new();
    if let Some(node) = machine.node_name() {
        metadata.insert("source-node".to_string(), node);
    }
    Collected {
        snapshot,
        metadata,
        notes,
    }
}

fn run_one(
    i: usize,
    machine: &Machine,
    limit: Duration,
    notes: &mut Vec<String>,
) -> Vec<Measurement> {
    match COLLECTORS[i].0 {
        "os" => vec![os::collect(&machine.root, notes)],
        "network" => network::collect(&machine.root, notes),
        "gpu" => vec![gpu::collect(
            machine
                .find("nvidia-smi")
                .as_deref()
                .map_err(String::as_str),
            limit,
            notes,
        )],
        "systemd" => vec![systemd::collect(
            machine.find("systemctl").as_deref().map_err(String::as_str),
            limit,
            notes,
        )],
        _ => k8s::collect(
            machine.find("kubectl").as_deref().map_err(String::as_str),
            machine.node_name().as_deref(),
            limit,
            notes,
        ),
    }
}
