//! Adding photos: file picker, drag-drop, paste, webcam; and preparing each in the browser
//! (upright, no EXIF/GPS, ≤ the byte cap) before it is staged on the server.

#[cfg(feature = "hydrate")]
pub mod browser;
#[cfg(feature = "hydrate")]
pub mod prepare;
pub mod ui;
