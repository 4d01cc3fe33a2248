//! `galley snapshot`: the live machine, the fixture root (`tests/fixtures/measure/root`),
//! degraded collectors, and fake `nvidia-smi` / `kubectl` programs.

use crate::support::{TempDir, galley, root, run, stderr, stdout};
use galley::measure::snapshot::{self, Reading, Snapshot};
use galley::source::FileId;
use std::path::Path;

const ROOT: &str = "tests/fixtures/measure/root";

fn read(text: &str) -> Snapshot {
    snapshot::read(FileId(0), text).expect("a snapshot").0
}

fn reading<'a>(s: &'a Snapshot, ty: &'a str, sub: &str, key: &str) -> Option<&'a Reading> {
    s.subtypes(ty).find(|x| x.name == sub)?.data.get(key)
}

fn rooted(dir: &Path, format: &str) -> std::process::Output {
    run(galley()
        .args(["snapshot", "--format", format, "--root"])
        .arg(dir)
        .env("NODE_NAME", "fixture-node")
        .env_remove("SOURCE_DATE_EPOCH"))
}

#[test]
fn this_machine_yields_real_os_measurements() {
    let out = run(galley().args(["snapshot", "--format", "json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let snap = read(&stdout(&out));
    let osrelease = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(
        reading(&snap, "OS", "sysctl", "/proc/sys/kernel/osrelease"),
        Some(&Reading::String(osrelease.trim().into()))
    );
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap();
    let id = os_release
        .lines()
        .find_map(|l| l.strip_prefix("ID="))
        .unwrap()
        .trim_matches('"');
    assert_eq!(
        reading(&snap, "OS", "release", "ID"),
        Some(&Reading::String(id.into()))
    );
    assert!(
        snap.subtypes("OS")
            .find(|s| s.name == "sysctl")
            .unwrap()
            .data
            .keys()
            .all(|k| !k.starts_with("/proc/sys/net/"))
    );
    let count = reading(&snap, "GPU", "smi", "gpu-count");
    assert!(matches!(count, Some(Reading::Int(_))), "{count:?}");
}

#[test]
fn the_fixture_root_gives_the_same_bytes_every_time() {
    let dir = root().join(ROOT);
    let first = rooted(&dir, "yaml");
    assert!(first.status.success(), "{}", stderr(&first));
    let second = rooted(&dir, "yaml");
    assert_eq!(first.stdout, second.stdout);
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("measure__fixture_root", stdout(&first));
    });
    assert!(
        stderr(&first).contains("kubectl not found"),
        "{}",
        stderr(&first)
    );
}

#[test]
fn the_fixture_root_measures_what_it_holds() {
    let out = rooted(&root().join(ROOT), "json");
    let snap = read(&stdout(&out));
    let s = |ty, sub, key| reading(&snap, ty, sub, key).cloned();
    assert_eq!(s("GPU", "smi", "gpu-count"), Some(Reading::Int(8)));
    assert_eq!(
        s("GPU", "smi", "gpu.model"),
        Some(Reading::String("NVIDIA H100 80GB HBM3".into()))
    );
    assert_eq!(
        s("OS", "sysctl", "/proc/sys/sunrpc/transports/tcp"),
        Some(Reading::String("1048576".into()))
    );
    assert_eq!(s("OS", "kmod", "nvidia"), Some(Reading::Bool(true)));
    assert_eq!(s("OS", "sysctl", "/proc/sys/net/ipv4/ip_forward"), None);
    assert_eq!(s("OS", "sysctl", "/proc/sys/dev/cdrom/info"), None);
    assert_eq!(s("OS", "sysctl", "/proc/sys/kernel/osrelease-link"), None);
    assert_eq!(
        s("SystemD", "containerd.service", "ActiveState"),
        Some(Reading::String("active".into()))
    );
    assert_eq!(s("SystemD", "containerd.service", "LoadCredential"), None);
    let table = rooted(&root().join(ROOT), "table");
    assert!(stdout(&table).contains("GPU.smi.gpu-count"));
}

fn fake_root(tag: &str, programs: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new(tag);
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(
        dir.path().join("etc/os-release"),
        "ID=ubuntu\nVERSION_ID=\"24.04\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    for (name, script) in programs {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.path().join("bin").join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[test]
fn missing_programs_and_files_degrade_with_notes() {
    let dir = fake_root("bare", &[]);
    let out = rooted(dir.path(), "json");
    assert!(out.status.success(), "{}", stderr(&out));
    let snap = read(&stdout(&out));
    assert_eq!(
        reading(&snap, "GPU", "smi", "gpu-count"),
        Some(&Reading::Int(0))
    );
    assert_eq!(
        reading(&snap, "OS", "release", "VERSION_ID"),
        Some(&Reading::String("24.04".into()))
    );
    let err = stderr(&out);
    for note in [
        "nvidia-smi not found",
        "systemctl not found",
        "OS.sysctl left out",
    ] {
        assert!(err.contains(note), "{note}: {err}");
    }
}

#[test]
fn a_hanging_collector_times_out_and_the_snapshot_still_comes() {
    let dir = fake_root("hang", &[("nvidia-smi", "sleep 20")]);
    let started = std::time::Instant::now();
    let out = run(galley()
        .args(["snapshot", "--root"])
        .arg(dir.path())
        .env("GALLEY_COLLECT_TIMEOUT_MS", "300"));
    assert!(started.elapsed().as_secs() < 10);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("timed out"), "{}", stderr(&out));
    assert!(stdout(&out).contains("gpu-count: 0"));
}

#[test]
fn a_failing_or_garbled_nvidia_smi_gives_no_gpus() {
    for (tag, script) in [
        ("fail", "echo driver gone >&2; exit 9"),
        ("garbled", "echo '<nvidia'"),
    ] {
        let dir = fake_root(tag, &[("nvidia-smi", script)]);
        let out = rooted(dir.path(), "yaml");
        assert!(out.status.success());
        assert!(stdout(&out).contains("gpu-count: 0"), "{tag}");
        assert!(
            stderr(&out).contains("nvidia-smi"),
            "{tag}: {}",
            stderr(&out)
        );
    }
}

const KUBECTL: &str = r#"case "$*" in
  "version -o json") echo '{"clientVersion":{},"serverVersion":{"gitVersion":"v1.33.5-eks-3025e55","platform":"linux/amd64","goVersion":"go1.24.4"}}' ;;
  "get nodes -o json") echo '{"items":[{"metadata":{"name":"n1","labels":{"nvidia.com/gpu.present":"true"}},"spec":{"providerID":"aws:///us-east-1a/i-1","taints":[{"key":"nvidia.com/gpu","effect":"NoSchedule","value":"true"}]},"status":{"nodeInfo":{"containerRuntimeVersion":"containerd://1.7.27","kubeletVersion":"v1.33.5","kernelVersion":"6.8.0-1028-aws","operatingSystem":"linux","osImage":"Ubuntu 24.04.2 LTS"}}}]}' ;;
  "get pods --all-namespaces -o json") echo '{"items":[{"spec":{"containers":[{"image":"nvcr.io/nvidia/gpu-operator:v25.3.3"}],"initContainers":[{"image":"pause"}]}}]}' ;;
  "get clusterpolicies.nvidia.com -o json") echo '{"items":[{"spec":{"driver":{"version":"570.86.15","enabled":true}}}]}' ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac"#;

