//! Launch in context: Medtech Evolution opens `/launch?context=…&signature=…`; the server
//! decodes the pair through ALEX, fixes facility, patient and practitioner in a launch session,
//! and sends the browser to `/w/{session id}` with nothing identifying in the URL.
//!
//! `api` holds the server functions and the types the pages share, `server` the ssr-only
//! handler and session store, `page` the widget and problem pages, `sim` the simulator's
//! launch page.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod server;
pub mod sim;
