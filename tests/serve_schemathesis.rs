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

/// What schemathesis found: a `RecipeCriteria` whose `apiVersion` (or `kind`) is there but
/// not a string was taken as if it were absent; it is refused, by the server and the CLI.
#[test]
fn a_criteria_document_with_a_non_string_api_version_is_refused() {
    let server = crate::serve_support::Server::start(&[]);
    for body in [
        "apiVersion: {}\nkind: RecipeCriteria\n",
        "kind: [RecipeCriteria]\n",
    ] {
        let got = crate::serve_support::post(
            &server.url("/v1/recipe"),
            &[("content-type", "application/yaml")],
            body.as_bytes(),
        );
        assert_eq!(got.status, 400, "{body}: {}", got.text());
        assert!(got.text().contains("must be a string"), "{}", got.text());
    }
    let dir = crate::support::TempDir::new("criteria-api-version");
    let file = dir.path().join("criteria.yaml");
    std::fs::write(&file, "apiVersion: {}\nspec: {service: eks}\n").unwrap();
    let out = crate::support::run(
        crate::support::galley()
            .args(["recipe", "--criteria"])
            .arg(&file),
    );
    assert!(!out.status.success());
    assert!(
        crate::support::stderr(&out).contains("must be a string"),
        "{}",
        crate::support::stderr(&out)
    );
}

/// What schemathesis found next: JSON has one number type and JSON Schema counts `8.0` as
/// the integer 8, but `spec.nodes: 8.0` was refused as "a number, not a string". A float
/// with no fraction is that integer; one with a fraction is still refused.
#[test]
fn a_node_count_written_as_a_whole_float_is_that_count() {
    let server = crate::serve_support::Server::start(&[]);
    let body = |nodes: &str| {
        format!(
            r#"{{"kind":"RecipeCriteria","apiVersion":"aicr.nvidia.com/v1alpha1","spec":{{"service":"eks","nodes":{nodes}}}}}"#
        )
    };
    let post = |b: String| {
        crate::serve_support::post(
            &server.url("/v1/recipe"),
            &[("content-type", "application/json")],
            b.as_bytes(),
        )
    };
    let whole = post(body("8.0"));
    let int = post(body("8"));
    assert_eq!(whole.status, 200, "{}", whole.text());
    assert_eq!(whole.text(), int.text());
    let half = post(body("8.5"));
    assert_eq!(half.status, 400, "{}", half.text());
    assert!(half.text().contains("must be a string"), "{}", half.text());
}
