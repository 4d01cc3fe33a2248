//! `deploy/chart/`: `helm lint`, and `helm template` through `kubernetes-validate --strict`,
//! with the security settings issue 14 asks for. The tools come from `make tools`; missing,
//! the test is skipped, unless `GALLEY_REQUIRE_TOOLS=1` (as in `make test`).

use crate::support::{TempDir, root};
use std::path::PathBuf;
use std::process::Command;

fn tool(name: &str) -> Option<PathBuf> {
    let bin = std::env::var_os("GALLEY_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
        .join("bin")
        .join(name);
    if bin.exists() {
        return Some(bin);
    }
    let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "GALLEY_REQUIRE_TOOLS=1 but {} is missing; run `make tools`",
        bin.display()
    );
    eprintln!(
        "skipped: {} not installed (run `make tools`)",
        bin.display()
    );
    None
}

fn ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_chart_lints_and_renders_valid_hardened_kubernetes_objects() {
    let (Some(helm), Some(validate)) = (tool("helm"), tool("kubernetes-validate")) else {
        return;
    };
    let chart = root().join("deploy/chart");
    ok(Command::new(&helm).arg("lint").arg(&chart), "helm lint");
    let rendered = ok(
        Command::new(&helm)
            .args(["template", "r", "--namespace", "galley"])
            .args(["--set", "server.allow.service={eks,gke}"])
            .arg(&chart),
        "helm template",
    );
    for want in [
        "kind: Deployment",
        "kind: Service",
        "kind: HorizontalPodAutoscaler",
        "kind: PodDisruptionBudget",
        "runAsNonRoot: true",
        "readOnlyRootFilesystem: true",
        "drop: [\"ALL\"]",
        "path: /health",
        "path: /ready",
        "- --allow=service=eks,gke",
        "- --listen=0.0.0.0:8080",
    ] {
        assert!(rendered.contains(want), "no `{want}` in:\n{rendered}");
    }
    assert!(!rendered.contains("ServiceMonitor"));
    let dir = TempDir::new("serve-chart");
    let file = dir.path().join("rendered.yaml");
    std::fs::write(&file, &rendered).unwrap();
    ok(
        Command::new(&validate)
            .args(["--strict", "--quiet", "-k", "1.33.0"])
            .arg(&file),
        "kubernetes-validate --strict",
    );
    let monitored = ok(
        Command::new(&helm)
            .args(["template", "r", "--set", "serviceMonitor.enabled=true"])
            .arg(&chart),
        "helm template with a ServiceMonitor",
    );
    assert!(monitored.contains("kind: ServiceMonitor"));
    assert!(monitored.contains("path: /metrics"));
}

/// The flags the chart passes are flags `galley serve` takes.
#[test]
fn the_chart_passes_only_flags_galley_serve_knows() {
    let values =
        std::fs::read_to_string(root().join("deploy/chart/templates/deployment.yaml")).unwrap();
    let help = crate::support::run(crate::support::galley().args(["serve", "--help"]));
    let help = crate::support::stdout(&help);
    let flags: Vec<&str> = values
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- --"))
        .map(|f| f.split('=').next().unwrap())
        .collect();
    assert!(flags.len() >= 8, "{flags:?}");
    for flag in flags {
        assert!(
            help.contains(&format!("--{flag}")),
            "`--{flag}` is not a flag of galley serve"
        );
    }
}
