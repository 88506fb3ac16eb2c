//! What makes a photo acceptable, shared by the browser (preparing it) and the server (checking
//! it again): recognising the format by content, the size rules, and whether the file is whole.
//! An edit (crop, rotate, annotations) as data, with its geometry. Pure functions; it imports
//! no domain.

pub mod edit;
pub mod integrity;
pub mod rules;
