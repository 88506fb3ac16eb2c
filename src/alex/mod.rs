//! The ALEX integration gateway (server only). `config` decides where ALEX is, `token` keeps
//! a bearer token, `client` makes the calls and maps every fault to `error::AlexError`, and
//! `fhir` holds the few FHIR R4 structures we read and write.

pub mod client;
pub mod config;
pub mod error;
pub mod fhir;
mod metrics;
pub mod r4;
pub mod segments;
pub mod task;
pub mod token;
pub mod wire;
pub mod write;

pub use client::AlexClient;
pub use config::{AlexConfig, AlexMode};
pub use error::{AlexError, TokenError};
