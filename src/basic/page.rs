//! The basic widget's one page, rendered on the server as plain HTML (no script): the patient,
//! consent, adding photos, each photo with its tag form, and committing. Leptos' `view!` renders
//! it to a string, escaping every value.

use leptos::prelude::*;

use crate::infra::http::html_escape;

use crate::{
    delivery::held::line,
    launch::api::{CONSENT_KINDS, SessionView},
    metadata::codes::{BODY_SITES, Code, IMAGE_TYPES, LATERALITIES, VIEWS},
    model::{CommitTarget, DeliveryState, PatientSummary, PhotoState, PhotoView, Targets},
};

/// What the page shows.
pub struct BasicPage {
    pub sid: String,
    pub session: SessionView,
    pub photos: Vec<PhotoView>,
    /// This patient's photos from earlier launches that are not yet in Medtech.
    pub held: Vec<PhotoView>,
    /// A message about the last form sent (`true`: it is a problem).
    pub flash: Option<(bool, String)>,
    /// A fresh key for the add-photos form, so sending it twice stages each photo once.
    pub form_key: String,
    /// The stylesheet's address (named by its content in a release build).
    pub stylesheet: String,
}

/// The whole document.
pub fn render(p: BasicPage) -> String {
    let title = match &p.session.patient {
        Some(pt) => format!("Clinical Images (basic) — {}", pt.name),
        None => "Clinical Images (basic)".to_string(),
    };
    let stylesheet = p.stylesheet.clone();
    // While the server holds photos, the page reads itself again so each follows its delivery.
    let refresh = if p.photos.iter().chain(&p.held).any(PhotoView::is_frozen) {
        "<meta http-equiv=\"refresh\" content=\"3\">"
    } else {
        ""
    };
    let body = Owner::new().with(|| body(p).to_html());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-NZ\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{}</title>\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"{}\"></head>{body}</html>",
        html_escape(&title),
        html_escape(&stylesheet),
    )
}

fn body(p: BasicPage) -> impl IntoView {
    let base = format!("/w/{}/basic", p.sid);
    let needs_consent = p.session.limits.consent_required && p.session.consent.is_none();
    let offered: Vec<CommitTarget> = Targets::ALL
        .into_iter()
        .filter(|t| p.session.limits.commit_targets.contains(t))
        .collect();
    let sendable = p
        .photos
        .iter()
        .filter(|v| v.missing.is_empty() && v.may_send(false))
        .count();
    let unknown: Vec<PhotoView> = p.photos.iter().filter(|v| v.is_unknown()).cloned().collect();
    view! {
        <body class="basic">
            <main class="frame">
                {banner(p.session.patient.clone())}
                <p class="basic-note" role="note">
                    "This is the basic version of Clinical Images, for a browser that does not run its scripts: "
                    "there is no photo editor, no phone, no webcam and no live updates. Each step reloads this page."
                </p>
                {p.flash.map(|(problem, text)| view! {
                    <p class=if problem { "error" } else { "notice" } role=if problem { "alert" } else { "status" }>{text}</p>
                })}
                {held_section(base.clone(), p.held)}
                {p.session.consent.clone().map(|c| view! { <p class="consent-line">{c}</p> })}
                {needs_consent.then(|| consent_form(base.clone()))}
                {(!needs_consent && p.session.patient.is_some()).then(move || view! {
                    <form class="basic-add" method="post" action=format!("{base}/photos") enctype="multipart/form-data">
                        <input type="hidden" name="form_key" value=p.form_key.clone() />
                        <label for="basic-files">"Photos to add (JPEG or PNG; several at once)"</label>
                        <input id="basic-files" type="file" name="photo" accept="image/jpeg,image/png" multiple required />
                        <button type="submit" class="primary">"Add photos"</button>
                    </form>
                    <section class="basic-photos" aria-label="Photos">
                        {p.photos.into_iter().enumerate().map(|(n, v)| photo(base.clone(), n + 1, v)).collect_view()}
                    </section>
                    {commit_form(base.clone(), offered, sendable)}
                    {unknown.into_iter().map(|v| unknown_form(base.clone(), v)).collect_view()}
                })}
            </main>
        </body>
    }
}

fn banner(patient: Option<PatientSummary>) -> impl IntoView {
    match patient {
        Some(p) => view! {
            <header class="patient-banner" aria-label="Patient">
                <dl class="patient">
                    <div><dt>"Patient"</dt><dd class="patient-name">{p.name}</dd></div>
                    <div><dt>"Date of birth"</dt><dd class="patient-dob">{p.birth_date}</dd></div>
                    <div><dt>"NHI"</dt><dd class="patient-nhi">{p.nhi}</dd></div>
                </dl>
            </header>
        }
        .into_any(),
        None => view! {
            <section class="no-context"><h2>"Open a patient in Medtech first"</h2></section>
        }
        .into_any(),
    }
}

fn consent_form(base: String) -> impl IntoView {
    view! {
        <form class="consent" method="post" action=format!("{base}/consent")>
            <h2>"Consent to clinical photography"</h2>
            <fieldset>
                <legend>"How did the patient consent?"</legend>
                {CONSENT_KINDS.iter().map(|(k, label)| view! {
                    <label class="chip"><input type="radio" name="kind" value=*k required />{*label}</label>
                }).collect_view()}
            </fieldset>
            <label for="basic-reason">"If consent could not be obtained, why?"</label>
            <textarea id="basic-reason" name="reason" rows="2" maxlength="300"></textarea>
            <button type="submit" class="primary">"Record consent"</button>
        </form>
    }
}

