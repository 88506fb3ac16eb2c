//! PostgreSQL for the tests: the server `./dev test` starts (TEST_PG_URL, an admin URL), and a
//! database of its own for each app under test.

/// The admin URL of the test server, when there is one. With REQUIRE_PG_TEST set (as `./dev
/// test` does) a missing server fails the test instead of skipping it.
pub fn admin_url() -> Option<String> {
    let url = std::env::var("TEST_PG_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        assert!(
            std::env::var("REQUIRE_PG_TEST").is_err(),
            "TEST_PG_URL is not set: ./dev test starts a PostgreSQL server and sets it"
        );
        eprintln!("SKIPPED: no PostgreSQL (TEST_PG_URL unset; ./dev test starts one)");
    }
    url
}

/// Whether the app under test keeps its records in PostgreSQL (TEST_STORE=postgres).
pub fn store_is_postgres() -> bool {
    std::env::var("TEST_STORE").as_deref() == Ok("postgres")
}

/// The URL of database `name` on the test server, created when missing (the same name is the
/// same database: an app restarted on the same data finds its records).
pub async fn database(name: &str) -> String {
    let admin = std::env::var("TEST_PG_URL").expect("TEST_PG_URL: ./dev test starts a PostgreSQL server");
    let name = format!(
        "ci_{}",
        name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>()
    );
    let admin_for_task = admin.clone();
    let db = name.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = postgres::Client::connect(&admin_for_task, postgres::NoTls).expect("test PostgreSQL answers");
        let exists = c
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db])
            .unwrap()
            .is_some();
        if !exists {
            c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
        }
    })
    .await
    .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// A fresh, empty database on the test server.
pub async fn fresh_database() -> String {
    database(&uuid::Uuid::new_v4().simple().to_string()).await
}
