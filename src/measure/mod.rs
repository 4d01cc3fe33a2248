//! Measure: what a cluster looks like, as typed measurements.
//!
//! In: the reference's `Snapshot` documents (YAML or JSON), the machine itself (`collect/`),
//! and validator results (`results.rs`: CTRF reports, measurement documents). Out: a
//! [`snapshot::Snapshot`] of measurements (`Type` → subtypes → key → reading) with integers
//! kept as integers, indexed by constraint name in [`measurements::Measurements`].
//!
//! `constraint.rs` is the one constraint checker: a recipe constraint against the
//! measurements, typed by the stdlib's measurement catalog, gives one result (passed,
//! failed, skipped or other) with expected and actual values. `validate` and `recipe
//! --snapshot` (`exclude.rs`) both use it. `detect.rs` derives recipe criteria from a
//! snapshot, as the reference does.

pub mod bound;
pub mod clock;
pub mod collect;
pub mod constraint;
pub mod detect;
pub mod exclude;
pub mod measurements;
pub mod results;
pub mod snapshot;
