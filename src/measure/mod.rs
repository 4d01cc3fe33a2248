//! Measure: what a cluster looks like, as typed measurements.
//!
//! In: the reference's `Snapshot` documents (YAML or JSON). Out: a [`snapshot::Snapshot`]
//! of measurements (`Type` → subtypes → key → reading) with integers kept as integers.
//! `detect.rs` derives recipe criteria from a snapshot, as the reference does.

pub mod detect;
pub mod snapshot;
