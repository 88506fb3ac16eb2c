//! The photo editor: crop, rotate and annotate, saved as a list of operations (never applied to
//! the staged original) and rendered once, on the server, into the image that is previewed and
//! committed.
//!
//! `ops` is the shared description and geometry; `canvas` the gesture in progress; `api` the
//! server functions; `ui` and `draw` the editor dialog and its overlay; `render` and `server`
//! render and serve the result (ssr only).

pub mod api;
pub mod canvas;
mod dom;
pub mod draw;
/// The edit model (operations, geometry, validation) lives in the imaging leaf, because the
/// photo strip and the photo records read it too; here it goes by the name the editor uses.
pub use crate::imaging::edit as ops;
#[cfg(feature = "ssr")]
pub mod render;
#[cfg(feature = "ssr")]
pub mod server;
mod state;
mod toolbar;
pub mod ui;
