//! "Not yet in Medtech", at the top of a later launch: this patient's photos from earlier
//! launches at this practice that the server still holds (queued, sending, waiting) or that need
//! someone, each with what can be done — "It is in Medtech" and "Send again" after an unknown
//! outcome, "Send again" after a refusal, and "Withdraw" with a reason for any not being sent.
//! No thumbnails: an image belongs to the launch that took it.

use leptos::prelude::*;

use super::api::{held_photos, mark_in_medtech, queue_photos, withdraw_photo};
use crate::{
    model::{CommitTarget, DeliveryState, PhotoView, Targets},
    staging::ui::describe,
    ui::workspace::Workspace,
};

/// Reads the list again (after an action, and every few seconds while the server sends).
fn reload(ws: Workspace, held: RwSignal<Option<Vec<PhotoView>>>) {
    leptos::task::spawn_local(async move {
        if let Ok(list) = held_photos(ws.sid()).await {
            held.set(Some(list));
        }
    });
}

/// What the GP reads of one held photo (the basic page says it alike).
pub fn line(p: &PhotoView) -> String {
    let mut s = format!(
        "{} — taken {} — {}",
        describe(p),
        p.taken,
        p.delivery_words().unwrap_or_default()
    );
    if let Some(why) = p
        .failure
        .as_deref()
        .filter(|_| p.delivery == Some(DeliveryState::NeedsYou))
    {
        s.push_str(": ");
        s.push_str(why);
    }
    s
}

#[component]
pub fn HeldPhotos(ws: Workspace) -> impl IntoView {
    let held = RwSignal::new(None::<Vec<PhotoView>>);
    let busy = RwSignal::new(false);
    let withdrawing = RwSignal::new(None::<String>);
    let reason = RwSignal::new(String::new());
    Effect::new(move |_| reload(ws, held));
    // While the server is sending any of them, follow it.
    Effect::new(move |_| {
        let sending = held.with(|h| h.as_ref().is_some_and(|l| l.iter().any(PhotoView::is_frozen)));
        if sending {
            leptos::task::spawn_local(async move {
                #[cfg(feature = "hydrate")]
                crate::capture::browser::sleep_ms(3000).await;
                reload(ws, held);
            });
        }
    });
    let act = move |what: Action, p: PhotoView| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let sid = ws.sid();
            let target = p.target.unwrap_or(Targets::one(CommitTarget::Media));
            let done = match what {
                Action::InMedtech => mark_in_medtech(sid, p.id.clone())
                    .await
                    .map(|_| "Marked as in Medtech."),
                Action::SendAgain => queue_photos(sid, vec![p.id.clone()], target, p.is_unknown())
                    .await
                    .map(|_| "Saved for sending again: the server sends it to Medtech."),
                Action::Withdraw => withdraw_photo(sid, p.id.clone(), reason.get_untracked())
                    .await
                    .map(|_| "Withdrawn: it will not be sent."),
            };
            match done {
                Ok(words) => {
                    withdrawing.set(None);
                    reason.set(String::new());
                    ws.notify(words, false, None);
                }
                Err(e) => ws.notify(e.message, true, None),
            }
            busy.set(false);
            reload(ws, held);
        });
    };
    let item = move |p: PhotoView| {
        let name = describe(&p);
        let id = p.id.clone();
        let needs_you = p.delivery == Some(DeliveryState::NeedsYou);
        let unknown = p.is_unknown();
        let sending = p.delivery == Some(DeliveryState::Sending);
        let (a, b, c) = (p.clone(), p.clone(), p.clone());
        let open = {
            let id = id.clone();
            move || withdrawing.get().as_deref() == Some(id.as_str())
        };
        view! {
            <li>
                <span>{line(&p)}</span>
                {unknown.then(|| view! {
                    <button type="button" disabled=busy aria-label=format!("It is in Medtech: {name}")
                        on:click=move |_| act(Action::InMedtech, a.clone())>"It is in Medtech"</button>
                })}
                {needs_you.then(|| view! {
                    <button type="button" disabled=busy aria-label=format!("Send again: {}", describe(&b))
                        on:click=move |_| act(Action::SendAgain, b.clone())>"Send again"</button>
                })}
                {(!sending).then(|| {
                    let id = id.clone();
                    let open = open.clone();
                    view! {
                        <Show when=open.clone() fallback=move || {
                            let id = id.clone();
                            view! {
                                <button type="button" class="secondary" aria-label=format!("Withdraw: {}", describe(&c))
                                    on:click=move |_| withdrawing.set(Some(id.clone()))>"Withdraw…"</button>
                            }
                        }>
                            <WithdrawForm reason busy
                                on_withdraw=Callback::new({ let p = p.clone(); move |_| act(Action::Withdraw, p.clone()) })
                                on_cancel=Callback::new(move |_| withdrawing.set(None)) />
                        </Show>
                    }
                })}
            </li>
        }
    };
    view! {
        <Show when=move || held.with(|h| h.as_ref().is_some_and(|l| !l.is_empty()))>
            <section class="held" aria-labelledby="held-title">
                <h2 id="held-title">"Earlier photos of this patient not yet in Medtech"</h2>
                <ul>{move || held.get().unwrap_or_default().into_iter().map(item).collect_view()}</ul>
            </section>
        </Show>
    }
}

#[derive(Clone, Copy)]
enum Action {
    InMedtech,
    SendAgain,
    Withdraw,
}

/// The reason a photo is withdrawn (it goes into the audit), and the confirming button.
#[component]
fn WithdrawForm(
    reason: RwSignal<String>,
    busy: RwSignal<bool>,
    on_withdraw: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let empty = move || reason.with(|r| r.trim().is_empty());
    view! {
        <form class="withdraw" on:submit=move |e| { e.prevent_default(); if !empty() { on_withdraw.run(()) } }>
            <label for="withdraw-reason">"Why withdraw it?"</label>
            <input id="withdraw-reason" maxlength="500" required
                prop:value=reason on:input=move |e| reason.set(event_target_value(&e)) />
            <button type="submit" disabled=move || busy.get() || empty()>"Withdraw"</button>
            <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
        </form>
    }
}
