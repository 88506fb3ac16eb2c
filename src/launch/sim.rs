//! The simulator's launch page (`/sim`, simulator mode only): pick a practice, patient and GP;
//! each link is a freshly minted `context` + `signature` pair that goes through the real
//! `/launch` path, exactly as Medtech Evolution would open it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, ui::frame::Frame};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimPractice {
    pub facility: String,
    pub name: String,
    pub launches: Vec<SimLaunch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimLaunch {
    /// "Alice Test (ZZZ0016) — Dr Jane Smith"
    pub label: String,
    pub href: String,
}

#[server(prefix = "/api", endpoint = "sim_launches")]
pub async fn sim_launches() -> Result<Vec<SimPractice>, AppError> {
    use crate::error::ErrorKind;
    // Provided by the composition root only when the simulator stands in for ALEX.
    let Some(sim) = leptos::prelude::use_context::<crate::simulator::Simulator>() else {
        return Err(AppError::new(
            ErrorKind::NotFound,
            "The simulator is not running: this server is connected to Medtech.",
        ));
    };
    let href =
        |pair: crate::simulator::LaunchPair| format!("/launch?context={}&signature={}", pair.context, pair.signature);
    Ok(sim
        .facilities()
        .into_iter()
        .map(|f| {
            let gps = sim.practitioners(&f.id);
            let mut launches = Vec::new();
            for gp in gps.iter().take(2) {
                let gp_name = format!("Dr {} {}", gp.given, gp.family);
                for p in sim.patients(&f.id) {
                    launches.push(SimLaunch {
                        label: format!("{} {} ({}) — {gp_name}", p.given, p.family, p.nhi),
                        href: href(sim.mint_launch(&f.id, Some(&p.id), &gp.id)),
                    });
                }
                launches.push(SimLaunch {
                    label: format!("No patient open — {gp_name}"),
                    href: href(sim.mint_launch(&f.id, None, &gp.id)),
                });
            }
            let name = if f.mapped {
                f.name.clone()
            } else {
                format!("{} (not enabled for this app)", f.name)
            };
            SimPractice {
                facility: f.id,
                name,
                launches,
            }
        })
        .collect())
}

#[component]
pub fn SimLaunchPage() -> impl IntoView {
    // Connected to Medtech, there is no simulator page: the address is not ours.
    #[cfg(feature = "ssr")]
    if use_context::<crate::simulator::Simulator>().is_none()
        && let Some(resp) = use_context::<leptos_axum::ResponseOptions>()
    {
        resp.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let practices = Resource::new(|| (), |_| sim_launches());
    view! {
        <Frame>
            <section class="sim-launch" aria-labelledby="sim-title">
                <h2 id="sim-title">"Simulator launch page"</h2>
                <p>
                    "Each link opens the widget as Medtech Evolution would, through /launch with a "
                    "signed context that is valid for a few minutes and can be used once. "
                    "Reload this page for fresh links."
                </p>
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match practices.await {
                            Ok(list) => view! {
                                {list.into_iter().map(|p| view! {
                                    <section class="sim-practice" aria-label=format!("Practice {}", p.facility)>
                                        <h3>{format!("{} — {}", p.name, p.facility)}</h3>
                                        <ul>
                                            {p.launches.into_iter().map(|l| view! {
                                                <li><a href=l.href rel="external">{l.label}</a></li>
                                            }).collect_view()}
                                        </ul>
                                    </section>
                                }).collect_view()}
                            }.into_any(),
                            Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </Frame>
    }
}
