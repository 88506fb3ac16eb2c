//! The editor's toolbar (tools, rotation, colours, undo/redo/reset, done) and the chosen
//! tool's options (crop ratios, label text, apply/cancel).

use leptos::prelude::*;

use super::{
    canvas::{self, Ratio, Tool},
    ops::Colour,
    state::Ed,
};

#[component]
pub fn Toolbar(ed: Ed) -> impl IntoView {
    let tool_button = move |t: Tool| {
        view! {
            <button
                type="button"
                class="tool"
                aria-pressed=move || (ed.tool.get() == t).to_string()
                on:click=move |_| ed.select(t)
            >
                {t.label()}
            </button>
        }
    };
    view! {
        <div class="editor-tools" role="toolbar" aria-label="Editing tools">
            {tool_button(Tool::Crop)}
            <button type="button" class="tool" aria-label="Rotate left" title="Rotate left (Shift+R)" on:click=move |_| ed.rotate(-1)>
                "⟲"
            </button>
            <button type="button" class="tool" aria-label="Rotate right" title="Rotate right (R)" on:click=move |_| ed.rotate(1)>
                "⟳"
            </button>
            {Tool::DRAWING[1..].iter().map(|t| tool_button(*t)).collect_view()}
            <span class="swatches" role="group" aria-label="Colour">
                {Colour::ALL.iter().map(|c| {
                    let c = *c;
                    view! {
                        <button
                            type="button"
                            class="swatch"
                            style=format!("--swatch:{}", c.hex())
                            aria-label=format!("Colour {}", c.label())
                            aria-pressed=move || (ed.colour.get() == c).to_string()
                            on:click=move |_| ed.colour.set(c)
                        ></button>
                    }
                }).collect_view()}
            </span>
            <button type="button" class="tool" title="Undo (Ctrl+Z)" disabled=move || ed.ops.with(Vec::is_empty) on:click=move |_| ed.undo()>
                "Undo"
            </button>
            <button type="button" class="tool" title="Redo (Ctrl+Shift+Z)" disabled=move || ed.redo.with(Vec::is_empty) on:click=move |_| ed.redo()>
                "Redo"
            </button>
            <button type="button" class="tool" disabled=move || ed.ops.with(Vec::is_empty) on:click=move |_| ed.reset()>
                "Reset to original"
            </button>
            <button type="button" class="done" on:click=move |_| ed.close()>
                "Done"
            </button>
        </div>
    }
}

/// The options of the chosen tool: crop ratios, the label's text, and apply/cancel.
#[component]
pub fn Options(ed: Ed) -> impl IntoView {
    let tool = move || ed.tool.get();
    view! {
        <div class="editor-options">
            <Show when=move || tool() == Tool::Crop>
                <span role="group" aria-label="Crop ratio" class="ratios">
                    {Ratio::ALL.iter().map(|r| {
                        let r = *r;
                        view! {
                            <button
                                type="button"
                                class="tool"
                                aria-label=format!("Crop ratio {}", r.label())
                                aria-pressed=move || (ed.ratio.get() == r).to_string()
                                on:click=move |_| {
                                    ed.ratio.set(r);
                                    let (w, h) = ed.size.get_untracked();
                                    ed.draft.set(canvas::default_draft(Tool::Crop, r, w, h));
                                }
                            >
                                {r.label()}
                            </button>
                        }
                    }).collect_view()}
                </span>
            </Show>
            <Show when=move || tool() == Tool::Text>
                <label class="label-input">
                    "Label text "
                    <input
                        id="editor-label"
                        type="text"
                        maxlength="80"
                        prop:value=move || ed.label.get()
                        on:input=move |e| ed.label.set(event_target_value(&e))
                    />
                </label>
            </Show>
            <Show when=move || ed.draft.get().is_some()>
                <button type="button" on:click=move |_| ed.apply()>
                    {move || match tool() {
                        Tool::Crop => "Apply crop",
                        Tool::Text => "Add label",
                        _ => "Apply",
                    }}
                </button>
                <button type="button" class="secondary" on:click=move |_| ed.draft.set(None)>
                    "Cancel"
                </button>
            </Show>
            <span class="hint">
                {move || match tool() {
                    Tool::None => "Choose a tool. R rotates; Ctrl+Z undoes.",
                    Tool::Crop => "Drag to choose the area; drag inside it to move it or a corner to resize it. Arrow keys move it (Shift resizes); Enter applies.",
                    Tool::Text => "Click where the label goes, type it, then Enter.",
                    Tool::Freehand => "Draw with the pointer.",
                    _ => "Drag on the photo, or use the arrow keys (Shift resizes) and Enter.",
                }}
            </span>
        </div>
    }
}
