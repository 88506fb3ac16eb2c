//! `/metrics` over HTTP: the Prometheus text format behind OPS_TOKEN, counters that move with an
//! upload and a commit, levels read at scrape time, and no identity in any label.

#![cfg(feature = "ssr")]

mod support;

use std::collections::BTreeMap;

use clinical_images::simulator::{Endpoint, Fault, FaultKind};
use support::app;

const UAT: &str = "F2N060-E";

/// One sample of the text format: its name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the Prometheus text format (comments skipped; label values unescaped), failing the test
/// on a line that is not a sample.
fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (head, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let (name, labels) = match head.split_once('{') {
            None => (head.to_string(), BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels: {line}"));
                (name.to_string(), labels(body, line))
            }
        };
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad name: {line}"
        );
        out.push(Sample { name, labels, value });
    }
    out
}

/// `a="x",b="y\"z"` → {a: x, b: y"z}.
fn labels(body: &str, line: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut chars = body.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.trim().is_empty() {
            break;
        }
        assert_eq!(chars.next(), Some('"'), "label value not quoted: {line}");
        let mut value = String::new();
        loop {
            match chars.next().unwrap_or_else(|| panic!("unterminated label: {line}")) {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c) => value.push(c),
                    None => panic!("bad escape: {line}"),
                },
                '"' => break,
                c => value.push(c),
            }
        }
        map.insert(key.trim().to_string(), value);
        if chars.next_if_eq(&',').is_none() {
            break;
        }
    }
    map
}

/// The value of the sample `name` whose labels include all of `with` (0 when absent).
fn value(samples: &[Sample], name: &str, with: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && with
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

async fn scrape(srv: &clinical_images::server::Running) -> Vec<Sample> {
    let res = app::http()
        .get(app::url(srv, "/metrics"))
        .bearer_auth("ops")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    parse(&res.text().await.unwrap())
}

#[tokio::test]
async fn metrics_move_with_an_upload_and_a_commit_and_carry_no_identity() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let before = scrape(&srv).await;

    let ids = app::stage_ready(&srv, &d, 2).await;
    let (status, v) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "committed");
    // The second commit's outcome is unknown: Medtech saved it but the answer never came.
    let sim = srv.state.simulator.clone().unwrap();
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::DropAfterProcessing,
        count: 1,
    });
    let (status, v) = app::commit(&srv, &d, &ids[1]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["failure_kind"], "outcome_unknown");
    // A live feed open while scraping is counted.
    let feed = app::http()
        .get(app::url(&srv, &format!("/api/w/{}/events", d.sid)))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);

    let after = scrape(&srv).await;
    let moved = |name: &str, with: &[(&str, &str)]| value(&after, name, with) - value(&before, name, with);
    assert!(
        moved(
            "clinical_images_uploads_total",
            &[("source", "desktop"), ("outcome", "staged")]
        ) >= 2.0
    );
    assert!(
        moved(
            "clinical_images_commits_total",
            &[("target", "media"), ("outcome", "committed")]
        ) >= 1.0
    );
    assert!(
        moved(
            "clinical_images_commits_total",
            &[("target", "media"), ("outcome", "outcome_unknown")]
        ) >= 1.0
    );
    assert!(
        moved(
            "clinical_images_alex_calls_total",
            &[("endpoint", "Media"), ("method", "POST")]
        ) >= 1.0
    );
    assert!(
        value(
            &after,
            "clinical_images_alex_call_seconds_count",
            &[("endpoint", "Media")]
        ) >= 1.0,
        "latency histogram"
    );
    assert!(
        after
            .iter()
            .any(|s| s.name == "clinical_images_alex_call_seconds_bucket" && s.labels.contains_key("le")),
        "a histogram with buckets"
    );
    assert!(
        value(
            &after,
            "clinical_images_alex_token_fetches_total",
            &[("outcome", "issued")]
        ) >= 1.0
    );
    assert!(value(&after, "clinical_images_launches_total", &[("outcome", "opened")]) >= 1.0);
    assert!(
        value(
            &after,
            "clinical_images_photos_waiting",
            &[("state", "outcome_unknown")]
        ) >= 1.0
    );
    assert!(value(&after, "clinical_images_live_feed_subscribers", &[]) >= 1.0);
    assert!(after.iter().any(|s| s.name == "clinical_images_decode_queue"));

    // No identity in any label: no seeded patient's name, NHI or id, no session or photo id.
    let mut secrets: Vec<String> = vec![d.sid.clone(), d.patient_id.clone()];
    secrets.extend(ids.iter().cloned());
    for p in sim.patients(UAT) {
        secrets.extend([p.id, p.nhi, p.family, p.given]);
    }
    for s in &after {
        for (k, v) in &s.labels {
            for secret in &secrets {
                assert!(!v.contains(secret.as_str()), "{}{{{k}={v}}} carries {secret}", s.name);
            }
        }
    }
    drop(feed);
    srv.stop().await;
}

#[tokio::test]
async fn metrics_are_closed_without_ops_token_and_refused_with_a_wrong_one() {
    let closed = app::start(&[]).await;
    let res = app::http().get(app::url(&closed, "/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = app::http()
        .get(app::url(&closed, "/metrics"))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "no OPS_TOKEN: closed whatever is sent");
    closed.stop().await;

    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    for wrong in [Some("wrong"), Some(""), None] {
        let mut req = app::http().get(app::url(&srv, "/metrics"));
        if let Some(t) = wrong {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "{wrong:?}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("clinical_images_"), "nothing rendered: {body}");
    }
    srv.stop().await;
}
