//! The editor dialog.
