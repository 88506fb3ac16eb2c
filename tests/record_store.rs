//! The record store's guarantees, on whichever engine the suite runs (SQLite by default;
//! PostgreSQL with TEST_STORE=postgres, as `./dev test` runs it a second time): the audit trail
//! is append-only in the database itself, and calls behave as if one ran at a time.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::{infra::sql::Sql, params};
use support::app;

#[tokio::test]
async fn the_database_itself_refuses_to_change_or_delete_the_audit_trail() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", "F2N060-E").await;
    app::stage_ready(&srv, &d, 1).await;
    let count = || async {
        srv.state
            .db
            .call(|c| c.query_row("SELECT count(*) FROM audit", params![], |r| r.get::<_, i64>(0)))
            .await
            .unwrap()
    };
    let before = count().await;
    assert!(before > 0, "staging wrote audit entries");
    let mut refusals = vec!["UPDATE audit SET detail = 'rewritten'", "DELETE FROM audit"];
    if srv.state.db.is_shared() {
        refusals.push("TRUNCATE audit");
    }
    for sql in refusals {
        let e = srv
            .state
            .db
            .call(move |c| c.execute(sql, params![]))
            .await
            .expect_err(sql);
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(count().await, before, "nothing changed");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_read_then_write_calls_lose_no_update() {
    let srv = app::start(&[]).await;
    let db = srv.state.db.clone();
    db.call(|c| {
        c.execute(
            "CREATE TABLE IF NOT EXISTS t_counter (id TEXT PRIMARY KEY, n BIGINT NOT NULL)",
            params![],
        )?;
        c.execute("INSERT INTO t_counter (id, n) VALUES ('x', 0)", params![])
    })
    .await
    .unwrap();
    // Each call reads the counter, then writes it plus one: interleaved without isolation, some
    // increments would be lost (on PostgreSQL the conflicting calls are run again).
    let calls = (0..40).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            db.call(|c| {
                let n: i64 = c.query_row("SELECT n FROM t_counter WHERE id = 'x'", params![], |r| r.get(0))?;
                std::thread::sleep(std::time::Duration::from_millis(2));
                c.execute("UPDATE t_counter SET n = ?1 WHERE id = 'x'", params![n + 1])
            })
            .await
        })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    let n: i64 = db
        .call(|c| c.query_row("SELECT n FROM t_counter WHERE id = 'x'", params![], |r| r.get(0)))
        .await
        .unwrap();
    assert_eq!(n, 40);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_wide_work_runs_on_one_instance_at_a_time() {
    let srv = app::start(&[]).await;
    let db = srv.state.db.clone();
    let (entered, release) = (tokio::sync::Notify::new(), tokio::sync::Notify::new());
    let holder = async {
        db.exclusive("a test's own lock", || async {
            entered.notify_one();
            release.notified().await;
        })
        .await
        .unwrap()
    };
    let other = async {
        // (Never the app's own "retention" lock, which its purge may hold at this moment.)
        tokio::time::timeout(std::time::Duration::from_secs(30), entered.notified())
            .await
            .expect("the first holder got the lock");
        let tried = db.exclusive("a test's own lock", || async {}).await.unwrap();
        let another = db.exclusive("another lock", || async {}).await.unwrap();
        release.notify_one();
        (tried, another)
    };
    let (held, (tried, another)) = tokio::join!(holder, other);
    assert_eq!(held, Some(()));
    assert_eq!(another, Some(()), "other locks are free");
    if db.is_shared() {
        assert_eq!(
            tried, None,
            "PostgreSQL: the lock is held elsewhere, so this round is skipped"
        );
        // Released: the next round runs.
        assert_eq!(db.exclusive("a test's own lock", || async {}).await.unwrap(), Some(()));
    } else {
        assert_eq!(tried, Some(()), "SQLite: one instance, nothing to wait for");
    }
    srv.stop().await;
}
