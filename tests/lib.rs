//! galley's integration tests: one binary, a module per area, each running the real
//! `galley` executable the way a user does.

// Tests unwrap: a panic is a failed test (non-test code may not, [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod architecture;
mod bounds;
mod bundle;
mod bundle_repo;
mod bundle_tools;
mod bundlefx_clap_boundary;
mod check_fixtures;
mod cli;
mod cli_traps;
mod coverage;
mod data_replacement;
mod diff;
mod error_codes;
mod explain_values;
mod fabric;
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
mod mixins_digest;
mod mixins_lang;
mod oci;
mod oci_attest;
mod oci_hostile;
mod oci_support;
mod oci_tls;
mod output_safety;
mod params;
mod perf_start;
mod reference;
mod resolve;
mod result_reader;
mod scaling;
mod serve;
mod serve_cache;
mod serve_chart;
mod serve_hostile;
mod serve_multipart;
mod serve_params;
mod serve_schemathesis;
mod serve_support;
mod set_values;
mod traps_bundle;
mod ui_browser;
mod ui_serve;
mod ui_webdriver;
mod validate;
