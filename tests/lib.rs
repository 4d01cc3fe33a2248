//! galley's integration tests: one binary, a module per area, each running the real
//! `galley` executable the way a user does.

mod support;

mod bounds;
mod bundle;
mod bundle_repo;
mod bundle_tools;
mod check_fixtures;
mod cli;
mod cli_traps;
mod coverage;
mod data_replacement;
mod diff;
mod explain_values;
mod fmt;
mod fresh_export;
mod graph;
mod green_conflicts;
mod green_snapshot;
mod green_strict;
mod green_validate;
mod hostile_depth;
mod hostile_inputs;
mod hostile_render;
mod import;
mod integration;
mod library;
mod lint;
mod measure;
mod oci;
mod oci_attest;
mod oci_hostile;
mod oci_support;
mod oci_tls;
mod output_safety;
mod params;
mod reference;
mod resolve;
mod scaling;
mod serve;
mod serve_chart;
mod serve_hostile;
mod serve_support;
mod set_values;
mod traps_bundle;
mod validate;
