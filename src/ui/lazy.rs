//! Parts of the page whose code arrives only when they are first opened (code splitting).
//!
//! A rarely used part (the editor, the webcam) is wrapped in a function marked
//! `#[wasm_split(<chunk>, wasm_split_path = ::leptos::wasm_split, fallible)]` that returns
//! `Result<Part, ChunkMissing>`. In the browser build the splitter (`./dev build_site`) moves
//! that function and everything only it uses into `<chunk>.wasm`, fetched on the first call; on
//! the server, and in native test builds, the call is direct. [`lazy_view`] shows the part once
//! its chunk has arrived, and a plain error with "Try again" if it could not be fetched (a failed
//! fetch is not remembered by the loader). Never used for anything the server renders:
//! hydration cannot wait for a chunk.

use leptos::prelude::*;

/// Said in place of a part whose code could not be fetched.
/// (A chunk also goes missing when the widget was updated after the page opened: a reload gets
/// the new one, and photos that finished uploading are on the server.)
pub const CHUNK_MISSING: &str = "This part of the widget could not be loaded. Check the network connection and \
     try again. If the widget has just been updated, reload the page: photos that finished uploading are kept.";

/// The chunk holding a part's code could not be fetched or instantiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkMissing;

impl From<leptos::wasm_split::SplitLoaderError> for ChunkMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkMissing
    }
}

/// What a lazily loaded part's function gives back once its chunk is there: the part's view,
/// made when the page renders it (so its effects run after it is in the document, as for any
/// other view).
pub type Part = Box<dyn FnOnce() -> AnyView>;

/// The part `load` gives, shown once its chunk has arrived (nothing is shown while it loads: a
/// chunk takes a few milliseconds from the server or the browser's cache). If the chunk could
/// not be fetched, a plain error with "Try again" (which calls `load` again) takes its place.
pub fn lazy_view<L, F>(load: L) -> impl IntoView
where
    L: Fn() -> F + 'static,
    F: Future<Output = Result<Part, ChunkMissing>> + 'static,
{
    let loaded = RwSignal::new_local(None::<Result<Part, ChunkMissing>>);
    let load = StoredValue::new_local(load);
    // One fetch at a time (a double click on "Try again" fetches once).
    let fetching = StoredValue::new(false);
    let fetch = move || {
        if fetching.try_get_value() != Some(false) {
            return;
        }
        if let Some(part) = load.try_with_value(|l| l()) {
            fetching.set_value(true);
            leptos::task::spawn_local(async move {
                let part = part.await;
                // The part may have been closed meanwhile: then there is nobody to show it to.
                _ = fetching.try_set_value(false);
                _ = loaded.try_set(Some(part));
            });
        }
    };
    fetch();
    move || {
        loaded.track();
        // Taken without notifying: the part is made once, in this render, and what it reads
        // as it is made is not this closure's to track (it would make the part again).
        let view = match loaded.try_update_untracked(Option::take).flatten()? {
            Ok(part) => untrack(part),
            Err(ChunkMissing) => view! {
                <p class="error" role="alert">
                    {CHUNK_MISSING} " "
                    <button type="button" class="secondary" on:click=move |_| fetch()>"Try again"</button>
                </p>
            }
            .into_any(),
        };
        Some(view)
    }
}
