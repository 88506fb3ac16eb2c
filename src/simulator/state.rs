//! The simulator's shared state: tokens, queued faults, what it received (bounded) and counts.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{Endpoint, Fault, Received, SimConfig, auth, data, launch};

/// Shared mutable state of one simulator.
pub(crate) struct SimState {
    pub(crate) config: SimConfig,
    pub(crate) base_url: String,
    pub(crate) seed: data::Seed,
    pub(crate) launch_keys: launch::Keys,
    /// How minted launches write their `createdTime` (test control can change it).
    pub(crate) created_format: Mutex<super::CreatedTimeFormat>,
    pub(crate) tokens: Mutex<auth::TokenStore>,
    pub(crate) faults: Mutex<Vec<Fault>>,
    pub(crate) received: Mutex<ReceivedLog>,
    pub(crate) counters: Mutex<Counters>,
}

/// What the simulator received, newest last, within a memory budget (oldest forgotten first).
#[derive(Default)]
pub(crate) struct ReceivedLog {
    items: std::collections::VecDeque<(usize, Received)>,
    bytes: usize,
}

impl ReceivedLog {
    /// At most this many bytes of received bodies are kept…
    pub(crate) const MAX_BYTES: usize = 256 << 20;
    /// …and at most this many of them.
    pub(crate) const MAX_ITEMS: usize = 10_000;

    pub(super) fn push(&mut self, r: Received) {
        let size = r.resource.to_string().len() + 256;
        self.bytes += size;
        self.items.push_back((size, r));
        while self.bytes > Self::MAX_BYTES || self.items.len() > Self::MAX_ITEMS {
            let Some((size, _)) = self.items.pop_front() else { break };
            self.bytes -= size;
        }
    }

    fn all_ref(&self) -> impl Iterator<Item = &Received> {
        self.items.iter().map(|(_, r)| r)
    }

    pub(super) fn all(&self) -> Vec<Received> {
        self.items.iter().map(|(_, r)| r.clone()).collect()
    }

    pub(super) fn clear(&mut self) {
        self.items.clear();
        self.bytes = 0;
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) token_fetches: u64,
    pub(crate) requests: HashMap<Endpoint, u64>,
}

/// Lock a mutex, recovering the data if a previous holder panicked (never panic here).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SimState {
    pub(crate) fn fhir_base(&self) -> String {
        format!("{}/FHIR", self.base_url)
    }

    pub(super) fn count(&self, endpoint: Option<Endpoint>) {
        let mut c = lock(&self.counters);
        if let Some(ep) = endpoint
            && ep != Endpoint::Any
        {
            *c.requests.entry(ep).or_insert(0) += 1;
        }
        *c.requests.entry(Endpoint::Any).or_insert(0) += 1;
    }

    pub(crate) fn record(&self, r: Received) {
        lock(&self.received).push(r);
    }

    /// The subject reference of a `resource_type/id` this simulator accepted for `facility`.
    pub(crate) fn written(&self, facility: &str, resource_type: &str, id: &str) -> Option<String> {
        lock(&self.received).all_ref().find_map(|r| {
            (r.status == 201
                && r.facility == facility
                && r.resource_type == resource_type
                && r.id.as_deref() == Some(id))
            .then(|| {
                r.resource["subject"]["reference"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
        })
    }
}

/// Marker put in a response's extensions: the connection must be closed without answering.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropConnection;

/// The error the hyper service returns to make hyper close the connection unanswered.
#[derive(Debug)]
pub(crate) struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by injected simulator fault")
    }
}

impl std::error::Error for DroppedByFault {}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(n: usize) -> Received {
        Received {
            resource_type: "Media".into(),
            id: Some(n.to_string()),
            status: 201,
            facility: "F2N060-E".into(),
            correlation_id: None,
            resource: serde_json::json!({ "n": n }),
            at: chrono::Utc::now(),
        }
    }

    #[test]
    fn what_the_simulator_keeps_is_bounded_and_the_oldest_goes_first() {
        let mut log = ReceivedLog::default();
        for n in 0..ReceivedLog::MAX_ITEMS + 5 {
            log.push(received(n));
        }
        let all = log.all();
        assert_eq!(all.len(), ReceivedLog::MAX_ITEMS);
        assert_eq!(all[0].id.as_deref(), Some("5"), "the five oldest were forgotten");
        let mut log = ReceivedLog::default();
        let big = serde_json::Value::String("x".repeat(ReceivedLog::MAX_BYTES / 3));
        for _ in 0..4 {
            log.push(Received {
                resource: big.clone(),
                ..received(0)
            });
        }
        assert!(log.all().len() <= 2, "bytes are bounded too");
        assert!(log.bytes <= ReceivedLog::MAX_BYTES);
    }
}
