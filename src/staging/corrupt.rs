//! Refusing a database row that does not read as what it should (ssr only).

/// A stored value that does not read as what its column holds. The row is refused — never read
/// as a default — and the error names the table, the row's id and the column, never the value
/// (it may be patient data). Callers answer "internal error" and log this.
#[derive(Debug, thiserror::Error)]
#[error("corrupt row in {table}: id {id}, column {column}")]
pub struct CorruptRow {
    pub table: &'static str,
    pub id: String,
    pub column: &'static str,
}

impl CorruptRow {
    /// The error that refuses row `id` of `table` because of column `column` (at `index`).
    pub fn error(table: &'static str, id: &str, _index: usize, column: &'static str) -> crate::infra::sql::Error {
        let corrupt = CorruptRow {
            table,
            id: id.to_string(),
            column,
        };
        crate::infra::sql::Error::Corrupt(Box::new(corrupt))
    }
}
