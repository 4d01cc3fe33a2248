//! `galley validate -r RECIPE -s SNAPSHOT [--phase P]… [--results FILE]… [--fail-on-error]
//! [--fail-on-skip] [-o report.json]`
//!
//! Exit codes: 0 nothing failed; 1 a constraint or check failed (or, with
//! `--fail-on-error`, ended `other`; with `--fail-on-skip`, was skipped); 2 bad usage or an
//! unreadable or malformed recipe, snapshot or results file.

use super::print_diagnostics;
use super::recipe::write_output;
use super::target::load_library;
use crate::ir::result_view::RecipeDoc;
use crate::measure::clock;
use crate::measure::constraint::Status;
use crate::measure::measurements::Measurements;
use crate::measure::results::{self, ExternalTest, ResultsDoc};
use crate::measure::snapshot;
use crate::source::{FileId, Files};
use crate::validate::{self, PhaseName, ctrf};
use camino::Utf8PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The recipe (`RecipeResult` YAML or JSON, from `galley recipe` or `aicr recipe`)
    #[arg(long, short = 'r', value_name = "FILE")]
    recipe: Utf8PathBuf,
    /// The cluster's snapshot (YAML or JSON, from `galley snapshot` or `aicr snapshot`)
    #[arg(long, short = 's', value_name = "FILE")]
    snapshot: Utf8PathBuf,
    /// Phases to evaluate (repeatable; default all)
    #[arg(long, value_enum, value_name = "PHASE")]
    phase: Vec<PhaseArg>,
    /// Validator results: a CTRF report, a measurements document or a snapshot (repeatable)
    #[arg(long, value_name = "FILE")]
    results: Vec<Utf8PathBuf>,
    /// Also exit 1 when a test ends `other` (could not be evaluated, validator error)
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    fail_on_error: Option<bool>,
    /// Also exit 1 when a test was skipped (a check with no validator result, a constraint
    /// with no measurement), so that a run that checked nothing is not green
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    fail_on_skip: Option<bool>,
    /// Write the CTRF report to FILE instead of stdout (`-` is stdout)
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<Utf8PathBuf>,
    /// A data directory layered over the embedded library (its measurement catalog)
    #[arg(long = "data", value_name = "DIR")]
    data: Vec<Utf8PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum PhaseArg {
    Readiness,
    Deployment,
    Performance,
    Conformance,
    All,
}

