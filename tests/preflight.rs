//! `clinical-images check` against the ALEX simulator over real sockets: the library function
//! for each situation an operator meets, and the real binary once for its output and exit codes.

mod support;

use clinical_images::{
    alex::config::vars,
    preflight::{self, Options, Outcome, Report},
    simulator::{Endpoint, SimConfig, Simulator, UAT_FACILITY, UNMAPPED_FACILITY},
};

/// The environment of a UAT deployment whose ALEX is the simulator.
fn uat_env(sim: &Simulator, secret: &str, allowlist: &str) -> Vec<(String, String)> {
    let c = sim.config();
    [
        (vars::ENVIRONMENT, "uat".to_string()),
        (vars::CLIENT_ID, c.client_id.clone()),
        (vars::CLIENT_SECRET, secret.to_string()),
        (vars::SCOPE, c.scope.clone()),
        (vars::TOKEN_URL, sim.token_url()),
        (vars::FHIR_BASE_URL, sim.fhir_base_url()),
        (vars::LAUNCH_BASE_URL, sim.launch_base_url()),
        (vars::FACILITY_ALLOWLIST, allowlist.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn options(args: &[&str]) -> Options {
    Options::parse(args.iter().map(|s| s.to_string())).unwrap()
}

async fn check(env: &[(String, String)], args: &[&str]) -> Result<Report, preflight::UsageError> {
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    preflight::run(&support::app::settings(&[]), &get, &options(args)).await
}

fn step<'a>(report: &'a Report, title: &str) -> &'a Outcome {
    &report
        .steps
        .iter()
        .find(|s| s.title == title)
        .unwrap_or_else(|| panic!("no step {title:?} in\n{}", report.render()))
        .outcome
}

/// The seeded names of every simulated patient: none may ever be printed.
fn assert_no_names(sim: &Simulator, text: &str) {
    for p in sim.facilities().iter().flat_map(|f| sim.patients(&f.id)) {
        assert!(
            !text.contains(&p.family) && !text.contains(&p.given),
            "a name printed:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_working_uat_configuration_passes_every_step() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let env = uat_env(&sim, "sim-secret", UAT_FACILITY);
    let patient = &sim.patients(UAT_FACILITY)[0];
    let doctor = &sim.practitioners(UAT_FACILITY)[0];
    let pair = sim.mint_launch(UAT_FACILITY, Some(&patient.id), &doctor.id);
    let launch = launch_url(&pair.context, &pair.signature);
    let report = check(
        &env,
        &[
            "--nhi",
            "ZZZ0016",
            "--launch-url",
            &launch,
            "--post-test-media",
            "--patient-nhi",
            "ZZZ0016",
        ],
    )
    .await
    .unwrap();
    let text = report.render();
    assert!(report.passed(), "{text}");
    assert_eq!(report.exit_code(), 0);
    for title in [
        "ALEX configuration",
        "token",
        "facility F2N060-E",
        "NHI ZZZ0016",
        "launch pair",
        "test image to ZZZ0016",
    ] {
        assert!(matches!(step(&report, title), Outcome::Pass(_)), "{title}: {text}");
    }
    assert!(text.contains("patient open: yes"), "{text}");
    // The test image reached the test patient in that practice, as a valid Media.
    let received = sim.received();
    assert_eq!(received.len(), 1, "exactly one test image");
    let media = &received[0];
    assert_eq!((media.status, media.resource_type.as_str()), (201, "Media"));
    let zzz0016 = sim
        .patients(UAT_FACILITY)
        .into_iter()
        .find(|p| p.nhi == "ZZZ0016")
        .unwrap();
    assert_eq!(
        media.resource["subject"]["reference"],
        format!("Patient/{}", zzz0016.id)
    );
    assert!(support::fhir_r4::validate_media(&media.resource).is_empty());
    // No secret, and no name beyond what the operator typed.
    assert!(!text.contains("sim-secret"), "{text}");
    assert_no_names(&sim, &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmapped_facility_fails_with_the_request_to_make_of_medtech() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let env = uat_env(&sim, "sim-secret", &format!("{UAT_FACILITY},{UNMAPPED_FACILITY}"));
    let report = check(&env, &[]).await.unwrap();
    assert_eq!(report.exit_code(), 1, "{}", report.render());
    assert!(matches!(step(&report, "facility F2N060-E"), Outcome::Pass(_)));
    let Outcome::Fail { problem, next } = step(&report, "facility F00000-X") else {
        panic!("{}", report.render())
    };
    assert!(problem.contains("403 Practice Facility not found"), "{problem}");
    assert_eq!(
        next,
        "ask Medtech to map facility F00000-X to client id sim-client (ALEX Apps: the practice must be enabled for this app)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_stop_at_the_token_with_what_to_check() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let env = uat_env(&sim, "not-the-secret", UAT_FACILITY);
    let report = check(&env, &["--nhi", "ZZZ0016"]).await.unwrap();
    let text = report.render();
    assert_eq!(report.exit_code(), 1, "{text}");
    let Outcome::Fail { next, .. } = step(&report, "token") else {
        panic!("{text}")
    };
    assert!(
        next.contains("ALEX_CLIENT_ID, ALEX_CLIENT_SECRET and ALEX_SCOPE"),
        "{next}"
    );
    // Nothing after the token is tried: every later call would fail the same way.
    assert_eq!(report.steps.last().unwrap().title, "token", "{text}");
    assert_eq!(
        sim.request_count(Endpoint::Patient) + sim.request_count(Endpoint::Location),
        0
    );
    assert!(!text.contains("not-the-secret"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_image_is_refused_in_production_before_any_call() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let args = ["--post-test-media", "--patient-nhi", "ZZZ0016"];
    let mut env = uat_env(&sim, "sim-secret", UAT_FACILITY);
    env[0].1 = "production".into();
    let err = check(&env, &args).await.unwrap_err();
    assert!(err.0.contains("refused in production"), "{err}");
    // Production's address under another name is production too.
    let mut env = uat_env(&sim, "sim-secret", UAT_FACILITY);
    env.retain(|(k, _)| k != vars::FHIR_BASE_URL);
    env.push((
        vars::FHIR_BASE_URL.into(),
        "https://alexapi.medtechglobal.com/FHIR".into(),
    ));
    assert!(check(&env, &args).await.is_err());
    assert_eq!(sim.request_count(Endpoint::Any), 0, "nothing was called");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_or_foreign_launch_pair_is_explained() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let env = uat_env(&sim, "sim-secret", UAT_FACILITY);
    let doctor = &sim.practitioners("F99669-C")[0];
    // A pair from a practice this server does not serve.
    let pair = sim.mint_launch("F99669-C", None, &doctor.id);
    let url = launch_url(&pair.context, &pair.signature);
    let report = check(&env, &["--launch-url", &url]).await.unwrap();
    let Outcome::Fail { next, .. } = step(&report, "launch pair") else {
        panic!("{}", report.render())
    };
    assert!(next.contains("add it to ALEX_FACILITY_ALLOWLIST"), "{next}");
    // A pair that does not decode (tampered signature).
    let url = launch_url(&pair.context, "AAAA");
    let report = check(&env, &["--launch-url", &url]).await.unwrap();
    let Outcome::Fail { next, .. } = step(&report, "launch pair") else {
        panic!("{}", report.render())
    };
    assert!(next.contains("open the app from Medtech Evolution again"), "{next}");
}

/// The real binary: `check` reads the same environment the server would, prints the checklist
/// and reports by exit status (0 pass, 1 fail, 2 usage).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_the_checklist_and_exits_by_outcome() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let run = |env: Vec<(String, String)>, args: &'static [&'static str]| {
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_clinical-images"))
                .arg("check")
                .args(args)
                .env_clear()
                .env("APP_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
                .envs(env)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
            (out.status.code(), text)
        })
    };
    let (code, text) = run(uat_env(&sim, "sim-secret", UAT_FACILITY), &["--nhi", "ZZZ0016"])
        .await
        .unwrap();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("✓ token: issued by 127.0.0.1"), "{text}");
    assert!(text.contains("✓ facility F2N060-E: Location"), "{text}");
    assert!(text.contains("✓ NHI ZZZ0016: found in facility F2N060-E"), "{text}");
    assert!(text.contains("All 4 checks passed."), "{text}");
    assert_no_names(&sim, &text);

    let (code, text) = run(uat_env(&sim, "wrong", UAT_FACILITY), &[]).await.unwrap();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("✗ token: token request refused"), "{text}");
    assert!(!text.contains("wrong"), "the secret is never printed:\n{text}");

    let (code, text) = run(uat_env(&sim, "sim-secret", UAT_FACILITY), &["--nhi", "ZZZ0017"])
        .await
        .unwrap();
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("not a valid NHI"), "{text}");
}

/// The address Medtech Evolution opens, query properly encoded.
fn launch_url(context: &str, signature: &str) -> String {
    reqwest::Url::parse_with_params(
        "https://photos.example.nz/launch",
        &[("context", context), ("signature", signature)],
    )
    .unwrap()
    .to_string()
}
