//! Delivery the server owns (issue #23, in progress): once the GP commits, each part of each
//! photo's commit is a job in a durable queue that the server's workers send, paced per
//! practice and backed off while a practice cannot be reached — whether or not the widget stays
//! open. This step holds the queue's types, its store and its pacing; the workers, the use cases
//! and the pages come next (see ARCHITECTURE.md).

#[cfg(feature = "ssr")]
pub mod job;
#[cfg(feature = "ssr")]
pub mod pacing;
#[cfg(feature = "ssr")]
pub mod store;
