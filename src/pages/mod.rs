//! Pages that compose several domains' components (the top of the UI; only `app` imports them).

pub mod widget;
