//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod app;
pub mod fhir_r4;
