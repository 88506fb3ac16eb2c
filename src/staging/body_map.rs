//! The body map: front and back outlines drawn as SVG, each region a labelled button. A click (or
//! Enter/Space) sets the body site and the laterality in one step; regions that need more
//! precision (hand, foot, head, …) then offer their finer sites. The current site is highlighted
//! (`aria-pressed`). Used by the desktop tag panel and the phone's quick tags; what a pick does
//! (save, or remember for the next photos) is the caller's `on_pick`.

use leptos::prelude::*;

use crate::metadata::{
    body_map::{self, HEIGHT, Region, Side, View, WIDTH},
    codes::{self, BODY_SITES},
    tags::TagPatch,
};

/// A numbered point drawn on the map (a lesion's marker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub view: View,
    pub x: u16,
    pub y: u16,
    pub label: String,
}

fn patch(region: &Region, choice: Option<&body_map::Choice>) -> TagPatch {
    TagPatch {
        body_site: Some(choice.map_or(region.site, |c| c.site).to_string()),
        laterality: Some(body_map::side_for(region, choice).to_string()),
        ..Default::default()
    }
}

#[component]
pub fn BodyMap(
    /// The site and side shown highlighted (codes).
    #[prop(into)]
    site: Signal<Option<String>>,
    #[prop(into)] side: Signal<Option<String>>,
    /// What a pick does: the patch sets the site and the side together.
    on_pick: Callback<TagPatch>,
    /// Shown as `aria-disabled`; picks still reach `on_pick`, which says why they are not kept.
    #[prop(optional, into)]
    disabled: Signal<bool>,
    /// Numbered markers to draw (lesions).
    #[prop(optional, into)]
    markers: Signal<Vec<Marker>>,
    /// While on, a pick marks a lesion in the region (`on_mark`, with the region's id) instead.
    #[prop(optional)]
    marking: Option<RwSignal<bool>>,
    #[prop(optional)] on_mark: Option<Callback<&'static str>>,
) -> impl IntoView {
    let open = RwSignal::new(None::<&'static Region>);
    let pick = move |region: &'static Region| {
        if let (Some(m), Some(on_mark)) = (marking, on_mark)
            && m.get_untracked()
        {
            m.set(false);
            on_mark.run(region.id);
            return;
        }
        // A disabled map still passes the pick on: the caller says why it is not kept.
        on_pick.run(patch(region, None));
        if disabled.get_untracked() {
            return;
        }
        open.set((!region.choices.is_empty()).then_some(region));
    };
    let figure = move |view: View| {
        let (title, near, far) = match view {
            View::Front => ("Front (patient facing you)", "R", "L"),
            View::Back => ("Back (patient facing away)", "L", "R"),
        };
        let regions = body_map::regions().iter().filter(move |r| r.view == view);
        view! {
            <figure class="map-view">
                <svg
                    viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                    role="group"
                    aria-label=format!("{title}: the patient's {} side is on your left", if near == "R" { "right" } else { "left" })
                >
                    <text x="4" y="16" class="side-letter" aria-hidden="true">{near}</text>
                    <text x=WIDTH - 14 y="16" class="side-letter" aria-hidden="true">{far}</text>
                    {regions.map(|r| {
                        let on = move || r.shows(site.get().as_deref(), side.get().as_deref());
                        view! {
                            <rect
                                class="region"
                                class:on=on
                                data-region=r.id
                                x=r.rect.x y=r.rect.y width=r.rect.w height=r.rect.h rx="5"
                                role="button"
                                tabindex="0"
                                aria-label=r.label()
                                aria-pressed=move || on().to_string()
                                aria-disabled=move || disabled.get().to_string()
                                on:click=move |_| pick(r)
                                on:keydown=move |e: leptos::ev::KeyboardEvent| {
                                    if e.key() == "Enter" || e.key() == " " {
                                        e.prevent_default();
                                        pick(r);
                                    }
                                }
                            >
                                <title>{r.label()}</title>
                            </rect>
                        }
                    }).collect_view()}
                    {move || markers.get().into_iter().filter(|m| m.view == view).map(|m| view! {
                        <g class="marker" aria-hidden="true">
                            <circle cx=m.x cy=m.y r="9"></circle>
                            <text x=m.x y=f32::from(m.y) + 3.5 text-anchor="middle">{m.label.clone()}</text>
                        </g>
                    }).collect_view()}
                </svg>
                <figcaption>{title}</figcaption>
            </figure>
        }
    };
    let choices = move || {
        open.get().map(|region| {
            let label = region.label();
            view! {
                <div class="map-choices" role="group" aria-label=format!("Finer site for {label}")>
                    <span>{format!("{label}: more precisely")}</span>
                    {region.choices.iter().map(|c| {
                        let text = codes::find(BODY_SITES, c.site).map_or("?", |c| c.label);
                        let pressed = move || site.get().as_deref() == Some(c.site);
                        view! {
                            <button
                                type="button"
                                class="chip"
                                aria-pressed=move || pressed().to_string()
                                on:click=move |_| on_pick.run(patch(region, Some(c)))
                            >
                                {text}
                            </button>
                        }
                    }).collect_view()}
                    {(region.side == Side::Middle && region.choices.iter().any(|c| c.paired)).then_some(
                        view! { <span class="hint">"Eye, eyelid and ear: choose the side below."</span> }
                    )}
                </div>
            }
        })
    };
    view! {
        <div class="body-map" class:marking=move || marking.is_some_and(|m| m.get())>
            <div class="map-views">{figure(View::Front)} {figure(View::Back)}</div>
            {choices}
        </div>
    }
}
