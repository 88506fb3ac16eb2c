//! The HTML shell, the router and the app-wide info every screen shows.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

use crate::{
    handoff::mobile::{CodeEntryPage, MobilePage},
    launch::{page::ProblemPage, sim::SimLaunchPage},
    pages::widget::WidgetPage,
    ui::{
        frame::{PRODUCT_NAME, get_app_info},
        home::HomePage,
        not_found::NotFound,
    },
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let basic = basic_version();
    view! {
        <!DOCTYPE html>
        <html lang="en-NZ">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="referrer" content="no-referrer" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                {basic.clone().map(|to| view! {
                    // No scripts: straight to the basic version. Scripts but no WebAssembly (an
                    // old embedded engine): the same, before anything else loads.
                    <noscript><meta http-equiv="refresh" content=format!("0; url={to}") /></noscript>
                    <script nonce=leptos::nonce::use_nonce()>
                        {format!("if (typeof WebAssembly !== 'object') location.replace('{to}');")}
                    </script>
                })}
                // The stylesheet by the bundle's name (content-hashed in a release build).
                <HashedStylesheet id="leptos" options=options.clone() />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
                {basic.map(|to| view! {
                    <noscript>
                        <p class="basic-note">
                            "Scripts do not run in this browser, so this page cannot add or send photos. "
                            <a href=to>"Open the basic version"</a>
                            " — it has no photo editor, phone, webcam or live updates."
                        </p>
                    </noscript>
                })}
            </body>
        </html>
    }
}

/// For a widget page (`/w/{sid}`), the address of its basic version (the shell is rendered on
/// the server only, where the request is known).
fn basic_version() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<axum::http::request::Parts>()?;
        let mut segments = parts.uri.path().trim_matches('/').split('/');
        match (segments.next(), segments.next(), segments.next()) {
            (Some("w"), Some(sid), None)
                if !sid.is_empty() && sid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Some(format!("/w/{sid}/basic"))
            }
            _ => None,
        }
    }
    #[cfg(not(feature = "ssr"))]
    None
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let info = Resource::new_blocking(|| (), |_| get_app_info());
    provide_context(info);

    view! {
        <Title text=PRODUCT_NAME />
        <Router>
            <Routes fallback=NotFound>
                <Route path=StaticSegment("") view=HomePage />
                // Rendered whole on the server before it is sent: nothing waits for a script.
                <Route path=(StaticSegment("w"), ParamSegment("sid")) view=WidgetPage ssr=SsrMode::Async />
                <Route path=(StaticSegment("problem"), ParamSegment("reason")) view=ProblemPage />
                <Route path=StaticSegment("sim") view=SimLaunchPage />
                <Route path=StaticSegment("m") view=CodeEntryPage />
                <Route path=(StaticSegment("m"), ParamSegment("token")) view=MobilePage />
            </Routes>
        </Router>
    }
}
