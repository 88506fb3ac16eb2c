//! The way into staging for an upload body (ssr only): at most a few uploads of one session at a
//! time (a flood from one GP queues behind itself), and at most `total` bytes of upload bodies
//! held in memory at once across everyone. An upload waits its turn before its body is read (the
//! bytes stay in the network until then); one that gets no room in time is told the server is
//! busy (503), and the browser tries again.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, ErrorKind};

/// Uploads of one session read at once.
pub const PER_SESSION: usize = 2;

pub struct UploadGate {
    bytes: Arc<Semaphore>,
    total_kib: u32,
    sessions: Mutex<HashMap<String, Arc<Semaphore>>>,
    patience: Duration,
}

/// Held while an upload's body is read and checked.
pub struct Pass {
    _bytes: OwnedSemaphorePermit,
    _session: OwnedSemaphorePermit,
}

pub fn busy() -> AppError {
    AppError::new(
        ErrorKind::Busy,
        "The server is busy with other photos. It will try again in a moment.",
    )
}

impl UploadGate {
    pub fn new(total_bytes: u64, patience: Duration) -> UploadGate {
        let total_kib = (total_bytes / 1024).clamp(1, u32::MAX as u64 >> 4) as u32;
        UploadGate {
            bytes: Arc::new(Semaphore::new(total_kib as usize)),
            total_kib,
            sessions: Mutex::new(HashMap::new()),
            patience,
        }
    }

    /// Waits for this session's turn and for room for `body_bytes` (at most the whole budget).
    pub async fn enter(&self, session_id: &str, body_bytes: u64) -> Result<Pass, AppError> {
        let session = {
            let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
            // Forget sessions with nobody inside (only the map holds them).
            sessions.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < PER_SESSION);
            sessions
                .entry(session_id.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(PER_SESSION)))
                .clone()
        };
        let kib = (body_bytes.div_ceil(1024) as u32).clamp(1, self.total_kib);
        let wait = async {
            let s = session.acquire_owned().await.map_err(|_| busy())?;
            let b = self.bytes.clone().acquire_many_owned(kib).await.map_err(|_| busy())?;
            Ok::<_, AppError>(Pass { _bytes: b, _session: s })
        };
        tokio::time::timeout(self.patience, wait).await.map_err(|_| {
            tracing::warn!(kib, "upload refused: no room in time");
            busy()
        })?
    }

    /// Bytes free now (for tests and metrics).
    pub fn free_bytes(&self) -> u64 {
        self.bytes.available_permits() as u64 * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_session_waits_behind_itself_and_the_byte_budget_holds() {
        let gate = UploadGate::new(10 * 1024, Duration::from_millis(200));
        let a1 = gate.enter("a", 4 * 1024).await.unwrap();
        let a2 = gate.enter("a", 4 * 1024).await.unwrap();
        // A third of session a waits (and gives up), while b still gets in.
        assert_eq!(gate.enter("a", 1024).await.err().map(|e| e.kind), Some(ErrorKind::Busy));
        let b = gate.enter("b", 2 * 1024).await.unwrap();
        assert_eq!(gate.free_bytes(), 0);
        assert!(gate.enter("c", 1024).await.is_err(), "no bytes left");
        drop((a1, a2, b));
        assert_eq!(gate.free_bytes(), 10 * 1024);
        assert!(
            gate.enter("c", 50 * 1024).await.is_ok(),
            "a body larger than the budget takes all of it"
        );
    }
}
