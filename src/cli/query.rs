//! `galley query [criteria] --selector PATH [--format yaml|json]`

use super::recipe::{DocFormat, resolve_target};
use super::target::CriteriaArgs;
use crate::diag::{Code, Diagnostic};
use crate::ir::query;
use crate::value::Value;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// Path into the hydrated recipe: `components.gpu-operator.values.driver.version`,
    /// `deploymentOrder[0]`, `components.x.values."nvidia.com/gpu"`; empty selects all
    #[arg(long)]
    selector: String,
    /// Output format
    #[arg(long, short = 't', value_enum, default_value_t = DocFormat::Yaml)]
    format: DocFormat,
}

/// Exit code when the selector names nothing (the reference's NOT_FOUND).
const NOT_FOUND: u8 = 3;

pub fn run(args: Args) -> ExitCode {
    if let Err(e) = query::parse_selector(&args.selector) {
        return super::usage_error(Code::UsageSelector, e);
    }
    let (_, recipe) = match resolve_target(&args.criteria) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let map = query::hydrated(&recipe);
    let value = match query::select(&map, &args.selector) {
        Ok(v) => v,
        Err(e) => {
            return super::fail::fail(&Diagnostic::error(Code::NotFound, e.to_string()), NOT_FOUND);
        }
    };
    super::emit(&render(value, args.format));
    ExitCode::SUCCESS
}

/// Scalars print bare (the reference's behaviour); JSON prints everything as JSON.
pub(crate) fn render(value: &Value, format: DocFormat) -> String {
    match (format, value) {
        (DocFormat::Json, v) => {
            format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())
        }
        (_, Value::String(s)) => format!("{s}\n"),
        (_, Value::Bool(b)) => format!("{b}\n"),
        (_, Value::Int(i)) => format!("{i}\n"),
        (_, Value::Float(f)) => format!("{f}\n"),
        (_, Value::Null) => "null\n".into(),
        (_, v @ Value::Map(_)) => crate::yaml_out::values_yaml(v),
        (_, v) => crate::yaml_out::document_yaml(v),
    }
}
