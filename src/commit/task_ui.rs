//! The follow-up task in the commit confirmation (only when the deployment turns it on): a
//! checkbox "Add a follow-up task", who it is for (the GP by default, or another practitioner
//! of the practice), due in how many days, and a short text. Once the commit of the photos has
//! finished, the task is sent about what reached Medtech, and its result shown (sent, or failed
//! with a retry; after no answer, resent only when the GP has checked Medtech).

use leptos::prelude::*;

use super::{
    api::{follow_up_task, task_practitioners},
    task_model::{MAX_DAYS, MAX_TEXT, PractitionerOption, TaskState, TaskView},
};
use crate::{model::PhotoState, ui::workspace::Workspace};

/// One task request as the server gets it; the key stays the same across retries.
#[derive(Clone, Debug, PartialEq)]
struct Request {
    key: String,
    owner_id: String,
    days: u32,
    text: String,
    photo_ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    /// Armed: waiting for the commit of its photos to finish.
    Waiting,
    Sending,
    Done(TaskView),
    /// The server refused (the reason in plain English).
    Refused(String),
}

/// The follow-up task's form and its result, shared by the confirmation and the commit bar.
#[derive(Clone, Copy)]
pub struct FollowUpTask {
    ws: Workspace,
    enabled: bool,
    wanted: RwSignal<bool>,
    owner: RwSignal<String>,
    days: RwSignal<String>,
    text: RwSignal<String>,
    error: RwSignal<Option<String>>,
    people: RwSignal<Option<Result<Vec<PractitionerOption>, String>>>,
    armed: RwSignal<Option<Request>>,
    last: RwSignal<Option<Request>>,
    status: RwSignal<Status>,
}

