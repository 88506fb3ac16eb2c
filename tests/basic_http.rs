//! The basic widget (no JavaScript) over HTTP on the whole app in simulator mode: plain forms
//! answered by `303 See Other` to the page; several photos in one multipart form (staged once
//! even if the form is sent twice); tags; commit to the chosen targets; the same session and
//! cross-site rules as everywhere else.

#![cfg(feature = "ssr")]

mod support;

use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";

fn base(d: &Desktop) -> String {
    format!("/w/{}/basic", d.sid)
}

/// A same-origin browser form post; answers the status, the `Location` and the notice cookie.
async fn post_form(
    srv: &clinical_images::server::Running,
    d: &Desktop,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let res = app::http()
        .post(app::url(srv, path))
        .header("cookie", &d.cookie)
        .header("sec-fetch-site", "same-origin")
        .form(form)
        .send()
        .await
        .unwrap();
    answer(res)
}

fn answer(res: reqwest::Response) -> (u16, String, String) {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    (res.status().as_u16(), header("location"), header("set-cookie"))
}

async fn add_photos(
    srv: &clinical_images::server::Running,
    d: &Desktop,
    form_key: &str,
    photos: Vec<Vec<u8>>,
) -> (u16, String, String) {
    let mut form = reqwest::multipart::Form::new().text("form_key", form_key.to_string());
    for (i, p) in photos.into_iter().enumerate() {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(p)
                .file_name(format!("p{i}.jpg"))
                .mime_str("image/jpeg")
                .unwrap(),
        );
    }
    let res = app::http()
        .post(app::url(srv, &format!("{}/photos", base(d))))
        .header("cookie", &d.cookie)
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .unwrap();
    answer(res)
}

/// The page as the browser gets it after a redirect, with the notice cookie it was given.
async fn page(srv: &clinical_images::server::Running, d: &Desktop, notice: &str) -> (u16, String) {
    let notice = notice.split(';').next().unwrap_or_default();
    let res = app::http()
        .get(app::url(srv, &base(d)))
        .header("cookie", format!("{}; {notice}", d.cookie))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert_eq!(
        res.headers()["cache-control"],
        "no-store",
        "patient data is never cached"
    );
    (status, res.text().await.unwrap())
}

