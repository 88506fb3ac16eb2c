use super::*;
use crate::infra::sql_engines::pg_sql;

#[test]
fn parameters_become_dollar_numbers_outside_quotes() {
    assert_eq!(
        pg_sql("SELECT 'a?1' || ?1 FROM t WHERE x = ?2 AND y = '?'"),
        "SELECT 'a?1' || $1 FROM t WHERE x = $2 AND y = '?'"
    );
}

#[test]
fn values_read_back_as_what_was_asked_or_a_typed_error() {
    let r = Row(vec![
        Value::Int(7),
        Value::Null,
        Value::Text("t".into()),
        Value::Int(-1),
    ]);
    assert_eq!(r.get::<_, i64>(0).unwrap(), 7);
    assert_eq!(r.get::<_, Option<String>>(1).unwrap(), None);
    assert_eq!(r.get::<_, String>(2).unwrap(), "t");
    assert!(
        matches!(r.get::<_, u32>(3), Err(Error::Type(3, _))),
        "a negative is not a u32"
    );
    assert!(matches!(r.get::<_, String>(0), Err(Error::Type(0, _))));
    assert!(matches!(r.get::<_, i64>(9), Err(Error::Type(9, _))));
}

#[test]
fn sqlite_runs_the_same_surface() {
    let mut c = rusqlite::Connection::open_in_memory().unwrap();
    let mut conn = Conn::Lite(&mut c);
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT)", params![]).unwrap();
    let mut tx = conn.transaction().unwrap();
    assert_eq!(tx.execute("INSERT INTO t VALUES (?1, ?2)", params![1, "x"]).unwrap(), 1);
    tx.execute("INSERT INTO t VALUES (?1, ?2)", params![2, None::<String>])
        .unwrap();
    tx.commit().unwrap();
    let rows = conn
        .query_map("SELECT a, b FROM t ORDER BY a", params![], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
        })
        .unwrap();
    assert_eq!(rows, vec![(1, Some("x".into())), (2, None)]);
    let none = conn
        .query_row("SELECT a FROM t WHERE a = ?1", params![3], |r| r.get::<_, i64>(0))
        .optional()
        .unwrap();
    assert_eq!(none, None);
}