#[test]
fn kubectl_gives_the_cluster_measurements() {
    let dir = fake_root("kubectl", &[("kubectl", KUBECTL)]);
    let out = run(galley()
        .args(["snapshot", "--format", "json", "--root"])
        .arg(dir.path())
        .env("NODE_NAME", "n1"));
    assert!(out.status.success(), "{}", stderr(&out));
    let snap = read(&stdout(&out));
    let s = |ty, sub, key| reading(&snap, ty, sub, key).map(|r| r.to_string());
    assert_eq!(
        s("K8s", "server", "version").as_deref(),
        Some("v1.33.5-eks-3025e55")
    );
    assert_eq!(
        s("K8s", "image", "gpu-operator").as_deref(),
        Some("v25.3.3")
    );
    assert_eq!(s("K8s", "image", "pause").as_deref(), Some("latest"));
    assert_eq!(
        s("K8s", "policy", "driver.version").as_deref(),
        Some("570.86.15")
    );
    assert_eq!(s("K8s", "node", "provider").as_deref(), Some("eks"));
    assert_eq!(
        s("K8s", "node", "container-runtime-version").as_deref(),
        Some("1.7.27")
    );
    assert_eq!(
        s("NodeTopology", "summary", "node-count").as_deref(),
        Some("1")
    );
    assert_eq!(
        s("NodeTopology", "taint", "nvidia.com/gpu").as_deref(),
        Some("NoSchedule|true|n1")
    );
}

#[test]
fn bad_flags_exit_2() {
    let out = run(galley().args(["snapshot", "--root", "/nonexistent/galley"]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(galley().args(["snapshot", "--format", "xml"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_goes_to_a_file() {
    let dir = TempDir::new("snapout");
    let file = dir.path().join("snap.yaml");
    let out = run(galley().args(["snapshot", "--root", ROOT, "-o"]).arg(&file));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        reading(&read(&text), "GPU", "smi", "gpu-count"),
        Some(&Reading::Int(8))
    );
}
