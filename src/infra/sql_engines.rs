//! How each engine runs `infra::sql`'s statements (ssr only): binding `Value`s and reading rows
//! whole, for SQLite (rusqlite) and PostgreSQL (postgres).

use std::error::Error as StdError;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::sql::{Error, Result, Row, Value};

// --- SQLite -------------------------------------------------------------------------------

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

pub(super) fn lite_execute(c: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<usize> {
    Ok(c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params))?)
}

pub(super) fn lite_rows(c: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
    use rusqlite::types::ValueRef;
    let mut st = c.prepare_cached(sql)?;
    let n = st.column_count();
    let mut rows = st.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::Int(i),
                ValueRef::Real(f) => Value::Real(f),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        out.push(Row::new(values));
    }
    Ok(out)
}

// --- PostgreSQL ---------------------------------------------------------------------------

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn StdError + Sync + Send>> {
        let wrong = || format!("cannot bind {self:?} as {ty}").into();
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(wrong()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => Err(wrong()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => s.as_str().to_sql(ty, out),
                _ => Err(wrong()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(wrong()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// `?1`-style parameters as PostgreSQL's `$1` (outside quoted text).
pub fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                out.push(ch);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(ch),
        }
    }
    out
}

fn pg_params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// Each parameter's type as the value says (so `'x' || ?2`, `?1 = 1` and the like are never
/// ambiguous to PostgreSQL, as they are not to SQLite); a NULL's type is left to the server (a
/// parameter used only as `?1 IS NULL` is written `CAST(?1 AS TEXT) IS NULL`).
fn pg_types(params: &[Value]) -> Vec<Type> {
    params
        .iter()
        .map(|v| match v {
            Value::Null => Type::new("unspecified".into(), 0, postgres::types::Kind::Pseudo, String::new()),
            Value::Int(_) => Type::INT8,
            Value::Real(_) => Type::FLOAT8,
            Value::Text(_) => Type::TEXT,
            Value::Blob(_) => Type::BYTEA,
        })
        .collect()
}

/// Runs a statement in one round trip (typed parameters, an unnamed statement): its rows, and
/// how many rows it changed.
fn pg_run(t: &mut postgres::Transaction<'_>, sql: &str, params: &[Value]) -> Result<(Vec<Row>, u64)> {
    use postgres::fallible_iterator::FallibleIterator;
    let typed: Vec<(&(dyn ToSql + Sync), Type)> = pg_params(params).into_iter().zip(pg_types(params)).collect();
    let mut it = t.query_typed_raw(&pg_sql(sql), typed)?;
    let mut rows = Vec::new();
    while let Some(r) = it.next()? {
        rows.push(pg_row(&r)?);
    }
    Ok((rows, it.rows_affected().unwrap_or(0)))
}

pub(super) fn pg_execute(t: &mut postgres::Transaction<'_>, sql: &str, params: &[Value]) -> Result<usize> {
    Ok(pg_run(t, sql, params)?.1 as usize)
}

pub(super) fn pg_rows(t: &mut postgres::Transaction<'_>, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
    Ok(pg_run(t, sql, params)?.0)
}

fn pg_row(r: &postgres::Row) -> Result<Row> {
    let mut values = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into())),
            Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into())),
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(|v| Value::Int(v.into())),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::FLOAT4 => r.try_get::<_, Option<f32>>(i)?.map(|v| Value::Real(v.into())),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            Type::VOID => None,
            _ => return Err(Error::Type(i, "supported column type (cast it in the query)")),
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row::new(values))
}