async fn photo_ids(srv: &clinical_images::server::Running, d: &Desktop) -> Vec<String> {
    let (_, list) = app::call(srv, d, "photos/list", &[("sid", &d.sid)]).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_core_flow_works_as_plain_forms_and_redirects() {
    let srv = app::start(&[]).await;
    let d = app::launch_without_consent(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();

    // The page is whole HTML with the patient's identity, and no script at all.
    let (status, html) = page(&srv, &d, "").await;
    assert_eq!(status, 200);
    for words in [
        "Testpatient",
        "ZZZ0016",
        "How did the patient consent?",
        "no photo editor",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    assert!(!html.contains("<script"), "{html}");
    // The banner reads as the widget's does (each fact with its name), and the icon is ours.
    for part in [
        "<dt>Patient</dt>",
        "<dt>Date of birth</dt>",
        "<dt>NHI</dt>",
        "rel=\"icon\" href=\"/favicon.svg\"",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }

    // Consent: refused without a kind (and said why), then recorded.
    let (status, location, notice) = post_form(&srv, &d, &format!("{}/consent", base(&d)), &[]).await;
    assert_eq!((status, location.as_str()), (303, base(&d).as_str()));
    let (_, html) = page(&srv, &d, &notice).await;
    assert!(html.contains("Choose verbal, written, or not obtainable."), "{html}");
    let (status, _, notice) = post_form(&srv, &d, &format!("{}/consent", base(&d)), &[("kind", "verbal")]).await;
    assert_eq!(status, 303);
    let (_, html) = page(&srv, &d, &notice).await;
    assert!(html.contains("Consent recorded."), "{html}");
    assert!(html.contains("Add photos"), "{html}");

    // Three photos in one form; the same form sent again stages nothing more.
    let key = uuid::Uuid::new_v4().to_string();
    let photos: Vec<Vec<u8>> = (0..3).map(|i| app::jpeg(400 + i, 300)).collect();
    let (status, _, notice) = add_photos(&srv, &d, &key, photos.clone()).await;
    assert_eq!(status, 303);
    let (_, html) = page(&srv, &d, &notice).await;
    assert!(html.contains("3 photos added."), "{html}");
    add_photos(&srv, &d, &key, photos).await;
    let ids = photo_ids(&srv, &d).await;
    assert_eq!(ids.len(), 3, "the same form twice stages each photo once");
    // A file that is not a photo is named and refused; the others still go in.
    let (_, _, notice) = add_photos(
        &srv,
        &d,
        &uuid::Uuid::new_v4().to_string(),
        vec![b"not a photo".to_vec(), app::jpeg(200, 200)],
    )
    .await;
    let (_, html) = page(&srv, &d, &notice).await;
    assert!(html.contains("1 photo added; not added: p0.jpg"), "{html}");
    let ids = photo_ids(&srv, &d).await;
    assert_eq!(ids.len(), 4);

    // Nothing is ready until it is tagged.
    let (_, _, notice) = post_form(&srv, &d, &format!("{}/commit", base(&d)), &[("targets", "media")]).await;
    let (_, html) = page(&srv, &d, &notice).await;
    assert!(html.contains("No photo is ready"), "{html}");
    for id in &ids {
        let tags = [
            ("body_site", "14975008"),
            ("laterality", "7771000"),
            ("view", ""),
            ("image_type", "lesion"),
            ("description", "basic form"),
        ];
        let (status, _, notice) = post_form(&srv, &d, &format!("{}/photos/{id}/tags", base(&d)), &tags).await;
        assert_eq!(status, 303);
        assert!(page(&srv, &d, &notice).await.1.contains("Tags saved."));
    }
    // A code that is not offered is refused in words.
    let (_, _, notice) = post_form(
        &srv,
        &d,
        &format!("{}/photos/{}/tags", base(&d), ids[0]),
        &[("body_site", "123")],
    )
    .await;
    assert!(
        page(&srv, &d, &notice)
            .await
            .1
            .contains("That body site is not one of the offered choices.")
    );

    // Commit to Media and the PDF at once: one Media per photo, one PDF.
    let (status, _, notice) = post_form(
        &srv,
        &d,
        &format!("{}/commit", base(&d)),
        &[("targets", "media"), ("targets", "scan_pdf")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&srv, &d, &notice).await;
    assert!(html.contains("4 photos saved to Medtech."), "{html}");
    assert_eq!(html.matches("Saved to Medtech").count(), 4, "{html}");
    let created: Vec<_> = sim.received().into_iter().filter(|r| r.status == 201).collect();
    let media: Vec<_> = created.iter().filter(|r| r.resource_type == "Media").collect();
    assert_eq!(media.len(), 4);
    assert_eq!(created.len(), 5, "and one PDF");
    for m in &media {
        assert_eq!(m.resource["subject"]["reference"], format!("Patient/{}", d.patient_id));
        assert!(
            m.resource["content"]["title"]
                .as_str()
                .unwrap()
                .starts_with("Left forearm — lesion — ")
        );
    }
    // Committing again sends nothing.
    post_form(&srv, &d, &format!("{}/commit", base(&d)), &[("targets", "media")]).await;
    assert_eq!(sim.received().into_iter().filter(|r| r.status == 201).count(), 5);
    srv.stop().await;
}

#[tokio::test]
async fn the_basic_forms_keep_every_rule_of_the_widget() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let other = app::launch(&srv, "ZZZ0024", UAT).await;

    // Another browser (no session cookie) sees no page and changes nothing.
    let res = app::http().get(app::url(&srv, &base(&d))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let stranger = Desktop {
        cookie: other.cookie.clone(),
        ..Desktop {
            sid: d.sid.clone(),
            cookie: String::new(),
            patient_id: d.patient_id.clone(),
        }
    };
    let (status, _, _) = add_photos(
        &srv,
        &stranger,
        &uuid::Uuid::new_v4().to_string(),
        vec![app::jpeg(100, 100)],
    )
    .await;
    assert_eq!(status, 303, "answered as a form");
    assert!(
        photo_ids(&srv, &d).await.is_empty(),
        "nothing staged into a session that is not this browser's"
    );

    // A cross-site form post is refused before it reaches the form.
    let res = app::http()
        .post(app::url(&srv, &format!("{}/consent", base(&d))))
        .header("cookie", &d.cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&[("kind", "written")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);

    // A path that is no session id is sent home, never elsewhere.
    let res = app::http()
        .post(app::url(&srv, "/w/..%2F..%2Fevil/basic/consent"))
        .header("cookie", &d.cookie)
        .form(&[("kind", "written")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.status().as_u16(), res.headers()["location"].to_str().unwrap()),
        (303, "/")
    );

    // More than the form's limit of photos: the first twenty go in, the rest are named.
    let many: Vec<Vec<u8>> = (0..21).map(|i| app::jpeg(64 + i, 64)).collect();
    let (_, _, notice) = add_photos(&srv, &d, &uuid::Uuid::new_v4().to_string(), many).await;
    let (_, html) = page(&srv, &d, &notice).await;
    assert!(
        html.contains("20 photos added; not added: only 20 photos can be added at once."),
        "{html}"
    );
    srv.stop().await;
}

/// A later launch's basic page lists this patient's photos not yet in Medtech (and no other
/// patient's), and withdraws one with a reason, as plain forms; the rest arrive once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_later_basic_page_lists_and_withdraws_earlier_photos_not_yet_in_medtech() {
    use clinical_images::simulator::{Endpoint, Fault, FaultKind};
    let srv = app::start(&[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Unavailable,
        count: 100_000,
    });
    let first = app::launch(&srv, "ZAC5361", UAT).await;
    let ids = app::stage_ready(&srv, &first, 2).await;
    let (status, v) = app::queue(&srv, &first, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    assert!(app::eventually(20, || sim.request_count(Endpoint::Media) > 0).await);

    let later = app::launch(&srv, "ZAC5361", UAT).await;
    let (_, html) = page(&srv, &later, "").await;
    assert!(
        html.contains("Earlier photos of this patient not yet in Medtech"),
        "{html}"
    );
    assert_eq!(html.matches("<li>").count(), 2, "{html}");
    assert!(html.contains("Why withdraw it?"), "{html}");
    let other = app::launch(&srv, "ZZZ0024", UAT).await;
    let (_, html) = page(&srv, &other, "").await;
    assert!(
        !html.contains("not yet in Medtech"),
        "another patient's photos are never listed"
    );

    let withdraw = format!("{}/photos/{}/withdraw", base(&later), ids[0]);
    let (status, _, notice) = post_form(&srv, &later, &withdraw, &[("reason", " ")]).await;
    assert_eq!(status, 303);
    let (_, html) = page(&srv, &later, &notice).await;
    assert!(
        html.contains("why the photo is withdrawn"),
        "a reason is needed: {html}"
    );
    let (_, _, notice) = post_form(&srv, &later, &withdraw, &[("reason", "taken of the wrong leg")]).await;
    let (_, html) = page(&srv, &later, &notice).await;
    assert!(html.contains("Withdrawn: it will not be sent."), "{html}");
    assert_eq!(html.matches("<li>").count(), 1, "{html}");

    sim.clear_faults();
    assert!(app::eventually(90, || app::stored_by_identifier(&sim, "Media").len() == 1).await);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let media = app::stored_by_identifier(&sim, "Media");
    assert_eq!(media.get(&ids[1]), Some(&1), "{media:?}");
    assert!(!media.contains_key(&ids[0]), "the withdrawn photo never goes");
    let (_, html) = page(&srv, &later, "").await;
    assert!(!html.contains("not yet in Medtech"), "{html}");
}
