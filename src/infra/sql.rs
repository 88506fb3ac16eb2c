//! One small SQL surface over the two record stores (ssr only): SQLite (embedded, the default)
//! and PostgreSQL (several instances). Domains write each statement once, with `?1`-style
//! parameters and SQL both engines read the same way; values cross as `Value`, rows come back
//! whole. `infra::db` decides which engine runs a call; nothing above it names either crate.

use std::error::Error as StdError;

use super::sql_engines::{lite_execute, lite_rows, pg_execute, pg_rows};

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {}", pg_words(.0))]
    Postgres(#[from] postgres::Error),
    #[error("postgres pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("the query returned no row")]
    NoRows,
    #[error("column {0} is not a {1}")]
    Type(usize, &'static str),
    /// A stored row that does not read as what it should (see `staging::corrupt`).
    #[error("{0}")]
    Corrupt(Box<dyn StdError + Send + Sync>),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A PostgreSQL error in words: the server's code and message (never its DETAIL, which may
/// quote a row's values), or the client's own error and its cause.
pub(crate) fn pg_words(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}", db.code().code(), db.message()),
        None => match e.source() {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

impl Error {
    /// A PostgreSQL serialization failure or deadlock: the whole transaction may be run again.
    pub fn is_retryable(&self) -> bool {
        use postgres::error::SqlState;
        match self {
            Error::Postgres(e) => e
                .code()
                .is_some_and(|c| *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED),
            _ => false,
        }
    }
}

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// What may be bound as a parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_to_value!(i64, i32, u32, u16, u8, usize, u64);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(*self as i64)
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

/// Parameters for a statement: `params![a, b]` (each anything `ToValue`).
#[macro_export]
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        &[$($crate::infra::sql::ToValue::to_value(&$p)),*][..]
    };
}
pub use crate::params;

/// What a column may be read as.
pub trait FromValue: Sized {
    fn from_value(v: &Value, index: usize) -> Result<Self>;
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value, index: usize) -> Result<Self> {
                match v {
                    Value::Int(i) => <$t>::try_from(*i).map_err(|_| Error::Type(index, stringify!($t))),
                    _ => Err(Error::Type(index, stringify!($t))),
                }
            }
        }
    )*};
}
int_from_value!(i64, i32, u32, u16, u8, usize, u64);

impl FromValue for bool {
    fn from_value(v: &Value, index: usize) -> Result<Self> {
        i64::from_value(v, index).map(|i| i != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value, index: usize) -> Result<Self> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            _ => Err(Error::Type(index, "number")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value, index: usize) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(Error::Type(index, "text")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value, index: usize) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            _ => Err(Error::Type(index, "blob")),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value, index: usize) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v, index).map(Some),
        }
    }
}

/// A column index (`usize`; the type parameter keeps `r.get::<_, T>(i)` as it reads elsewhere).
pub trait ColumnIndex {
    fn index(self) -> usize;
}
impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One result row, read whole.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    pub(super) fn new(values: Vec<Value>) -> Row {
        Row(values)
    }

    pub fn get<I: ColumnIndex, T: FromValue>(&self, index: I) -> Result<T> {
        let i = index.index();
        T::from_value(self.0.get(i).ok_or(Error::Type(i, "column that exists"))?, i)
    }
}

/// The statements both engines run. `Conn` (a call's connection) and `Tx` (a transaction in it)
/// implement the two primitives; the rest is shared.
pub trait Sql {
    /// Runs a statement; answers the rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize>;
    /// Runs a query; answers every row.
    fn rows(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;

    /// The first row, mapped; `Error::NoRows` when there is none.
    fn query_row<T>(&mut self, sql: &str, params: &[Value], f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
        let rows = self.rows(sql, params)?;
        f(rows.first().ok_or(Error::NoRows)?)
    }

    /// Every row, mapped.
    fn query_map<T>(&mut self, sql: &str, params: &[Value], f: impl FnMut(&Row) -> Result<T>) -> Result<Vec<T>> {
        self.rows(sql, params)?.iter().map(f).collect()
    }
}

/// A call's connection: SQLite's one connection, or a PostgreSQL transaction (every call runs
/// in one, at SERIALIZABLE: calls interleave as if one at a time, as they do on SQLite).
pub enum Conn<'a> {
    Lite(&'a mut rusqlite::Connection),
    Pg(postgres::Transaction<'a>),
}

/// A transaction inside a call (on PostgreSQL a savepoint in the call's transaction).
pub enum Tx<'a> {
    Lite(rusqlite::Transaction<'a>),
    Pg(postgres::Transaction<'a>),
}

/// Where one statement runs: SQLite's connection (a transaction derefs to it) or PostgreSQL's
/// transaction — the same for a call's connection and a transaction inside it.
enum On<'s, 't> {
    Lite(&'s rusqlite::Connection),
    Pg(&'s mut postgres::Transaction<'t>),
}

impl On<'_, '_> {
    fn execute(self, sql: &str, params: &[Value]) -> Result<usize> {
        match self {
            On::Lite(c) => lite_execute(c, sql, params),
            On::Pg(t) => pg_execute(t, sql, params),
        }
    }

    fn rows(self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        match self {
            On::Lite(c) => lite_rows(c, sql, params),
            On::Pg(t) => pg_rows(t, sql, params),
        }
    }
}

impl<'t> Conn<'t> {
    pub fn transaction(&mut self) -> Result<Tx<'_>> {
        Ok(match self {
            Conn::Lite(c) => Tx::Lite(c.transaction()?),
            Conn::Pg(t) => Tx::Pg(t.transaction()?),
        })
    }

    fn on(&mut self) -> On<'_, 't> {
        match self {
            Conn::Lite(c) => On::Lite(c),
            Conn::Pg(t) => On::Pg(t),
        }
    }
}

impl<'t> Tx<'t> {
    pub fn commit(self) -> Result<()> {
        match self {
            Tx::Lite(t) => t.commit()?,
            Tx::Pg(t) => t.commit()?,
        }
        Ok(())
    }

    fn on(&mut self) -> On<'_, 't> {
        match self {
            Tx::Lite(t) => On::Lite(t),
            Tx::Pg(t) => On::Pg(t),
        }
    }
}

impl Sql for Conn<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize> {
        self.on().execute(sql, params)
    }
    fn rows(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        self.on().rows(sql, params)
    }
}

impl Sql for Tx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize> {
        self.on().execute(sql, params)
    }
    fn rows(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        self.on().rows(sql, params)
    }
}

#[cfg(test)]
#[path = "sql_tests.rs"]
mod tests;
