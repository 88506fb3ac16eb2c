//! Committing: each ready photo is written into the patient's record through ALEX, once.
//! The identifier sent is the photo's id, fixed at staging; the server's record decides whether
//! a photo may be sent, so a double click or a retry never writes a second copy.

pub mod api;
#[cfg(feature = "ssr")]
pub mod caption;
#[cfg(feature = "ssr")]
pub mod confirm;
#[cfg(feature = "ssr")]
pub mod documents;
#[cfg(feature = "ssr")]
pub mod jpeg_tiff;
#[cfg(feature = "ssr")]
pub mod parts;
#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
pub mod plan;
#[cfg(feature = "ssr")]
pub mod printed;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod scan;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod task;
pub mod task_model;
#[cfg(feature = "ssr")]
pub mod task_store;
pub mod task_ui;
#[cfg(feature = "ssr")]
pub mod tiffs;
