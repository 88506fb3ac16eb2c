//! The overlay's drawing of a shape in progress, in SVG, with the same geometry the server's
//! renderer uses (stroke and text sizes, arrow head, halo) so what the GP places is what appears.

use leptos::prelude::*;

use super::{
    canvas::{Draft, P, Tool},
    ops::{self, Colour, HALO_RGBA},
};

fn halo_colour() -> String {
    let [r, g, b, a] = HALO_RGBA;
    format!("rgba({r},{g},{b},{:.3})", a as f64 / 255.0)
}

fn points(pts: &[P]) -> String {
    pts.iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn DraftShape(tool: Tool, draft: Draft, colour: Colour, label: String, w: f64, h: f64) -> impl IntoView {
    let line = ops::stroke_px(w, h);
    let halo = ops::halo_px(line);
    let (c, dark) = (colour.hex(), halo_colour());
    match (tool, draft) {
        (Tool::Crop, Draft::Rect { x, y, w: rw, h: rh }) => {
            // Shade what the crop removes; outline what it keeps.
            let shade = format!("M0 0H{w}V{h}H0Z M{x} {y}V{}H{}V{y}Z", y + rh, x + rw);
            let edge = (w.max(h) * 0.003).max(1.5);
            // Corner handles, as big as the reach a press has.
            let s = super::canvas::corner_reach(w, h) * 0.6;
            let handles = [(x, y), (x + rw, y), (x, y + rh), (x + rw, y + rh)]
                .into_iter()
                .map(|(cx, cy)| {
                    view! {
                        <rect class="crop-handle" x=cx - s / 2.0 y=cy - s / 2.0 width=s height=s fill="#fff" stroke="#000" stroke-width=edge />
                    }
                })
                .collect_view();
            view! {
                <g class="crop-draft">
                    <path d=shade fill="rgba(0,0,0,0.55)" fill-rule="evenodd" />
                    <rect x=x y=y width=rw height=rh fill="none" stroke="#fff" stroke-width=edge stroke-dasharray=format!("{} {}", edge * 4.0, edge * 3.0) />
                    {handles}
                </g>
            }
            .into_any()
        }
        (Tool::Ellipse, Draft::Rect { x, y, w: rw, h: rh }) => {
            let (cx, cy, rx, ry) = (x + rw / 2.0, y + rh / 2.0, rw / 2.0, rh / 2.0);
            view! {
                <g fill="none">
                    <ellipse cx=cx cy=cy rx=rx ry=ry stroke=dark stroke-width=halo />
                    <ellipse cx=cx cy=cy rx=rx ry=ry stroke=c stroke-width=line />
                </g>
            }
            .into_any()
        }
        (Tool::Arrow, Draft::Line { from, to }) => {
            let (shaft_end, head) = ops::arrow_geometry(from, to, line);
            let shaft = points(&[from, shaft_end]);
            let head = points(&head);
            view! {
                <g stroke-linecap="round" stroke-linejoin="round">
                    <polyline points=shaft.clone() fill="none" stroke=dark.clone() stroke-width=halo />
                    <polygon points=head.clone() fill=dark.clone() stroke=dark stroke-width=halo />
                    <polyline points=shaft fill="none" stroke=c.clone() stroke-width=line />
                    <polygon points=head fill=c.clone() stroke=c stroke-width=line * 0.5 />
                </g>
            }
            .into_any()
        }
        (Tool::Freehand, Draft::Path(pts)) => {
            let pts = points(&pts);
            view! {
                <g fill="none" stroke-linecap="round" stroke-linejoin="round">
                    <polyline points=pts.clone() stroke=dark stroke-width=halo />
                    <polyline points=pts stroke=c stroke-width=line />
                </g>
            }
            .into_any()
        }
        (Tool::Text, Draft::Text { at }) => {
            let size = ops::text_px(w, h);
            let shown = if label.trim().is_empty() {
                "Label".to_string()
            } else {
                label
            };
            let mark = size * 0.3;
            view! {
                <g>
                    <text
                        x=at.0
                        y=at.1
                        font-size=size
                        font-weight="bold"
                        font-family="'DejaVu Sans', Verdana, sans-serif"
                        text-anchor="middle"
                        dominant-baseline="central"
                        fill=c
                        stroke=dark
                        stroke-width=ops::text_halo_px(size) * 2.0
                        paint-order="stroke"
                        stroke-linejoin="round"
                    >
                        {shown}
                    </text>
                    <path
                        d=format!("M{} {}h{}M{} {}v{}", at.0 - mark, at.1, mark * 2.0, at.0, at.1 - mark, mark * 2.0)
                        stroke="#fff"
                        stroke-width=line * 0.4
                    />
                </g>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}
