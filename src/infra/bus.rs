//! Messages between the instances sharing a PostgreSQL store (ssr only): `NOTIFY` to send,
//! `LISTEN` on a connection of its own to hear. A notification is delivered when the sending
//! call commits, to every instance listening (the sender's own included). Nothing here on SQLite:
//! one instance needs no messages.

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

use super::{
    db::{Db, DbError},
    sql::{Sql, params},
};

/// What a listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// A notification's payload.
    Message(String),
    /// The connection was lost and is back, or messages came faster than they were read: some
    /// may have been missed, so whoever shows shared state reloads it.
    Missed,
}

/// Messages held for a slow reader before the rest are dropped (and `Missed` is said).
const BACKLOG: usize = 1024;

/// Sends `payload` (at most 8000 bytes, never patient data) on `channel` when the store is
/// shared; nothing on SQLite.
pub async fn notify(db: &Db, channel: &'static str, payload: String) -> Result<(), DbError> {
    if !db.is_shared() {
        return Ok(());
    }
    db.call(move |c| {
        c.execute("SELECT pg_notify(?1, ?2)", params![channel, payload])
            .map(|_| ())
    })
    .await
}

/// Listens on `channel` from now on, reconnecting after a lost connection (and saying `Missed`
/// when it is back). `None` on SQLite. The listener stops when the receiver is dropped.
pub fn listen(db: &Db, channel: &'static str) -> Option<mpsc::Receiver<Heard>> {
    let (config, tls) = db.pg_connect_info()?;
    let (tx, rx) = mpsc::channel(BACKLOG);
    tokio::spawn(async move {
        let mut connected_before = false;
        while !tx.is_closed() {
            if let Err(e) = hear(&config, tls.clone(), channel, &tx, &mut connected_before).await {
                let error = super::sql::pg_words(&e);
                tracing::warn!(%error, channel, "listening for other instances failed; reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    Some(rx)
}

/// One connection's life: LISTEN, then pass on what comes until it ends.
async fn hear(
    config: &tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    channel: &'static str,
    out: &mpsc::Sender<Heard>,
    connected_before: &mut bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut conn) = config.connect(tls).await?;
    let (ntx, mut nrx) = mpsc::channel::<Heard>(BACKLOG);
    // The connection's driver: notifications arrive here.
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(m) = messages.next().await {
            match m {
                Ok(AsyncMessage::Notification(n)) => {
                    if ntx.try_send(Heard::Message(n.payload().to_string())).is_err() {
                        let _ = ntx.try_send(Heard::Missed);
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    client.batch_execute(&format!("LISTEN {channel}")).await?;
    if *connected_before {
        let _ = out.send(Heard::Missed).await;
    }
    *connected_before = true;
    while let Some(heard) = nrx.recv().await {
        if out.send(heard).await.is_err() {
            break; // nobody listens any more
        }
    }
    drop(client);
    match driver.await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}
