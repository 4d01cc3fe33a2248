//! Validate: a recipe against measurements, phase by phase, into test results.
//!
//! In: what the recipe asks (`RecipeDoc`: top-level constraints and validation phases), the
//! measurements (a snapshot and `--results` files, indexed by constraint name), the
//! measurement catalog, the tests of CTRF results files, and the phases chosen. Out: one
//! [`TestResult`] per constraint and per check, in phase order, which `ctrf.rs` writes as a
//! CTRF report.
//!
//! - **readiness**: the recipe's top-level constraints (and any `validation.readiness`
//!   constraints) against the snapshot. The reference only logs these; here they are tests
//!   in the report, suite `readiness/constraint`.
//! - **deployment, performance, conformance**: each phase's constraints against the snapshot
//!   and the validators' measurements (suite `<phase>/constraint`), and each of the phase's
//!   checks (suite `<phase>/check`): a CTRF test of that name from `--results` gives its
//!   outcome; without one the check is `skipped`, because it needs a live cluster and
//!   galley runs no validator Jobs.
//!
//! Every phase is evaluated, also after a failure (the reference stops at the first failed
//! phase; everything here is offline and cheap, and the whole picture is more useful).

pub mod ctrf;
pub mod recipe;

use crate::check::stdlib::Catalog;
use crate::ir::result_view::RecipeDoc;
use crate::ir::{Constraint, Phase};
use crate::measure::constraint::{self, Outcome, Status};
use crate::measure::measurements::Measurements;
use crate::measure::results::ExternalTest;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PhaseName {
    Readiness,
    Deployment,
    Performance,
    Conformance,
}

impl PhaseName {
    pub const ALL: [PhaseName; 4] = [
        PhaseName::Readiness,
        PhaseName::Deployment,
        PhaseName::Performance,
        PhaseName::Conformance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PhaseName::Readiness => "readiness",
            PhaseName::Deployment => "deployment",
            PhaseName::Performance => "performance",
            PhaseName::Conformance => "conformance",
        }
    }
}

/// One test of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    pub name: String,
    pub status: Status,
    /// `[phase, "constraint" | "check"]`.
    pub suite: [String; 2],
    pub message: String,
    pub duration: i64,
    /// For constraints: expected, actual, remediation and source.
    pub constraint: Option<Outcome>,
    /// Why the test was skipped (`None` unless its status is `skipped`).
    pub skip: Option<SkipReason>,
}

/// Why a test was skipped; the summary line counts the skipped tests by reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// A check that no `--results` file reports: it needs a live cluster.
    NeedsCluster,
    /// A constraint whose measurement is in neither the snapshot nor a results file.
    NotMeasured,
    /// A check its validator reported as skipped.
    SkippedByValidator,
}

impl SkipReason {
    /// How the summary line says it, after the count.
    pub fn describe(self, count: usize) -> String {
        let s = if count == 1 { "" } else { "s" };
        match self {
            SkipReason::NeedsCluster => {
                format!("{count} check{s} need a cluster")
            }
            SkipReason::NotMeasured => format!("{count} constraint{s} not measured"),
            SkipReason::SkippedByValidator => {
                format!("{count} check{s} skipped by the validator")
            }
        }
    }
}

/// The skipped tests counted by reason, in reason order; empty when none was skipped.
pub fn skipped_by_reason(tests: &[TestResult]) -> Vec<(SkipReason, usize)> {
    let mut counts: std::collections::BTreeMap<SkipReason, usize> = Default::default();
    for reason in tests.iter().filter_map(|t| t.skip) {
        *counts.entry(reason).or_default() += 1;
    }
    counts.into_iter().collect()
}

pub struct Input<'a> {
    pub recipe: &'a RecipeDoc,
    pub measurements: &'a Measurements,
    pub catalog: &'a Catalog,
    pub tests: &'a [ExternalTest],
}

/// The tests of the chosen phases, in phase order (duplicates in `phases` are ignored).
pub fn validate(input: &Input, phases: &[PhaseName]) -> Vec<TestResult> {
    let mut chosen: Vec<PhaseName> = phases.to_vec();
    chosen.sort();
    chosen.dedup();
    let mut out = Vec::new();
    for phase in chosen {
        let block = phase_block(input.recipe, phase);
        let mut constraints: Vec<&Constraint> = Vec::new();
        if phase == PhaseName::Readiness {
            constraints.extend(&input.recipe.constraints);
        }
        if let Some(b) = block {
            constraints.extend(&b.constraints);
        }
        for c in constraints {
            out.push(constraint_test(input, phase, c));
        }
        for check in block.map_or(&[][..], |b| &b.checks[..]) {
            out.push(check_test(input, phase, check));
        }
    }
    out
}

