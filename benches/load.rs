//! Load on the real server (a benchmark, not a test: it reports numbers). Runs the release
//! binary as a child process on the simulator, with a fresh data directory, and reads the
//! child's peak resident memory (`VmHWM` in /proc/<pid>/status) after each scenario:
//!
//! 1. 50 concurrent uploads of an 8 MB, 12-megapixel JPEG (what a browser without our
//!    preparation sends), over 10 sessions;
//! 2. 100 sessions × 5 prepared photos (1920×1440, ≈ 600 KB) uploaded at once, then all
//!    committed: upload and commit p50/p99;
//! 3. a GP's preview (`/rendered` of a freshly saved edit) idle, and while another session
//!    keeps the renderer busy with the heaviest edits allowed.
//!
//! Run: `./dev bench` (builds `target/release/clinical-images` first), or
//! `cargo build --release --no-default-features --features ssr --bin clinical-images &&
//! cargo bench --bench load --no-default-features --features ssr`.

use std::{
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const FACILITY: &str = "F2N060-E";

struct Server {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(extra: &[(&str, &str)]) -> Server {
    let root = env!("CARGO_MANIFEST_DIR");
    let bin = std::env::var("CLINICAL_IMAGES_BIN").unwrap_or_else(|_| format!("{root}/target/release/clinical-images"));
    let data = std::env::temp_dir().join(format!("ci-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data).unwrap();
    let port = free_port();
    let mut cmd = Command::new(&bin);
    cmd.current_dir(root)
        .env("APP_DATA_DIR", &data)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("APP_CONSENT", "off")
        .env("APP_REQUIRED_FIELDS", "")
        .env("RUST_LOG", "warn")
        // One client address opens every session of the run.
        .env("APP_LAUNCH_LIMIT_PER_ADDRESS", "100000")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap_or_else(|e| {
        panic!("{bin}: {e} (build it: cargo build --release --no-default-features --features ssr)")
    });
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(200)
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    for _ in 0..300 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            return Server { child, base, http };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not start");
}

impl Server {
    /// Peak resident memory of the server process so far, in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        kb / 1024.0
    }

    /// A launch session for the `n`th seeded patient: (sid, cookie).
    async fn launch(&self, n: usize) -> (String, String) {
        let seed: Value = self
            .http
            .get(format!("{}/sim/api/seed", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let f = seed.as_array().unwrap().iter().find(|f| f["id"] == FACILITY).unwrap();
        let patients = f["patients"].as_array().unwrap();
        let patient = &patients[n % patients.len()]["id"];
        let gp = &f["practitioners"][0]["id"];
        let pair: Value = self
            .http
            .post(format!("{}/sim/api/launch", self.base))
            .header("content-type", "application/json")
            .body(json!({ "facility": FACILITY, "patient_id": patient, "provider_id": gp }).to_string())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let res = self
            .http
            .get(format!(
                "{}/launch?context={}&signature={}",
                self.base,
                pair["context"].as_str().unwrap(),
                pair["signature"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap();
        let sid = res.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches("/w/")
            .to_string();
        let cookie = res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        (sid, cookie)
    }

    async fn upload(&self, (sid, cookie): &(String, String), photo: Vec<u8>) -> (u16, Value, Duration) {
        let id = uuid::Uuid::new_v4().to_string();
        let started = Instant::now();
        // As the browser does: a 503 "busy" (the server's memory budget is full) is tried again
        // after 2, 4, 8, 16, 16, … seconds, up to 8 times; the time counted includes the waits.
        let (mut attempt, mut lost) = (0u32, 0u32);
        loop {
            let form = reqwest::multipart::Form::new().text("id", id.clone()).part(
                "photo",
                reqwest::multipart::Part::bytes(photo.clone())
                    .file_name("p.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
            let res = self
                .http
                .post(format!("{}/api/w/{sid}/photos", self.base))
                .header("cookie", cookie)
                .multipart(form)
                .send()
                .await;
            match res {
                Ok(r) if r.status().as_u16() == 503 && attempt < 8 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(1 << attempt.min(4))).await;
                }
                Ok(r) => {
                    let status = r.status().as_u16();
                    return (status, r.json().await.unwrap_or(Value::Null), started.elapsed());
                }
                // The browser also tries a request that never reached us again (3 times): a
                // reused keep-alive connection the server had just closed, for instance.
                Err(_) if lost < 3 => {
                    lost += 1;
                    tokio::time::sleep(Duration::from_millis(500 << lost)).await;
                }
                Err(_) => return (0, Value::Null, started.elapsed()),
            }
        }
    }

    async fn call(&self, cookie: &str, endpoint: &str, args: &[(&str, &str)]) -> (u16, Duration) {
        let started = Instant::now();
        let res = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("cookie", cookie)
            .form(args)
            .send()
            .await;
        (res.map_or(0, |r| r.status().as_u16()), started.elapsed())
    }

    async fn save_edit(&self, (sid, cookie): &(String, String), id: &str, edit: &Value) -> u16 {
        self.http
            .post(format!("{}/api/photos/edit/save", self.base))
            .header("cookie", cookie)
            .json(&json!({ "sid": sid, "id": id, "edit": edit }))
            .send()
            .await
            .map_or(0, |r| r.status().as_u16())
    }

    async fn rendered(&self, (sid, cookie): &(String, String), id: &str) -> Duration {
        let started = Instant::now();
        let res = self
            .http
            .get(format!("{}/api/w/{sid}/photos/{id}/rendered", self.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let _ = res.bytes().await;
        started.elapsed()
    }
}

/// A photo-like JPEG (gradients and fine noise) at high quality.
fn photo(w: u32, h: u32, quality: u8) -> Vec<u8> {
    let mut seed = 0x1234_5678u32;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 0x3F) as i32 - 32;
        let base = [
            120 + (x * 100 / w) as i32,
            80 + (y * 90 / h) as i32,
            60 + ((x + y) * 60 / (w + h)) as i32,
        ];
        image::Rgb(base.map(|c| (c + n).clamp(0, 255) as u8))
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&img)
        .unwrap();
    out
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

async fn big_uploads(big: Arc<Vec<u8>>) {
    let srv = Arc::new(start(&[]).await);
    let idle = srv.peak_rss_mib();
    let mut sessions = Vec::new();
    for n in 0..10 {
        sessions.push(Arc::new(srv.launch(n).await));
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (srv, s, big) = (srv.clone(), sessions[i % 10].clone(), big.clone());
            tokio::spawn(async move { srv.upload(&s, big.to_vec()).await })
        })
        .collect();
    let (mut ok, mut refused, mut times) = (0, Vec::new(), Vec::new());
    for t in tasks {
        let (status, v, d) = t.await.unwrap();
        times.push(d);
        if status == 201 {
            ok += 1;
        } else {
            refused.push(format!("{status} {}", v["message"].as_str().unwrap_or("")));
        }
    }
    refused.sort();
    refused.dedup();
    println!(
        "50 × {:.1} MB 12 MP uploads: {ok} staged in {:.1} s, p50 {} p99 {}; peak RSS {:.0} MiB (idle {:.0} MiB); refusals: {refused:?}",
        big.len() as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        ms(pct(&mut times, 0.5)),
        ms(pct(&mut times, 0.99)),
        srv.peak_rss_mib(),
        idle
    );
}

async fn many_sessions(prepared: Arc<Vec<u8>>) {
    let srv = Arc::new(start(&[]).await);
    let mut sessions = Vec::new();
    for n in 0..100 {
        sessions.push(Arc::new(srv.launch(n).await));
    }
    let tasks: Vec<_> = (0..500)
        .map(|i| {
            let (srv, s, p) = (srv.clone(), sessions[i % 100].clone(), prepared.clone());
            tokio::spawn(async move {
                let (status, v, d) = srv.upload(&s, p.to_vec()).await;
                let why = format!("{status} {}", v["message"].as_str().unwrap_or(""));
                (status, v["id"].as_str().map(str::to_string), s, d, why)
            })
        })
        .collect();
    let (mut up, mut staged) = (Vec::new(), Vec::new());
    let mut refused = std::collections::BTreeMap::<String, usize>::new();
    for t in tasks {
        let (status, id, s, d, why) = t.await.unwrap();
        up.push(d);
        if let (201, Some(id)) = (status, id) {
            staged.push((s, id));
        } else {
            *refused.entry(why).or_default() += 1;
        }
    }
    println!("100 × 5: not staged, by answer: {refused:?}");
    let n_staged = staged.len();
    let tasks: Vec<_> = staged
        .into_iter()
        .map(|(s, id)| {
            let srv = srv.clone();
            tokio::spawn(async move {
                srv.call(
                    &s.1,
                    "photos/commit",
                    &[("sid", &s.0), ("id", &id), ("resend_unknown", "false")],
                )
                .await
            })
        })
        .collect();
    let (mut commits, mut committed) = (Vec::new(), 0);
    for t in tasks {
        let (status, d) = t.await.unwrap();
        commits.push(d);
        committed += usize::from(status == 200);
    }
    println!(
        "100 sessions × 5 prepared photos ({} KB): {n_staged}/500 staged, upload p50 {} p99 {}; {committed} committed, commit p50 {} p99 {}; peak RSS {:.0} MiB",
        prepared.len() / 1000,
        ms(pct(&mut up, 0.5)),
        ms(pct(&mut up, 0.99)),
        ms(pct(&mut commits, 0.5)),
        ms(pct(&mut commits, 0.99)),
        srv.peak_rss_mib()
    );
}

fn arrow(i: usize) -> Value {
    let y = 0.1 + (i % 80) as f64 / 100.0;
    json!({ "op": "arrow", "from": { "x": 0.2, "y": y }, "to": { "x": 0.8, "y": y }, "colour": "green" })
}

/// The heaviest edit allowed: 10 strokes of 500 points and 40 arrows.
fn heavy(i: usize) -> Value {
    let mut ops: Vec<Value> = (0..10)
        .map(|s| {
            let points: Vec<Value> = (0..500)
                .map(|p| json!({ "x": (p as f64 / 500.0), "y": ((s * 7 + p + i) % 100) as f64 / 100.0 }))
                .collect();
            json!({ "op": "freehand", "points": points, "colour": "cyan" })
        })
        .collect();
    ops.extend((0..40).map(|k| arrow(k + i)));
    json!({ "ops": ops })
}

async fn preview_while_busy(prepared: Arc<Vec<u8>>) {
    let srv = Arc::new(start(&[]).await);
    let gp = srv.launch(0).await;
    let (_, v, _) = srv.upload(&gp, prepared.to_vec()).await;
    let id = v["id"].as_str().unwrap().to_string();
    // Each preview is of a new edit, so it is rendered (not served from the kept renderings).
    let mut round = 0;
    let mut preview = async |srv: &Server| {
        round += 1;
        assert_eq!(srv.save_edit(&gp, &id, &json!({ "ops": [arrow(round)] })).await, 200);
        srv.rendered(&gp, &id).await
    };
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(preview(&srv).await);
    }
    // Another session: 4 photos with the heaviest edits, re-rendered back to back.
    let busy = Arc::new(srv.launch(1).await);
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (_, v, _) = srv.upload(&busy, prepared.to_vec()).await;
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hogs: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let (srv, busy, stop) = (srv.clone(), busy.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    i += 1;
                    srv.save_edit(&busy, &id, &heavy(i)).await;
                    srv.rendered(&busy, &id).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut loaded = Vec::new();
    for _ in 0..10 {
        loaded.push(preview(&srv).await);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in hogs {
        let _ = h.await;
    }
    let (i50, l50) = (pct(&mut idle, 0.5), pct(&mut loaded, 0.5));
    println!(
        "preview (/rendered of a new edit): idle p50 {}, while another session saturates the renderer p50 {} p99 {} ({:.2}× idle)",
        ms(i50),
        ms(l50),
        ms(pct(&mut loaded, 0.99)),
        l50.as_secs_f64() / i50.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let big = Arc::new(photo(4000, 3000, 98));
    let prepared = Arc::new(photo(1920, 1440, 85));
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let run = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    if run("uploads") {
        big_uploads(big).await;
    }
    if run("sessions") {
        many_sessions(prepared.clone()).await;
    }
    if run("preview") {
        preview_while_busy(prepared).await;
    }
}
