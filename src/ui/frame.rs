//! The frame every screen sits in: product header, simulator warning, patient banner.

use leptos::prelude::*;

use serde::{Deserialize, Serialize};

use crate::model::PatientSummary;

pub const PRODUCT_NAME: &str = "Clinical Images";

/// What every page needs to know about how this server is connected.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppInfo {
    /// True when no ALEX credentials are configured and the embedded simulator stands in.
    pub simulator: bool,
    pub version: String,
}

#[server(prefix = "/api", endpoint = "app_info")]
pub async fn get_app_info() -> Result<AppInfo, ServerFnError> {
    // Built once by the composition root and provided to every request.
    use_context::<AppInfo>().ok_or_else(|| ServerFnError::new("app info missing from context"))
}

/// True once this page has hydrated in the browser (never during server rendering).
/// Controls that need WASM stay disabled until then, so a click is never silently lost.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

#[component]
pub fn Frame(children: Children) -> impl IntoView {
    let info = use_context::<Resource<Result<AppInfo, ServerFnError>>>();
    let hydrated = use_hydrated();
    let simulator = move || {
        info.and_then(|r| r.get())
            .and_then(|r| r.ok())
            .map(|i| i.simulator)
            .unwrap_or(false)
    };
    view! {
        <header class="app-header">
            <h1 class="product">{PRODUCT_NAME}</h1>
            <Suspense>
                <Show when=simulator>
                    <p class="simulator-badge" role="status">
                        "Simulator — not connected to Medtech"
                    </p>
                </Show>
            </Suspense>
        </header>
        // Until the app is interactive the page is inert (and says it is busy): it is rendered
        // whole on the server, and a click before hydration would otherwise be lost silently.
        <main class="app-main" inert=move || !hydrated.get() aria-busy=move || (!hydrated.get()).to_string()>
            {children()}
        </main>
    }
}

/// Name, date of birth and NHI of the patient the photos are for. With no patient it is an
/// empty, labelled region so the layout never jumps and screen readers know what is missing.
#[component]
pub fn PatientBanner(#[prop(into)] patient: Signal<Option<PatientSummary>>) -> impl IntoView {
    view! {
        <section class="patient-banner" aria-label="Patient">
            {move || match patient.get() {
                Some(p) => view! {
                    <dl class="patient">
                        <div><dt>"Patient"</dt><dd class="patient-name">{p.name}</dd></div>
                        <div><dt>"Date of birth"</dt><dd class="patient-dob">{p.birth_date}</dd></div>
                        <div><dt>"NHI"</dt><dd class="patient-nhi">{p.nhi}</dd></div>
                    </dl>
                }.into_any(),
                None => view! { <p class="patient-empty">"No patient selected"</p> }.into_any(),
            }}
        </section>
    }
}
