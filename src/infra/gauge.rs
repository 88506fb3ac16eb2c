//! A level counted while something lasts (an open event stream, a rendering waiting for its
//! turn): the gauge goes up when the guard is made and down when it is dropped, however the
//! holder ends (finished, cancelled, disconnected).

/// Holds one unit of the gauge `name` until dropped.
pub struct Held(&'static str);

impl Held {
    pub fn new(name: &'static str) -> Held {
        metrics::gauge!(name).increment(1.0);
        Held(name)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        metrics::gauge!(self.0).decrement(1.0);
    }
}
