//! The basic widget (ssr only): the core flow for a browser that runs no JavaScript or no
//! WebAssembly — see the patient, record consent, add photos (several at once, in one plain
//! multipart form), tag each photo, commit, see each result — as server-rendered pages and
//! plain HTML forms, each answered by a redirect back to the page (`303 See Other`, to an
//! explicit address: with `Referrer-Policy: no-referrer` a form post carries no `Referer`).
//!
//! It is an adapter like the server functions: every form goes through the same services
//! (`Sessions`, `Photos`, `Committer`), so the same session checks, guard, limits, audit and
//! commit guarantees hold. What it leaves out, it says on the page: the editor, the phone, the
//! webcam and live updates.

pub mod commit;
pub mod page;
pub mod server;

pub use server::router;
