//! The checks themselves, in the order an operator would fix them: configuration, token,
//! facilities, then the optional NHI look-up, launch decode and test image.

use chrono::Utc;

use super::{Options, Report, UsageError};
use crate::{
    alex::{
        AlexClient, AlexConfig, AlexError, AlexMode, TokenError,
        config::vars,
        write::{MediaInput, media},
    },
    config::Settings,
    nhi::Nhi,
    simulator::{SimConfig, Simulator},
};

/// Where the check points, for the advice it gives.
struct Target<'a> {
    config: &'a AlexConfig,
    environment: &'a str,
}

/// Runs every check the options ask for. `Err` only for a request the check refuses before
/// calling anything (a test image outside UAT): that is bad usage, exit status 2.
pub async fn run(
    settings: &Settings,
    env: &dyn Fn(&str) -> Option<String>,
    options: &Options,
) -> Result<Report, UsageError> {
    let environment = env(vars::ENVIRONMENT)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| settings.alex_environment.clone());
    let mut report = Report {
        heading: format!("clinical-images check: ALEX environment {environment:?}"),
        steps: Vec::new(),
    };
    let mode = match AlexMode::from_env(settings, env) {
        Ok(mode) => mode,
        Err(e) => {
            report.fail(
                "ALEX configuration",
                e.to_string(),
                "set the variables named above in the environment file, then run the check again",
            );
            return Ok(report);
        }
    };
    // Started here when the simulator is chosen, and kept running for the whole check.
    let mut simulator = None;
    let config = match mode {
        AlexMode::Live(config) => *config,
        AlexMode::Simulator { facility_allowlist } => match Simulator::start(SimConfig::default()).await {
            Ok(sim) => {
                let config = sim.alex_config(facility_allowlist);
                simulator = Some(sim);
                config
            }
            Err(e) => {
                report.fail(
                    "ALEX configuration",
                    format!("cannot start the embedded simulator: {e}"),
                    "check that this host can listen on 127.0.0.1",
                );
                return Ok(report);
            }
        },
    };
    if options.post_test_media.is_some() && is_production(settings, &environment, &config) {
        return Err(UsageError(
            "--post-test-media is refused in production: it commits a test image into a patient's \
             record. Run it against Medtech UAT (ALEX_ENVIRONMENT=uat) only."
                .into(),
        ));
    }
    let target = Target {
        config: &config,
        environment: &environment,
    };
    report.pass("ALEX configuration", describe(&target, simulator.is_some()));
    let alex = match AlexClient::new(&config) {
        Ok(c) => c,
        Err(e) => {
            report.fail(
                "HTTP client",
                format!("cannot build the HTTP client: {e}"),
                "check the host's TLS set-up",
            );
            return Ok(report);
        }
    };

    match alex.check_token().await {
        Ok(()) => report.pass("token", format!("issued by {}", host(&config.token_url))),
        Err(e) => {
            let problem = match &e {
                AlexError::Token(t) => t.to_string(),
                other => other.to_string(),
            };
            report.fail("token", problem, advice(&e, &target, "the token"));
            return Ok(report);
        }
    }

    let allowlist = config.facility_allowlist.clone().unwrap_or_default();
    if allowlist.is_empty() {
        report.fail(
            "facility allow-list",
            "ALEX_FACILITY_ALLOWLIST is not set: a launch from any facility mapped to this client id would be served",
            "set ALEX_FACILITY_ALLOWLIST to the HPI facility ids of the practices this server serves (comma-separated)",
        );
    }
    let mut facilities = allowlist.clone();
    if let Some(f) = &options.facility
        && !facilities.iter().any(|a| a.eq_ignore_ascii_case(f))
    {
        facilities.push(f.clone());
    }
    for facility in &facilities {
        let title = format!("facility {facility}");
        match alex.location(facility).await {
            Ok(location) => report.pass(
                title,
                format!("Location {:?}", location.name.as_deref().unwrap_or("(no name)")),
            ),
            Err(e) => report.fail(title, e.to_string(), advice(&e, &target, ROLE_LOCATION)),
        }
    }

    let practice = options.facility.clone().or_else(|| allowlist.first().cloned());
    if let Some(nhi) = &options.nhi {
        look_up(&mut report, &alex, &target, practice.as_deref(), nhi).await;
    }
    if let Some(url) = &options.launch_url {
        decode_launch(&mut report, &alex, &target, settings, url).await;
    }
    if let Some(patient) = &options.post_test_media {
        post_test_media(&mut report, &alex, &target, practice.as_deref(), patient).await;
    }
    drop(simulator);
    Ok(report)
}

const ROLE_LOCATION: &str = "practice.location.read";
const ROLE_NHI: &str = "patient.nhisearch.read";
const ROLE_LAUNCH: &str = "patient.launchformincontext.read";
const ROLE_MEDIA: &str = "patient.media.write";

