//! The release bundle made by `./dev dist`, on its own: unpacked into an empty directory laid
//! out as DEPLOY.md installs it (/opt/clinical-images/current → the unpacked release), the server
//! starts from there alone and serves the page and its static bundle; the production settings
//! refuse to start without ALEX credentials; the environment template names every secret and
//! fills none; `systemd-analyze verify` accepts the unit.
//!
//! Runs when DIST_BUNDLE names the archive (`./dev test` builds it first and sets it, with
//! REQUIRE_DIST_TEST=1); otherwise it is skipped with a message.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use clinical_images::config::Settings;

#[path = "dist/split.rs"]
mod split;

/// The archive under test, or None (skipped) when DIST_BUNDLE is unset.
fn bundle() -> Option<PathBuf> {
    match std::env::var_os("DIST_BUNDLE") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            assert!(
                std::env::var_os("REQUIRE_DIST_TEST").is_none(),
                "DIST_BUNDLE is not set: ./dev test builds the bundle and sets it"
            );
            eprintln!("SKIPPED: DIST_BUNDLE is not set (./dev dist builds the bundle; ./dev test runs this test)");
            None
        }
    }
}

/// A process killed when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// The bundle's server with only the variables given (none inherited from this test, which
/// runs with the repository's LEPTOS_* build variables), from the release directory.
fn server(release: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(release.join("clinical-images"));
    cmd.current_dir(release).env_clear().envs(env.iter().copied());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_runs_on_its_own_and_its_unit_verifies() {
    let Some(archive) = bundle() else { return };
    let root = std::env::temp_dir().join(format!("clinical-images-dist-{}", uuid::Uuid::new_v4()));
    let opt = root.join("opt/clinical-images");
    std::fs::create_dir_all(&opt).unwrap();
    let (ok, out) = run(Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(&opt));
    assert!(ok, "tar: {out}");
    let entries: Vec<String> = std::fs::read_dir(&opt)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries.len(), 1, "one top-level folder: {entries:?}");
    assert_eq!(entries[0], format!("clinical-images-{}", env!("CARGO_PKG_VERSION")));
    std::os::unix::fs::symlink(&entries[0], opt.join("current")).unwrap();
    let release = opt.join("current");

    for file in [
        "clinical-images",
        "Leptos.toml",
        "clinical-images.env",
        "clinical-images.service",
        "Caddyfile",
        "DEPLOY.md",
    ] {
        assert!(release.join(file).is_file(), "bundle lacks {file}");
    }

    // Production settings: the record database under the state directory, production ALEX,
    // the local reverse proxy trusted, the bundled site.
    let config = release.join("Leptos.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let settings = Settings::from_toml_with_env(&text, &config, |_| None).unwrap();
    assert_eq!(settings.alex_environment, "production");
    assert_eq!(settings.data_dir, PathBuf::from("/var/lib/clinical-images"));
    assert_eq!(
        settings.trusted_proxies,
        ["127.0.0.1".parse::<std::net::IpAddr>().unwrap()]
    );
    let leptos: toml::Table = text.parse().unwrap();
    let site = &leptos["package"]["metadata"]["leptos"];
    assert_eq!(site["site-root"].as_str(), Some("site"));
    assert_eq!(site["site-addr"].as_str(), Some("127.0.0.1:3000"));
    // The bundle is named by its content (cached for good by browsers), each file with brotli
    // and gzip siblings made at build time.
    let bundle = site["output-name"].as_str().unwrap().to_string();
    let hash = bundle.strip_prefix("clinical_images.").unwrap_or("");
    assert!(
        hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "output-name is hashed: {bundle}"
    );
    for ext in ["wasm", "js", "css"] {
        for sibling in ["", ".br", ".gz"] {
            let file = format!("site/pkg/{bundle}.{ext}{sibling}");
            assert!(release.join(&file).is_file(), "bundle lacks {file}");
        }
    }
    let lazy_parts = split::check_files(&release, &bundle);

    // The environment template names every secret and fills none.
    let template = std::fs::read_to_string(release.join("clinical-images.env")).unwrap();
    for var in [
        "ALEX_CLIENT_ID",
        "ALEX_CLIENT_SECRET",
        "ALEX_TOKEN_URL",
        "ALEX_SCOPE",
        "ALEX_FACILITY_ALLOWLIST",
        "OPS_TOKEN",
    ] {
        let lines: Vec<&str> = template.lines().filter(|l| l.starts_with(&format!("{var}="))).collect();
        assert_eq!(lines, [format!("{var}=")], "{var} named once, empty");
    }
    assert!(template.lines().any(|l| l == "ALEX_ENVIRONMENT=production"));
    for var in ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] {
        assert!(
            template.lines().any(|l| l == format!("#{var}=")),
            "{var} named, commented out"
        );
    }

    // As shipped (production, no credentials) it refuses to start, naming what is missing.
    let data = root.join("data");
    let data_dir = data.to_str().unwrap();
    let (ok, out) = run(server(&release, &[("APP_DATA_DIR", data_dir)]).stdin(Stdio::null()));
    assert!(!ok, "started without ALEX credentials:\n{out}");
    assert!(
        out.contains("ALEX_CLIENT_ID and ALEX_CLIENT_SECRET are not set"),
        "{out}"
    );

    // On the simulator it serves the page and the static bundle from the bundle's site/.
    let addr = format!("127.0.0.1:{}", free_port());
    let _server = Server(
        server(
            &release,
            &[
                ("ALEX_ENVIRONMENT", "simulator"),
                ("APP_DATA_DIR", data_dir),
                ("LEPTOS_SITE_ADDR", &addr),
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap(),
    );
    // Bodies read as sent: these checks are of the encoding itself.
    let http = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let base = format!("http://{addr}");
    let started = Instant::now();
    loop {
        match http.get(format!("{base}/readyz")).send().await {
            Ok(r) if r.status() == 200 => break,
            _ if started.elapsed() > Duration::from_secs(60) => panic!("not ready within 60 s"),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let page = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for ext in ["js", "wasm", "css"] {
        assert!(
            html.contains(&format!("/pkg/{bundle}.{ext}")),
            "the page loads the bundle's {ext}: {html}"
        );
    }
    let mut assets: Vec<(String, &str)> = [("wasm", "application/wasm"), ("js", "javascript"), ("css", "text/css")]
        .into_iter()
        .map(|(ext, kind)| (format!("{bundle}.{ext}"), kind))
        .collect();
    for part in &lazy_parts {
        assets.push((
            part.clone(),
            if part.ends_with(".wasm") {
                "application/wasm"
            } else {
                "javascript"
            },
        ));
    }
    for (asset, kind) in assets {
        for (accept, encoding, file) in [
            ("identity", None, asset.clone()),
            ("gzip", Some("gzip"), format!("{asset}.gz")),
            ("gzip, deflate, br", Some("br"), format!("{asset}.br")),
        ] {
            let res = http
                .get(format!("{base}/pkg/{asset}"))
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{asset}");
            let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
            assert!(content_type.contains(kind), "{asset}: {content_type}");
            assert_eq!(
                res.headers().get("content-encoding").map(|v| v.to_str().unwrap()),
                encoding,
                "{asset} for {accept}"
            );
            assert_eq!(
                res.headers()["cache-control"],
                "public, max-age=31536000, immutable",
                "{asset}"
            );
            let served = res.bytes().await.unwrap();
            assert_eq!(
                served.as_ref(),
                std::fs::read(release.join("site/pkg").join(&file)).unwrap(),
                "{file}"
            );
        }
    }
    assert!(
        std::fs::metadata(data.join("clinical-images.sqlite3")).is_ok(),
        "the record database is in data_dir"
    );

    through_caddy(&root, &release, &addr, &bundle).await;
    verify_unit(&root, &release);
    let _ = std::fs::remove_dir_all(&root);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The bundle's Caddyfile in front of the server (its site address, TLS and ports swapped for a
/// loopback test with Caddy's own CA): the app's security headers arrive exactly once, and HSTS
/// arrives at all, which proves the app trusted Caddy's X-Forwarded-Proto (trusted_proxies).
async fn through_caddy(root: &Path, release: &Path, upstream: &str, bundle: &str) {
    let Ok(caddy) = which("caddy") else {
        assert!(
            std::env::var_os("REQUIRE_DIST_TEST").is_none(),
            "caddy is not installed: ./dev test installs it"
        );
        eprintln!("SKIPPED (Caddy part): caddy is not installed");
        return;
    };
    let (https, http_port) = (free_port(), free_port());
    let shipped = std::fs::read_to_string(release.join("Caddyfile")).unwrap();
    let config = shipped
        .replace(
            "\temail ops@example.nz\n",
            &format!(
                "\temail ops@example.nz\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n\
                 \thttp_port {http_port}\n\thttps_port {https}\n\tstorage file_system {}\n",
                root.join("caddy").display()
            ),
        )
        .replace(
            "photos.example.nz {\n",
            &format!("https://127.0.0.1:{https} {{\n\ttls internal\n"),
        )
        .replace("reverse_proxy 127.0.0.1:3000", &format!("reverse_proxy {upstream}"));
    assert_ne!(config, shipped);
    let file = root.join("Caddyfile.test");
    std::fs::write(&file, config).unwrap();
    let _caddy = Server(
        Command::new(caddy)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&file)
            .env("HOME", root)
            .env("XDG_DATA_HOME", root.join("caddy"))
            .env("XDG_CONFIG_HOME", root.join("caddy"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    let url = format!("https://127.0.0.1:{https}/");
    let started = Instant::now();
    let res = loop {
        match http.get(&url).send().await {
            Ok(r) => break r,
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            Err(e) => panic!("Caddy did not answer within 30 s: {e}"),
        }
    };
    assert_eq!(res.status(), 200);
    for name in [
        "content-security-policy",
        "x-frame-options",
        "strict-transport-security",
        "x-content-type-options",
        "referrer-policy",
        "cache-control",
    ] {
        assert_eq!(
            res.headers().get_all(name).iter().count(),
            1,
            "{name} once through Caddy: {:?}",
            res.headers()
        );
    }
    // The bundle's brotli file passes through Caddy as the app sent it.
    let wasm = http
        .get(format!("https://127.0.0.1:{https}/pkg/{bundle}.wasm"))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-encoding"], "br");
    assert_eq!(
        wasm.bytes().await.unwrap().as_ref(),
        std::fs::read(release.join(format!("site/pkg/{bundle}.wasm.br"))).unwrap()
    );
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

/// `systemd-analyze verify` on the unit, in a root laid out as DEPLOY.md installs the bundle
/// (it checks, among the rest, that ExecStart names an executable). Warnings fail the test too:
/// systemd ignores a setting it cannot parse and says so only as a warning.
fn verify_unit(root: &Path, release: &Path) {
    let etc = root.join("etc");
    std::fs::create_dir_all(etc.join("systemd/system")).unwrap();
    std::fs::create_dir_all(etc.join("clinical-images")).unwrap();
    std::fs::copy(
        release.join("clinical-images.service"),
        etc.join("systemd/system/clinical-images.service"),
    )
    .unwrap();
    std::fs::copy(
        release.join("clinical-images.env"),
        etc.join("clinical-images/clinical-images.env"),
    )
    .unwrap();
    // systemd's own units (targets the unit is ordered after), as on the host.
    std::fs::create_dir_all(root.join("usr/lib/systemd")).unwrap();
    let (ok, out) = run(Command::new("cp")
        .arg("-a")
        .arg("/usr/lib/systemd/system")
        .arg(root.join("usr/lib/systemd/")));
    assert!(
        ok,
        "cannot copy systemd's units (is Debian's systemd installed? ./dev test installs it): {out}"
    );
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
    let (ok, out) = run(Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", root.display()))
        .arg("/etc/systemd/system/clinical-images.service"));
    // Syscall names newer than this host's libseccomp, inside systemd's own @system-service set.
    let warnings: Vec<&str> = out
        .lines()
        .filter(|l| !l.contains("Failed to parse system call, ignoring"))
        .collect();
    assert!(ok && warnings.is_empty(), "systemd-analyze verify:\n{out}");
}
