use leptos::prelude::*;

use super::frame::Frame;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Frame>
            <section class="error-page">
                <h2>"Page not found"</h2>
                <p>"This address is not part of the Clinical Images widget."</p>
            </section>
        </Frame>
    }
}