/// Production by name, or by pointing at production's FHIR address under another name.
fn is_production(settings: &Settings, environment: &str, config: &AlexConfig) -> bool {
    let production = settings.alex_environment_defaults("production").fhir_base_url;
    let production = production.trim_end_matches('/');
    environment.eq_ignore_ascii_case("production")
        || (!production.is_empty()
            && config
                .fhir_base_url
                .trim_end_matches('/')
                .eq_ignore_ascii_case(production))
}

fn describe(target: &Target<'_>, simulated: bool) -> String {
    if simulated {
        return format!(
            "the embedded ALEX simulator (a demo and test bed, not Medtech) at {}",
            target.config.fhir_base_url
        );
    }
    format!(
        "FHIR {}, client id {}",
        target.config.fhir_base_url, target.config.client_id
    )
}

fn host(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_else(|| url.to_string())
}

/// The NHI look-up in one practice. Says "found", never who.
async fn look_up(report: &mut Report, alex: &AlexClient, target: &Target<'_>, practice: Option<&str>, nhi: &Nhi) {
    let title = format!("NHI {nhi}");
    let Some(facility) = practice else {
        return report.fail(title, "no facility to look the patient up in", NO_FACILITY);
    };
    match alex.patient_by_nhi(facility, nhi).await {
        Ok(Some(_)) => report.pass(title, format!("found in facility {facility}")),
        Ok(None) => report.fail(
            title,
            format!("no patient with this NHI in facility {facility}"),
            "check the NHI, and that the patient is registered at this practice (Medtech patient ids differ per facility)",
        ),
        Err(e) => report.fail(title, e.to_string(), advice(&e, target, ROLE_NHI)),
    }
}

const NO_FACILITY: &str = "set ALEX_FACILITY_ALLOWLIST, or name the practice with --facility";

/// Decodes a launch address as `/launch` would and says whether this server would serve it.
async fn decode_launch(report: &mut Report, alex: &AlexClient, target: &Target<'_>, settings: &Settings, url: &str) {
    let title = "launch pair";
    let pair = reqwest::Url::parse(url).ok().and_then(|u| {
        let get = |name: &str| {
            u.query_pairs()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.into_owned())
        };
        Some((get("context")?, get("signature")?))
    });
    let Some((context, signature)) = pair else {
        return report.fail(
            title,
            "the address has no context and signature",
            "copy the whole address Medtech Evolution opened (https://<host>/launch?context=…&signature=…)",
        );
    };
    let decoded = match alex.decode_launch(&context, &signature).await {
        Ok(c) => c,
        Err(e) => return report.fail(title, e.to_string(), advice(&e, target, ROLE_LAUNCH)),
    };
    let facility = decoded.facility_code;
    if let Err(e) = alex.check_facility(&facility) {
        return report.fail(title, e.to_string(), advice(&e, target, ROLE_LAUNCH));
    }
    let verdict = crate::launch::clock::judge(
        decoded.created_time.as_deref(),
        settings.launch_max_age_seconds,
        Utc::now(),
    );
    let fresh = verdict.is_fresh();
    report.pass(
        title,
        format!(
            "from facility {facility}; patient open: {}; provider: {}{}{}",
            yes_no(decoded.patient_id.is_some()),
            yes_no(decoded.provider_id.is_some()),
            match verdict {
                crate::launch::clock::Verdict::Fresh(r) => format!("; its createdTime reads as {}", r.slug()),
                _ => String::new(),
            },
            if fresh {
                ""
            } else {
                " (older than launch_max_age_seconds: /launch would refuse this one now; that is expected for an old address)"
            }
        ),
    );
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Commits a generated test JPEG to a test patient (UAT only; refused earlier in production).
async fn post_test_media(
    report: &mut Report,
    alex: &AlexClient,
    target: &Target<'_>,
    practice: Option<&str>,
    patient: &Nhi,
) {
    let title = format!("test image to {patient}");
    let Some(facility) = practice else {
        return report.fail(title, "no facility to send the test image to", NO_FACILITY);
    };
    let patient_id = match alex.patient_by_nhi(facility, patient).await {
        Ok(Some(p)) => p.id,
        Ok(None) => {
            return report.fail(
                title,
                format!("no patient with this NHI in facility {facility}"),
                "use a test patient registered at this practice (Medtech UAT: ZZZ0016 in F2N060-E)",
            );
        }
        Err(e) => return report.fail(title, e.to_string(), advice(&e, target, ROLE_NHI)),
    };
    let Some((jpeg, width, height)) = test_jpeg() else {
        return report.fail(title, "cannot make the test image", "report this as a bug");
    };
    let identifier = format!("preflight-{}", uuid::Uuid::new_v4());
    let resource = media(MediaInput {
        identifier: &identifier,
        patient_id: &patient_id,
        practitioner_id: None,
        taken: Utc::now(),
        jpeg: &jpeg,
        width,
        height,
        title: "Clinical Images preflight test image (not a clinical photo)".into(),
        body_site: None,
        view: None,
        reason: Vec::new(),
        notes: vec!["Posted by `clinical-images check --post-test-media` to test the ALEX set-up.".into()],
        dermoscopy: false,
    });
    match alex.create_media(facility, &resource).await {
        Ok(created) => report.pass(
            title,
            format!(
                "Media {} created in facility {facility} (correlation id {})",
                created.id, created.correlation_id
            ),
        ),
        Err(e) => report.fail(title, e.to_string(), advice(&e, target, ROLE_MEDIA)),
    }
}