pub fn run(args: Args) -> ExitCode {
    let start = clock::now_millis();
    let phases = phases(&args.phase);
    let mut files = Files::new();
    let inputs = match read_inputs(&args, &mut files) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let library = match load_library(&args.data) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (json, tests) = report_json(&inputs, &library.stdlib.catalog, &phases, start);
    let input = validate::Input {
        recipe: &inputs.recipe,
        measurements: &inputs.measurements,
        catalog: &library.stdlib.catalog,
        tests: &inputs.tests,
    };
    for t in validate::unused_tests(&input, &phases) {
        eprintln!(
            "note: CTRF test `{}` matches no check of the chosen phases; left out",
            t.name
        );
    }
    let stop = clock::now_millis().max(start);
    let code = write_output(args.output.as_ref(), &json);
    if code != ExitCode::SUCCESS {
        return code;
    }
    let s = ctrf::summary(&tests, start, stop);
    eprintln!(
        "{} tests: {} passed, {} failed, {}, {} other",
        s.tests,
        s.passed,
        s.failed,
        skipped_text(&tests, s.skipped),
        s.other
    );
    for t in tests.iter().filter(|t| t.status == Status::Failed) {
        eprintln!("failed: {} {}: {}", t.suite[0], t.name, t.message);
    }
    if tests
        .iter()
        .any(|t| t.skip == Some(validate::SkipReason::NeedsCluster))
    {
        eprintln!(
            "note: a check needs a validator run on the cluster; pass its CTRF report with --results"
        );
    }
    let fail_other = args.fail_on_error.unwrap_or(false);
    let fail_skip = args.fail_on_skip.unwrap_or(false) && s.skipped > 0;
    if fail_skip {
        super::report(&crate::diag::Diagnostic::error(
            crate::diag::Code::ValidateFailOnSkip,
            format!(
                "--fail-on-skip: {} test{} skipped",
                s.skipped,
                if s.skipped == 1 { " was" } else { "s were" }
            ),
        ));
    }
    if s.failed > 0 || (fail_other && s.other > 0) || fail_skip {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `18 skipped (15 checks need a cluster, 3 constraints not measured)`.
fn skipped_text(tests: &[validate::TestResult], skipped: usize) -> String {
    let reasons: Vec<String> = validate::skipped_by_reason(tests)
        .into_iter()
        .map(|(reason, n)| reason.describe(n))
        .collect();
    if reasons.is_empty() {
        format!("{skipped} skipped")
    } else {
        format!("{skipped} skipped ({})", reasons.join(", "))
    }
}

pub(crate) fn phases(args: &[PhaseArg]) -> Vec<PhaseName> {
    if args.is_empty() || args.contains(&PhaseArg::All) {
        return PhaseName::ALL.to_vec();
    }
    args.iter()
        .map(|p| match p {
            PhaseArg::Readiness => PhaseName::Readiness,
            PhaseArg::Deployment => PhaseName::Deployment,
            PhaseArg::Performance => PhaseName::Performance,
            PhaseArg::Conformance | PhaseArg::All => PhaseName::Conformance,
        })
        .collect()
}

pub(crate) struct Inputs {
    recipe: RecipeDoc,
    measurements: Measurements,
    tests: Vec<ExternalTest>,
}

/// Read the recipe, the snapshot and every results file; any problem is printed and ends
/// the command with exit 2.
fn read_inputs(args: &Args, files: &mut Files) -> Result<Inputs, ExitCode> {
    let recipe = read_file(&args.recipe, files)?;
    let snapshot = read_file(&args.snapshot, files)?;
    let results = args
        .results
        .iter()
        .map(|p| read_file(p, files))
        .collect::<Result<Vec<_>, _>>()?;
    let (inputs, warnings) = parse_inputs(files, recipe, snapshot, &results).map_err(|d| {
        print_diagnostics(std::slice::from_ref(&d), files);
        ExitCode::from(2)
    })?;
    print_diagnostics(&warnings, files);
    Ok(inputs)
}

/// The recipe, the snapshot and the results files, already in `files`, read into what
/// [`validate::validate`] takes; the warnings come back beside them, the first error alone.
/// `galley serve`'s `/v1/validate` reads its body's parts the same way.
pub(crate) fn parse_inputs(
    files: &Files,
    recipe: FileId,
    snapshot: FileId,
    results: &[FileId],
) -> Result<(Inputs, Vec<crate::diag::Diagnostic>), crate::diag::Diagnostic> {
    let (recipe, mut warnings) =
        validate::recipe::read(recipe, files.text(recipe), super::strict())?;
    let (snap, more) = snapshot::read(snapshot, files.text(snapshot))?;
    warnings.extend(more);
    let mut measurements = Measurements::new();
    measurements.add_snapshot(&snap, files.name(snapshot));
    let mut tests = Vec::new();
    for &id in results {
        let (doc, more) = results::read(id, files.text(id))?;
        warnings.extend(more);
        let name = files.name(id);
        match doc {
            ResultsDoc::Ctrf(t) => tests.extend(t),
            ResultsDoc::Measurements(list) => {
                for (segments, reading) in list {
                    measurements.add(segments, reading, name);
                }
            }
            ResultsDoc::Snapshot(s) => measurements.add_snapshot(&s, name),
        }
    }
    Ok((
        Inputs {
            recipe,
            measurements,
            tests,
        },
        warnings,
    ))
}

/// The CTRF report of `inputs` for `phases`, as `-o` writes it, with the tests.
pub(crate) fn report_json(
    inputs: &Inputs,
    catalog: &crate::check::stdlib::Catalog,
    phases: &[PhaseName],
    start: i64,
) -> (String, Vec<validate::TestResult>) {
    let input = validate::Input {
        recipe: &inputs.recipe,
        measurements: &inputs.measurements,
        catalog,
        tests: &inputs.tests,
    };
    let tests = validate::validate(&input, phases);
    let stop = clock::now_millis().max(start);
    let report = ctrf::report(&tests, start, stop);
    (ctrf::to_json(&report), tests)
}

fn read_file(path: &Utf8PathBuf, files: &mut Files) -> Result<FileId, ExitCode> {
    let text = crate::input::read_text(path)
        .map_err(|e| super::fail::fail(&super::fail::input(&e, "", path), 2))?;
    Ok(files.add(path.to_string(), text))
}