fn phase_block(recipe: &RecipeDoc, phase: PhaseName) -> Option<&Phase> {
    let v = &recipe.validation;
    match phase {
        PhaseName::Readiness => v.readiness.as_ref(),
        PhaseName::Deployment => v.deployment.as_ref(),
        PhaseName::Performance => v.performance.as_ref(),
        PhaseName::Conformance => v.conformance.as_ref(),
    }
}

fn constraint_test(input: &Input, phase: PhaseName, c: &Constraint) -> TestResult {
    let outcome = constraint::check(c, input.measurements, input.catalog);
    TestResult {
        name: c.name.clone(),
        status: outcome.status,
        suite: [phase.as_str().into(), "constraint".into()],
        message: outcome.message.clone(),
        duration: 0,
        skip: (outcome.status == Status::Skipped).then_some(SkipReason::NotMeasured),
        constraint: Some(outcome),
    }
}

fn check_test(input: &Input, phase: PhaseName, check: &str) -> TestResult {
    let found = input
        .tests
        .iter()
        .rfind(|t| t.name == check && belongs(t, phase));
    let (status, message, duration, skip) = match found {
        Some(t) => {
            let status = match t.status.as_str() {
                "passed" => Status::Passed,
                "failed" => Status::Failed,
                "skipped" => Status::Skipped,
                _ => Status::Other,
            };
            let message = t
                .message
                .clone()
                .unwrap_or_else(|| match t.status.as_str() {
                    "pending" => "reported pending by its validator".into(),
                    s => format!("{s} (from its validator's CTRF report)"),
                });
            let skip = (status == Status::Skipped).then_some(SkipReason::SkippedByValidator);
            (status, message, t.duration, skip)
        }
        None => (
            Status::Skipped,
            "not run: the check needs a live cluster and galley runs no validator Jobs; \
             run the validator and pass its CTRF report with --results"
                .to_string(),
            0,
            Some(SkipReason::NeedsCluster),
        ),
    };
    TestResult {
        name: check.to_string(),
        status,
        suite: [phase.as_str().into(), "check".into()],
        message,
        duration,
        constraint: None,
        skip,
    }
}

/// A CTRF test belongs to a phase when its suite names no phase or names this one.
fn belongs(t: &ExternalTest, phase: PhaseName) -> bool {
    let named: Vec<&str> = t
        .suite
        .iter()
        .map(String::as_str)
        .filter(|s| PhaseName::ALL.iter().any(|p| p.as_str() == *s))
        .collect();
    named.is_empty() || named.contains(&phase.as_str())
}

/// CTRF tests from `--results` that no chosen phase's check uses (reported as a note).
pub fn unused_tests<'a>(input: &'a Input, phases: &[PhaseName]) -> Vec<&'a ExternalTest> {
    input
        .tests
        .iter()
        .filter(|t| {
            !phases.iter().any(|&p| {
                belongs(t, p)
                    && phase_block(input.recipe, p).is_some_and(|b| b.checks.contains(&t.name))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::snapshot::Reading;

    fn recipe() -> RecipeDoc {
        let c = |n: &str, v: &str| Constraint {
            name: n.into(),
            value: v.into(),
            severity: None,
            remediation: None,
            unit: None,
        };
        let mut doc = RecipeDoc {
            constraints: vec![c("K8s.server.version", ">= 1.32.4")],
            ..RecipeDoc::default()
        };
        doc.validation.performance = Some(Phase {
            constraints: vec![c("nccl-all-reduce-bw", ">= 300")],
            checks: vec!["nccl-all-reduce-bw".into()],
            ..Phase::default()
        });
        doc
    }

    #[test]
    fn phases_in_order_with_checks_from_results() {
        let recipe = recipe();
        let mut m = Measurements::new();
        m.add(
            vec!["nccl-all-reduce-bw".into()],
            Reading::Float(250.5),
            "r.yaml",
        );
        let tests = vec![ExternalTest {
            name: "nccl-all-reduce-bw".into(),
            status: "failed".into(),
            message: None,
            suite: vec!["performance".into()],
            duration: 7,
        }];
        let input = Input {
            recipe: &recipe,
            measurements: &m,
            catalog: &Catalog::default(),
            tests: &tests,
        };
        let out = validate(&input, &[PhaseName::Performance, PhaseName::Readiness]);
        let got: Vec<(&str, &str, Status)> = out
            .iter()
            .map(|t| (t.suite[0].as_str(), t.name.as_str(), t.status))
            .collect();
        assert_eq!(
            got,
            [
                ("readiness", "K8s.server.version", Status::Skipped),
                ("performance", "nccl-all-reduce-bw", Status::Failed),
                ("performance", "nccl-all-reduce-bw", Status::Failed),
            ]
        );
        assert_eq!(
            out[1].constraint.as_ref().unwrap().actual.as_deref(),
            Some("250.5")
        );
        assert_eq!(out[2].duration, 7);
        assert!(unused_tests(&input, &[PhaseName::Performance]).is_empty());
        assert_eq!(unused_tests(&input, &[PhaseName::Readiness]).len(), 1);
    }
}