/// A small grey-scale test card with a diagonal: unmistakably not a photograph.
fn test_jpeg() -> Option<(Vec<u8>, u32, u32)> {
    let (w, h) = (160u32, 120u32);
    let img = image::GrayImage::from_fn(w, h, |x, y| {
        let diagonal = (x as i64 * h as i64 - y as i64 * w as i64).abs() < 2 * w as i64;
        image::Luma([if diagonal { 20 } else { (60 + (x + y) % 160) as u8 }])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .ok()?;
    Some((out, w, h))
}

/// The plain next step for a failed call. `role` is the ALEX role the call needs.
fn advice(e: &AlexError, target: &Target<'_>, role: &str) -> String {
    let c = target.config;
    match e {
        AlexError::Token(TokenError::Rejected { .. }) => format!(
            "check ALEX_CLIENT_ID, ALEX_CLIENT_SECRET and ALEX_SCOPE against what Medtech issued for the {} \
             environment (a client secret can expire: ask Medtech for a new one)",
            target.environment
        ),
        AlexError::Token(TokenError::Unreachable(_)) => format!(
            "this host cannot reach {}: check DNS, the firewall and outbound HTTPS (port 443), and ALEX_TOKEN_URL",
            host(&c.token_url)
        ),
        AlexError::Token(TokenError::Malformed(_)) => {
            "the token address answered something that is not a token: check ALEX_TOKEN_URL".into()
        }
        AlexError::FacilityNotMapped { facility } => format!(
            "ask Medtech to map facility {facility} to client id {} (ALEX Apps: the practice must be enabled for this app)",
            c.client_id
        ),
        AlexError::FacilityNotAllowed { facility } => format!(
            "if this server serves facility {facility}, add it to ALEX_FACILITY_ALLOWLIST; otherwise the practice \
             is using the wrong app address"
        ),
        AlexError::InvalidFacility => {
            "an HPI facility id looks like F2N060-E: check ALEX_FACILITY_ALLOWLIST and --facility".into()
        }
        AlexError::Forbidden { .. } => format!(
            "ask Medtech to give client id {} the role {role}, and to allow-list this server's static outbound IP address",
            c.client_id
        ),
        AlexError::Unauthorized => format!(
            "ALEX refused a fresh token: ask Medtech whether client id {} is enabled for ALEX {}, and check ALEX_SCOPE",
            c.client_id, target.environment
        ),
        AlexError::Unavailable { .. } => "ALEX cannot reach the practice's Medtech server: ask the practice to check \
             that the server and its ALEX connection are up, then run the check again"
            .into(),
        AlexError::Unreachable { .. } => format!(
            "this host cannot reach {}: check DNS, the firewall and outbound HTTPS (port 443), and ALEX_FHIR_BASE_URL",
            host(&c.fhir_base_url)
        ),
        AlexError::Throttled { .. } => "ALEX is limiting this client's calls: wait a minute and run the check again".into(),
        AlexError::EndpointNotExposed => format!(
            "ALEX does not offer this at {}: check ALEX_FHIR_BASE_URL and ALEX_LAUNCH_BASE_URL",
            host(&c.fhir_base_url)
        ),
        AlexError::OutcomeUnknown { .. } => "no answer came back: look in the patient's record in Medtech Evolution \
             before running the check again (the write may have been saved)"
            .into(),
        AlexError::Rejected { status: 400, .. } if role == ROLE_LAUNCH => "the launch pair did not decode: open the \
             app from Medtech Evolution again and copy the new address at once (it expires within minutes)"
            .into(),
        AlexError::NotFound { .. } => "check the facility id and the ALEX addresses".into(),
        AlexError::BusinessRule { .. } | AlexError::Rejected { .. } | AlexError::Unexpected { .. } => {
            "ALEX did not accept the call: check the ALEX addresses; if they are right, report this with the output above"
                .into()
        }
        AlexError::InvalidNhi(_) => "check the NHI you typed".into(),
    }
}
