//! The pages that explain a refused launch.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::ui::frame::{Frame, PatientBanner};

/// `/problem/:reason` — why a launch was refused, in words a GP can act on.
#[component]
pub fn ProblemPage() -> impl IntoView {
    let params = use_params_map();
    let reason = params.read_untracked().get("reason").unwrap_or_default();
    let (status, title, text) = problem_text(&reason);
    // A launch too old by its clock says by how much (a number from our own redirect).
    let seen = use_query_map()
        .read_untracked()
        .get("seen")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|_| reason == "launch-expired");
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(axum::http::StatusCode::from_u16(status).unwrap_or_default());
    }
    let _ = status;
    view! {
        <Frame>
            <PatientBanner patient=Signal::stored(None) />
            <section class="error-page" role="alert">
                <h2>{title}</h2>
                <p>{text}</p>
                {seen.map(|secs| view! { <p class="clock">{clock_words(secs)}</p> })}
            </section>
        </Frame>
    }
}

fn problem_text(reason: &str) -> (u16, &'static str, &'static str) {
    const AGAIN: &str = "Open the patient in Medtech Evolution and click the Clinical Images icon again.";
    match reason {
        "launch-missing" => (400, "This link is incomplete", AGAIN),
        "launch-expired" => (400, "This launch link has expired", AGAIN),
        "launch-used" => (
            409,
            "This launch link has already been used",
            "Each click on the icon opens one session. Click the Clinical Images icon in Medtech again.",
        ),
        "practice-not-enabled" => (
            403,
            "Clinical Images is not enabled for this practice",
            "Please ask your practice manager to contact us to enable it.",
        ),
        "too-many-launches" => (
            429,
            "Too many launches from this computer",
            "The widget was opened many times in a few minutes. Wait a few minutes, then click the icon again.",
        ),
        "medtech-unavailable" => (
            503,
            "Medtech could not be reached",
            "We could not check this launch with Medtech just now. Wait a minute, then click the icon again.",
        ),
        _ => (400, "This launch link is not valid", AGAIN),
    }
}

/// What the GP (and their IT support) reads of a launch clock that did not fit.
fn clock_words(secs: i64) -> String {
    let mins = (secs.unsigned_abs() + 30) / 60;
    let span = match (mins / 60, mins % 60) {
        (0, 0) => "less than a minute".to_string(),
        (0, m) => format!("{m} minute{}", if m == 1 { "" } else { "s" }),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    };
    let when = if secs < 0 { "ahead of" } else { "behind" };
    format!(
        "The launch link's time was {span} {when} this server's clock. If every launch says this, \
         Medtech's clock and ours disagree: please tell your practice manager or IT support."
    )
}
