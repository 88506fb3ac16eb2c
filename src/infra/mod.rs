//! The leaf every server-side domain builds on (ssr only): the database handle, the audit
//! trail's append, hashing and capability tokens, and times. It imports no domain.

pub mod audit;
pub mod bus;
pub mod crypto;
pub mod db;
pub mod drain;
pub mod gauge;
pub mod http;
pub mod instances;
pub mod limits;
pub mod schema;
mod schema_delivery;
pub mod sql;
mod sql_engines;
pub mod time;
