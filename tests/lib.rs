//! galley's integration tests: one binary, a module per area, each running the real
//! `galley` executable the way a user does.

mod support;

mod bundle;
mod bundle_tools;
mod check_fixtures;
mod cli;
mod coverage;
mod diff;
mod fmt;
mod graph;
mod import;
mod integration;
mod library;
mod lint;
mod measure;
mod reference;
mod resolve;
mod scaling;
mod validate;
