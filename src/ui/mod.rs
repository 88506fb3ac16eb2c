//! Shared presentational pieces: the page frame, the patient banner, the photo strip.

pub mod frame;
pub mod home;
pub mod lazy;
pub mod not_found;
pub mod workspace;
