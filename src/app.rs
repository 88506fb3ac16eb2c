//! The HTML shell, the router and the app-wide info every screen shows.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, StaticSegment,
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
    view! {
        <!DOCTYPE html>
        <html lang="en-NZ">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="referrer" content="no-referrer" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // The stylesheet by the bundle's name (content-hashed in a release build).
                <HashedStylesheet id="leptos" options=options.clone() />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
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
                <Route path=(StaticSegment("w"), ParamSegment("sid")) view=WidgetPage />
                <Route path=(StaticSegment("problem"), ParamSegment("reason")) view=ProblemPage />
                <Route path=StaticSegment("sim") view=SimLaunchPage />
                <Route path=StaticSegment("m") view=CodeEntryPage />
                <Route path=(StaticSegment("m"), ParamSegment("token")) view=MobilePage />
            </Routes>
        </Router>
    }
}
