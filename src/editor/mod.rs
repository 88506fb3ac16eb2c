//! The photo editor: crop, rotate and annotate, saved as a list of operations (never applied to
//! the staged original) and rendered once, on the server, into the image that is previewed and
//! committed.
//!
//! `ops` is the shared description; `server` renders it (ssr only).

#[cfg(feature = "ssr")]
pub mod server;
