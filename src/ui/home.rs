//! `/`: the widget opened without a launch context.

use leptos::prelude::*;

use super::frame::{Frame, PatientBanner, use_hydrated};

#[component]
pub fn HomePage() -> impl IntoView {
    let hydrated = use_hydrated();
    let (help_open, set_help_open) = signal(false);
    view! {
        <Frame>
            <PatientBanner patient=Signal::stored(None) />
            <section class="photo-strip" aria-label="Photos">
                <p class="empty">"Photos appear here once a patient is open."</p>
            </section>
            <section class="no-context" aria-labelledby="no-context-title">
                <h2 id="no-context-title">"No patient context"</h2>
                <p>
                    "Open this widget from Medtech Evolution with a patient open, "
                    "or from the simulator launch page."
                </p>
                <button
                    type="button"
                    class="secondary"
                    aria-expanded=move || help_open.get().to_string()
                    aria-controls="launch-help"
                    disabled=move || !hydrated.get()
                    on:click=move |_| set_help_open.update(|o| *o = !*o)
                >
                    "How do I open a patient?"
                </button>
                <div id="launch-help" class="help" hidden=move || !help_open.get()>
                    <ol>
                        <li>"In Medtech Evolution, open the patient's record."</li>
                        <li>"Click the Clinical Images icon in the ALEX Apps toolbar."</li>
                        <li>"The widget opens already knowing the patient, the practice and you."</li>
                    </ol>
                </div>
            </section>
        </Frame>
    }
}