fn new_key() -> String {
    #[cfg(feature = "hydrate")]
    return crate::capture::browser::new_id();
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

impl FollowUpTask {
    /// `progress` is the commit bar's: the task goes once it is idle and no photo of the task
    /// is still staged or being sent.
    pub fn new(ws: Workspace, progress: RwSignal<Option<String>>) -> Self {
        let t = FollowUpTask {
            ws,
            enabled: ws.limits.with_value(|l| l.follow_up_tasks),
            wanted: RwSignal::new(false),
            owner: RwSignal::new(String::new()),
            days: RwSignal::new("7".into()),
            text: RwSignal::new(String::new()),
            error: RwSignal::new(None),
            people: RwSignal::new(None),
            armed: RwSignal::new(None),
            last: RwSignal::new(None),
            status: RwSignal::new(Status::Idle),
        };
        Effect::new(move |_| {
            let Some(req) = t.armed.get() else { return };
            if progress.get().is_some() {
                return;
            }
            let pending = ws.photos.with(|l| {
                l.iter().any(|p| {
                    req.photo_ids.contains(&p.id) && matches!(p.state, PhotoState::Staged | PhotoState::Committing)
                })
            });
            if !pending {
                t.armed.set(None);
                t.fire(req, false);
            }
        });
        t
    }

    /// As the GP confirms the commit of `photo_ids`: arms the task if one was asked for. False
    /// (the reason shown in the form) when the form is not complete: the commit waits.
    pub fn arm(&self, photo_ids: Vec<String>) -> bool {
        if !self.enabled || !self.wanted.get_untracked() {
            return true;
        }
        let days = self.days.get_untracked().trim().parse::<u32>().ok();
        let text = self.text.get_untracked().trim().to_string();
        let owner = self.owner.get_untracked();
        let problem = if owner.is_empty() {
            Some("Choose who the task is for.".to_string())
        } else if !days.is_some_and(|d| (1..=MAX_DAYS).contains(&d)) {
            Some(format!("Choose when the task is due: in 1 to {MAX_DAYS} days."))
        } else if text.is_empty() {
            Some("Write what the task is for.".to_string())
        } else if text.chars().count() > MAX_TEXT {
            Some(format!("The task's text is too long: at most {MAX_TEXT} characters."))
        } else {
            None
        };
        self.error.set(problem.clone());
        if problem.is_some() {
            return false;
        }
        self.armed.set(Some(Request {
            key: new_key(),
            owner_id: owner,
            days: days.unwrap_or(1),
            text,
            photo_ids,
        }));
        self.status.set(Status::Waiting);
        self.wanted.set(false);
        self.text.set(String::new());
        true
    }

    fn fire(self, req: Request, resend_unknown: bool) {
        self.status.set(Status::Sending);
        self.last.set(Some(req.clone()));
        leptos::task::spawn_local(async move {
            let answer = follow_up_task(
                self.ws.sid(),
                req.key,
                req.owner_id,
                req.days,
                req.text,
                req.photo_ids,
                resend_unknown,
            )
            .await;
            self.status.set(match answer {
                Ok(view) => Status::Done(view),
                Err(e) => Status::Refused(e.message),
            });
        });
    }

    fn retry(self, resend_unknown: bool) {
        if let Some(req) = self.last.get_untracked() {
            self.fire(req, resend_unknown);
        }
    }

    /// Loads the practice's practitioners the first time the box is ticked; the GP is the default.
    fn load_people(self) {
        if self.people.get_untracked().is_some_and(|p| p.is_ok()) {
            return;
        }
        leptos::task::spawn_local(async move {
            let answer = task_practitioners(self.ws.sid()).await.map_err(|e| e.message);
            if let Ok(list) = &answer
                && self.owner.get_untracked().is_empty()
                && let Some(first) = list.iter().find(|p| p.you).or(list.first())
            {
                self.owner.set(first.id.clone());
            }
            self.people.set(Some(answer));
        });
    }

    fn owner_name(&self, id: &str) -> String {
        self.people.with(|p| match p {
            Some(Ok(list)) => list
                .iter()
                .find(|p| p.id == id)
                .map(|p| if p.you { "you".to_string() } else { p.name.clone() })
                .unwrap_or_else(|| "the chosen practitioner".into()),
            _ => "the chosen practitioner".into(),
        })
    }
}

/// The task's part of the commit confirmation.
#[component]
pub fn TaskForm(task: FollowUpTask) -> impl IntoView {
    let t = task;
    let options = move || match t.people.get() {
        Some(Ok(list)) => list
            .into_iter()
            .map(|p| {
                let id = p.id.clone();
                let label = if p.you { format!("{} (you)", p.name) } else { p.name };
                view! { <option value=p.id selected=move || t.owner.get() == id>{label}</option> }
            })
            .collect_view()
            .into_any(),
        Some(Err(_)) => view! { <option value="">"Could not load the practice's practitioners"</option> }.into_any(),
        None => view! { <option value="">"Loading…"</option> }.into_any(),
    };
    view! {
        <Show when=move || t.enabled>
            <fieldset class="follow-up">
                <legend>"Follow-up"</legend>
                <label>
                    <input
                        type="checkbox"
                        prop:checked=move || t.wanted.get()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            t.wanted.set(on);
                            t.error.set(None);
                            if on {
                                t.load_people();
                            }
                        }
                    />
                    "Add a follow-up task"
                </label>
                <Show when=move || t.wanted.get()>
                    <div class="task-fields">
                        <label for="task-owner">"For"</label>
                        <select id="task-owner" on:change=move |ev| t.owner.set(event_target_value(&ev))>
                            {options}
                        </select>
                        <label for="task-days">"Due in (days)"</label>
                        <input
                            id="task-days"
                            type="number"
                            min="1"
                            max=MAX_DAYS.to_string()
                            inputmode="numeric"
                            prop:value=move || t.days.get()
                            on:input=move |ev| t.days.set(event_target_value(&ev))
                        />
                        <label for="task-text">"What to do"</label>
                        <textarea
                            id="task-text"
                            rows="2"
                            maxlength=MAX_TEXT.to_string()
                            placeholder="e.g. Review the healing of this lesion"
                            prop:value=move || t.text.get()
                            on:input=move |ev| t.text.set(event_target_value(&ev))
                        ></textarea>
                    </div>
                </Show>
                {move || t.error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </fieldset>
        </Show>
    }
}

/// The task's result under the commit bar, with its retry.
#[component]
pub fn TaskStatus(task: FollowUpTask) -> impl IntoView {
    let t = task;
    let line = move || match t.status.get() {
        Status::Idle => None,
        Status::Waiting => Some((
            "The follow-up task will be sent once the photos are in Medtech.".to_string(),
            None,
        )),
        Status::Sending => Some(("Sending the follow-up task…".to_string(), None)),
        Status::Done(v) => Some(match v.state {
            TaskState::Sent => (
                format!(
                    "Follow-up task sent to Medtech for {}, due {}.",
                    t.owner_name(&v.owner_id),
                    v.due_words
                ),
                None,
            ),
            TaskState::Sending => ("The follow-up task is being sent.".to_string(), None),
            TaskState::Failed => (
                format!("The follow-up task was not sent: {}", v.failure.unwrap_or_default()),
                Some(("Retry the follow-up task", false)),
            ),
            TaskState::Unknown => (
                v.failure.unwrap_or_default(),
                Some(("I checked Medtech: send the task again", true)),
            ),
        }),
        Status::Refused(message) => Some((
            format!("The follow-up task was not sent: {message}"),
            Some(("Retry the follow-up task", false)),
        )),
    };
    move || {
        line().map(|(text, action)| {
            let failed = action.is_some();
            view! {
                <p class="follow-up-status" class:error=failed role=if failed { "alert" } else { "status" }>
                    {text}
                    {action.map(|(label, resend)| view! {
                        <button type="button" class="secondary" on:click=move |_| t.retry(resend)>{label}</button>
                    })}
                </p>
            }
        })
    }
}
