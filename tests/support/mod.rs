//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod app;
pub mod cluster;
pub mod fhir_r4;
pub mod moto;
pub mod pg;