fn state_words(v: &PhotoView) -> String {
    if let Some(words) = v.delivery_words().filter(|_| v.delivery.is_some()) {
        return words;
    }
    match v.state {
        PhotoState::Committed => "Saved to Medtech".into(),
        PhotoState::Committing => "Sending…".into(),
        PhotoState::Failed => format!("Not saved: {}", v.failure.clone().unwrap_or_default()),
        PhotoState::Staged if v.missing.is_empty() => "Ready".into(),
        PhotoState::Staged => format!("Needs {}", v.missing.join(", ")),
        PhotoState::Removed | PhotoState::Expired => "No longer available".into(),
    }
}

fn photo(base: String, n: usize, v: PhotoView) -> impl IntoView {
    let editable = matches!(v.state, PhotoState::Staged | PhotoState::Failed) && !v.is_frozen();
    let heading = format!("Photo {n}, taken {}", v.taken);
    let action = format!("{base}/photos/{}/tags", v.id);
    let t = v.tags.clone();
    let id = v.id.clone();
    let (label, alt) = (heading.clone(), heading.clone());
    view! {
        <article class="basic-photo" id=format!("photo-{}", v.id) aria-label=label>
            <img src=v.image_url.clone() alt=alt width="240" />
            <h3>{heading}</h3>
            <p class="state">{state_words(&v)}</p>
            {editable.then(move || view! {
                <form method="post" action=action>
                    {select("body_site", "Body site", BODY_SITES, t.body_site, id.clone())}
                    {select("laterality", "Laterality", LATERALITIES, t.laterality, id.clone())}
                    {select("view", "View", VIEWS, t.view, id.clone())}
                    {select("image_type", "Image type", IMAGE_TYPES, t.image_type, id.clone())}
                    <label for=format!("description-{id}")>"Description"</label>
                    <input id=format!("description-{id}") name="description" maxlength="500" value=t.description.unwrap_or_default() />
                    <button type="submit" class="secondary">"Save tags"</button>
                </form>
            })}
        </article>
    }
}

fn select(
    name: &'static str,
    label: &'static str,
    list: &'static [Code],
    current: Option<String>,
    id: String,
) -> impl IntoView {
    let field = format!("{name}-{id}");
    view! {
        <label for=field.clone()>{label}</label>
        <select id=field name=name>
            <option value="" selected=current.is_none()>"—"</option>
            {list.iter().map(|c| {
                let on = current.as_deref() == Some(c.code);
                view! { <option value=c.code selected=on>{c.label}</option> }
            }).collect_view()}
        </select>
    }
}

fn commit_form(base: String, offered: Vec<CommitTarget>, sendable: usize) -> impl IntoView {
    let first = offered.first().copied();
    view! {
        <form class="basic-commit" method="post" action=format!("{base}/commit")>
            <fieldset>
                <legend>"Save as"</legend>
                {offered.into_iter().map(|t| view! {
                    <label>
                        <input type="checkbox" name="targets" value=t.as_str() checked=Some(t) == first />
                        {crate::delivery::commit_bar::choice_label(t)}
                    </label>
                }).collect_view()}
            </fieldset>
            <button type="submit" class="primary" disabled=sendable == 0>
                {format!("Commit {sendable} photo{} to Medtech", if sendable == 1 { "" } else { "s" })}
            </button>
        </form>
    }
}

fn unknown_form(base: String, v: PhotoView) -> impl IntoView {
    view! {
        <div class="unknown" role="alert">
            <p>{v.failure.clone().unwrap_or_default()}</p>
            <form method="post" action=format!("{base}/photos/{}/resend", v.id)>
                <button type="submit" class="secondary">"I checked Medtech: send this photo again"</button>
            </form>
            <form method="post" action=format!("{base}/photos/{}/confirm", v.id)>
                <button type="submit" class="secondary">"It is in Medtech — mark as saved"</button>
            </form>
        </div>
    }
}

/// "Not yet in Medtech": each earlier photo with what can be done, as plain forms.
fn held_section(base: String, held: Vec<PhotoView>) -> impl IntoView {
    (!held.is_empty()).then(move || {
        view! {
            <section class="held" aria-labelledby="held-title">
                <h2 id="held-title">"Earlier photos of this patient not yet in Medtech"</h2>
                <ul>
                    {held.into_iter().map(|p| held_item(base.clone(), p)).collect_view()}
                </ul>
            </section>
        }
    })
}

fn held_item(base: String, p: PhotoView) -> impl IntoView {
    let text = line(&p);
    let action = |what: &str| format!("{base}/photos/{}/{what}", p.id);
    let (confirm, resend, withdraw) = (action("confirm"), action("resend"), action("withdraw"));
    let needs_you = p.delivery == Some(DeliveryState::NeedsYou);
    let field = format!("withdraw-reason-{}", p.id);
    let (in_label, again_label, out_label) = (
        format!("It is in Medtech: {text}"),
        format!("Send again: {text}"),
        format!("Withdraw: {text}"),
    );
    view! {
        <li>
            <p>{text.clone()}</p>
            {p.is_unknown().then(|| view! {
                <form method="post" action=confirm>
                    <button type="submit" class="secondary" aria-label=in_label>"It is in Medtech"</button>
                </form>
            })}
            {needs_you.then(|| view! {
                <form method="post" action=resend>
                    <button type="submit" class="secondary" aria-label=again_label>"Send again"</button>
                </form>
            })}
            {(p.delivery != Some(DeliveryState::Sending)).then(|| view! {
                <form method="post" action=withdraw>
                    <label for=field.clone()>"Why withdraw it?"</label>
                    <input id=field name="reason" maxlength="500" required />
                    <button type="submit" class="secondary" aria-label=out_label>"Withdraw"</button>
                </form>
            })}
        </li>
    }
}
