//! POST Task (the follow-up task): FHIR R4's rules, checked against what the simulator holds.

use super::*;

/// A Media accepted for ZZZ0016 at `facility`, and a valid Task about it.
async fn media_and_task(ctx: &Ctx, facility: &str) -> (String, Value) {
    let resp = ctx.post("/Media", facility, &media(ctx, facility)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let media_id = body(resp).await["id"].as_str().unwrap().to_string();
    let patient = ctx.patient(facility, "ZZZ0016");
    let doctors = ctx.sim.practitioners(facility);
    let task = json!({
        "resourceType": "Task",
        "identifier": [{ "system": "urn:x-clinical-images:task-id", "value": uuid::Uuid::new_v4().to_string() }],
        "status": "requested",
        "intent": "order",
        "priority": "routine",
        "code": { "text": "Follow-up of clinical photographs" },
        "description": "Review the lesion",
        "focus": { "reference": format!("Media/{media_id}") },
        "for": { "reference": format!("Patient/{}", patient.id) },
        "authoredOn": "2026-12-01T09:30:00+13:00",
        "requester": { "reference": format!("Practitioner/{}", doctors[0].id) },
        "owner": { "reference": format!("Practitioner/{}", doctors[1].id) },
        "restriction": { "period": { "end": "2026-12-08T23:59:59+13:00" } },
        "input": [{ "type": { "text": "Committed clinical image" }, "valueReference": { "reference": format!("Media/{media_id}") } }]
    });
    (media_id, task)
}

#[tokio::test]
async fn a_valid_task_is_created_stored_and_counted() {
    let ctx = ctx().await;
    let (_, task) = media_and_task(&ctx, UAT_FACILITY).await;
    let resp = ctx.post("/Task", UAT_FACILITY, &task).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let v = body(resp).await;
    let id = v["id"].as_str().unwrap();
    assert_eq!(location, format!("{}/fhir/Task/{id}/_history/1", ctx.sim.base_url()));
    let tasks: Vec<Received> = ctx
        .sim
        .received()
        .into_iter()
        .filter(|r| r.resource_type == "Task")
        .collect();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].resource, task);
    assert_eq!(ctx.sim.request_count(Endpoint::Task), 1);
    // A date alone is a valid FHIR dateTime too.
    let mut dated = task.clone();
    dated["restriction"]["period"]["end"] = json!("2026-12-08");
    assert_eq!(
        ctx.post("/Task", UAT_FACILITY, &dated).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn an_invalid_task_is_rejected_with_a_reason() {
    let ctx = ctx().await;
    let (media_id, task) = media_and_task(&ctx, UAT_FACILITY).await;
    let other = ctx.practitioner(SECOND_FACILITY).id;
    let other_patient = ctx.patient(UAT_FACILITY, "ZZZ0024").id;
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "status outside task-status",
            Box::new(|t| t["status"] = json!("open")),
            "invalid",
            "task-status",
        ),
        (
            "no status",
            Box::new(|t| {
                t.as_object_mut().unwrap().remove("status");
            }),
            "invalid",
            "Task.status is required",
        ),
        (
            "intent outside task-intent",
            Box::new(|t| t["intent"] = json!("request")),
            "invalid",
            "task-intent",
        ),
        (
            "no intent",
            Box::new(|t| {
                t.as_object_mut().unwrap().remove("intent");
            }),
            "invalid",
            "Task.intent is required",
        ),
        (
            "priority outside request-priority",
            Box::new(|t| t["priority"] = json!("high")),
            "invalid",
            "request-priority",
        ),
        (
            "no for",
            Box::new(|t| {
                t.as_object_mut().unwrap().remove("for");
            }),
            "business-rule",
            "Task.for is missing",
        ),
        (
            "for a practitioner",
            Box::new(|t| t["for"] = t["owner"].clone()),
            "invalid",
            "Task.for.reference must be 'Patient/<id>'",
        ),
        (
            "unknown patient",
            Box::new(|t| t["for"] = json!({ "reference": "Patient/0000" })),
            "business-rule",
            "was not found",
        ),
        (
            "no owner",
            Box::new(|t| {
                t.as_object_mut().unwrap().remove("owner");
            }),
            "business-rule",
            "Task.owner is missing",
        ),
        (
            "owner of another facility",
            Box::new(move |t| t["owner"] = json!({ "reference": format!("Practitioner/{other}") })),
            "business-rule",
            "Task.owner",
        ),
        (
            "unknown requester",
            Box::new(|t| t["requester"] = json!({ "reference": "Practitioner/nobody" })),
            "business-rule",
            "Task.requester",
        ),
        (
            "no identifier",
            Box::new(|t| {
                t.as_object_mut().unwrap().remove("identifier");
            }),
            "business-rule",
            "Identifier.value",
        ),
        (
            "no description",
            Box::new(|t| {
                t.as_object_mut().unwrap().remove("description");
            }),
            "business-rule",
            "Task.description is missing",
        ),
        (
            "long description",
            Box::new(|t| t["description"] = json!("x".repeat(1001))),
            "business-rule",
            "longer than",
        ),
        (
            "due not a dateTime",
            Box::new(|t| t["restriction"]["period"]["end"] = json!("next week")),
            "invalid",
            "restriction.period.end",
        ),
        (
            "due without offset",
            Box::new(|t| t["restriction"]["period"]["end"] = json!("2026-12-08T23:59:59")),
            "invalid",
            "restriction.period.end",
        ),
        (
            "start after end",
            Box::new(|t| t["restriction"]["period"]["start"] = json!("2026-12-09T00:00:00+13:00")),
            "invalid",
            "per-1",
        ),
        (
            "focus as a list",
            Box::new(move |t| t["focus"] = json!([t["focus"].clone()])),
            "invalid",
            "Task.focus must be a single Reference",
        ),
        (
            "focus not a reference",
            Box::new(|t| t["focus"] = json!({ "reference": "Media" })),
            "invalid",
            "Task.focus.reference",
        ),
        (
            "focus on nothing written",
            Box::new(|t| t["focus"] = json!({ "reference": "Media/0000" })),
            "business-rule",
            "was not found",
        ),
        (
            "focus on another patient",
            Box::new(move |t| t["for"] = json!({ "reference": format!("Patient/{other_patient}") })),
            "business-rule",
            "belongs to another patient",
        ),
        (
            "input without value",
            Box::new(|t| t["input"][0] = json!({ "type": { "text": "x" } })),
            "invalid",
            "exactly one value[x]",
        ),
        (
            "unknown element",
            Box::new(|t| t["dueDate"] = json!("2026-12-08")),
            "invalid",
            "Unrecognized element 'dueDate'",
        ),
        (
            "wrong resourceType",
            Box::new(|t| t["resourceType"] = json!("Media")),
            "invalid",
            "does not match",
        ),
    ];
    for (name, edit, code, text) in cases {
        let mut t = task.clone();
        edit(&mut t);
        let resp = ctx.post("/Task", UAT_FACILITY, &t).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{name}");
        let v = body(resp).await;
        assert_eq!(v["issue"][0]["code"], code, "{name}: {v}");
        assert!(
            v["issue"][0]["diagnostics"].as_str().unwrap().contains(text),
            "{name}: {v}"
        );
    }
    // A Media of another facility is not this facility's to focus on.
    let (other_media, _) = media_and_task(&ctx, SECOND_FACILITY).await;
    let mut t = task.clone();
    t["focus"] = json!({ "reference": format!("Media/{other_media}") });
    assert_eq!(
        ctx.post("/Task", UAT_FACILITY, &t).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert!(!media_id.is_empty());
}

#[tokio::test]
async fn a_task_needs_the_assumed_role_and_takes_faults_like_other_writes() {
    let roles = ALL_ROLES
        .iter()
        .filter(|r| **r != crate::alex::task::ROLE_TASK_WRITE)
        .map(|r| r.to_string())
        .collect();
    let ctx = start(SimConfig {
        roles,
        ..SimConfig::default()
    })
    .await;
    let (_, task) = media_and_task(&ctx, UAT_FACILITY).await;
    let resp = ctx.post("/Task", UAT_FACILITY, &task).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let ctx = super::ctx().await;
    let (_, task) = media_and_task(&ctx, UAT_FACILITY).await;
    ctx.sim.inject(Fault {
        endpoint: Endpoint::Task,
        kind: FaultKind::Unavailable,
        count: 1,
    });
    let resp = ctx.post("/Task", UAT_FACILITY, &task).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ctx.post("/Task", UAT_FACILITY, &task).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(ctx.sim.request_count(Endpoint::Task), 2);
}
