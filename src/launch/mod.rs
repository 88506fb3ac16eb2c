//! Launch in context: Medtech Evolution opens `/launch?context=…&signature=…`; the server
//! decodes the pair through ALEX, fixes facility, patient and practitioner in a launch session,
//! and sends the browser to `/w/{session id}` with nothing identifying in the URL.
//!
//! `api` holds the server functions and the types the pages share; `entry` the `/launch`
//! handler, `clock` how old a launch is by ALEX's `createdTime`, `session` the session as held, and `server` the session service (who may act for a
//! session, consent, closing) — all three ssr-only; `page` the refused-launch pages; `sim` the
//! simulator's launch page.

pub mod api;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod entry;
pub mod page;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod session;
pub mod sim;
