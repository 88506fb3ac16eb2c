//! Photo metadata: the coded lists a GP picks from and the tags a photo carries.

pub mod body_map;
pub mod codes;
pub mod tags;
