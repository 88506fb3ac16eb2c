//! Staging: every photo is held by our server from the moment it is added — the image in an
//! object store, its record in the database — until it is committed, removed, or expired.
//!
//! `PhotoView` is what pages see; `api` holds the server functions; `store`, `recheck` and
//! `server` (the upload and image handlers) are server-only.

pub mod api;
pub mod body_map;
#[cfg(feature = "ssr")]
pub mod changes;
#[cfg(feature = "ssr")]
pub mod corrupt;
#[cfg(feature = "ssr")]
pub mod gate;
pub mod lesion;
pub mod lesion_panel;
#[cfg(feature = "ssr")]
pub mod lesions;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod recheck;
#[cfg(feature = "ssr")]
pub mod record;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod retention;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod tag_panel;
pub mod ui;
