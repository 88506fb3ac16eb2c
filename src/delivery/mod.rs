//! Delivery the server owns: once the GP commits, each part of each photo's commit is a job in a
//! durable queue that the server's workers send, paced per practice and backed off while a
//! practice cannot be reached — whether or not the widget stays open. `store` enqueues and
//! claims, `finish` records how an attempt ended, `worker` sends, `service` holds the use cases,
//! `api` their server functions, `commit_bar` + `send` the widget's Commit, and `held` a later
//! launch's list of this patient's photos not yet in Medtech (see ARCHITECTURE.md).

#[cfg(feature = "ssr")]
mod actions;
pub mod api;
pub mod commit_bar;
#[cfg(feature = "ssr")]
mod finish;
pub mod held;
#[cfg(feature = "ssr")]
pub mod job;
#[cfg(feature = "ssr")]
pub mod pacing;
#[cfg(feature = "ssr")]
pub mod report;
pub mod send;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
mod worker;

#[cfg(feature = "ssr")]
pub use finish::RETRY_WINDOW;
