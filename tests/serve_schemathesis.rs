//! schemathesis (a property-based API tester, installed into `.tools` by `make tools`) fuzzes
//! the running server against the OpenAPI document it serves, with every check on: no
//! response outside its schema, no schema-valid request refused, no schema-violating request
//! accepted, `Allow` on every 405. The run is seeded and bounded, so it is the same run each
//! time and stays within a minute or two on two cores.

use crate::serve_support::Server;
use crate::support::{root, tool_missing};

/// Examples per operation: enough to reach every parameter and body shape, few enough to
/// finish in a minute or two on a shared two-core machine.
const EXAMPLES: &str = "25";

fn schemathesis() -> Option<std::path::PathBuf> {
    let bin = std::env::var_os("GALLEY_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
        .join("bin/schemathesis");
    bin.exists().then_some(bin)
}

#[test]
fn schemathesis_finds_no_failure_with_every_check_on() {
    let Some(bin) = schemathesis() else {
        tool_missing("schemathesis", "run `make tools`");
        return;
    };
    let server = Server::start(&[]);
    let scratch = std::env::temp_dir().join(format!("galley-schemathesis-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let out = std::process::Command::new(bin)
        .current_dir(&scratch)
        .env("NO_COLOR", "1")
        .arg("--config-file")
        .arg(root().join("tests/fixtures/serve/schemathesis.toml"))
        .args(["run", &server.url("/openapi.json")])
        .args(["--checks", "all", "--seed", "1", "--max-examples", EXAMPLES])
        .args(["--generation-database", "none", "--no-color"])
        .output()
        .expect("schemathesis runs");
    let _ = std::fs::remove_dir_all(&scratch);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{text}\nserver log:\n{}",
        server.log()
    );
    assert!(!text.contains("failure"), "{text}");
    assert!(
        text.contains("generated"),
        "schemathesis generated no case: {text}"
    );
}
