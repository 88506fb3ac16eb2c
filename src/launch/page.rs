//! The pages that explain a refused launch.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::ui::frame::{Frame, PatientBanner};

/// `/problem/:reason` — why a launch was refused, in words a GP can act on.
#[component]
pub fn ProblemPage() -> impl IntoView {
    let params = use_params_map();
    let reason = params.read_untracked().get("reason").unwrap_or_default();
    let (status, title, text) = problem_text(&reason);
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
