//! Corrupt database rows are refused, never read as defaults: the GP gets "internal error" for
//! that call, and the error (what the log prints) names the row and column, never the value.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::{infra::sql::Sql, params};

use clinical_images::{commit::documents::NewDoc, launch::server::load_live};
use support::app;

const UAT: &str = "F2N060-E";
const SECRET: &str = "Jane Testpatient";

/// Writes `value` straight into one column of photo `id`, as a damaged disk or a bad restore might.
async fn set_column(srv: &clinical_images::server::Running, id: &str, column: &'static str, value: String) {
    let id = id.to_string();
    srv.state
        .db
        .call(move |c| {
            c.execute(
                &format!("UPDATE photos SET {column} = ?1 WHERE id = ?2"),
                params![value, id],
            )
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_photo_row_with_an_unknown_state_or_unreadable_tags_is_refused() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 1).await;
    let id = ids[0].clone();
    let (_, session) = load_live(&srv.state.sessions, &d.sid).await.unwrap();

    let unreadable = [
        ("state", format!("committed-by {SECRET}")),
        ("tags", String::from("{\"body_site\": \"") + SECRET),
        ("tags", format!(r#"{{"body_site": 42, "note": "{SECRET}"}}"#)),
    ];
    for (column, value) in unreadable {
        set_column(&srv, &id, column, value).await;
        // The call fails as ours, in plain words.
        let (status, v) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
        assert_eq!(status, 500, "{column}: {v}");
        assert_eq!(v["kind"], "internal", "{v}");
        let (status, _) = app::commit(&srv, &d, &id).await;
        assert_eq!(status, 500, "never sent on a guessed state or tags");
        // What the log says: the row and the column, not the content.
        let e = srv
            .state
            .photos
            .store
            .get(&session.id, &id)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains(&id) && e.contains(column), "{e}");
        assert!(!e.contains(SECRET) && !e.contains("Jane"), "{e}");
        // Put the column back for the next case.
        let good = if column == "state" { "staged" } else { "{}" };
        set_column(&srv, &id, column, good.to_string()).await;
    }
    let (status, _) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200);
    assert_eq!(srv.state.simulator.as_ref().unwrap().received().len(), 0);
    srv.stop().await;
}

#[tokio::test]
async fn a_scan_document_whose_photo_list_is_unreadable_is_refused() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 1).await;
    let (_, session) = load_live(&srv.state.sessions, &d.sid).await.unwrap();
    let doc_id = uuid::Uuid::new_v4().to_string();
    srv.state
        .photos
        .store
        .record_scan_docs(
            &session,
            &d.patient_id,
            vec![NewDoc {
                id: doc_id.clone(),
                photo_ids: ids.clone(),
                pdf: b"%PDF-1.7\n%%EOF\n".to_vec(),
                pages: 1,
            }],
            clinical_images::commit::documents::DocKind::Pdf,
        )
        .await
        .unwrap();
    let doc = doc_id.clone();
    srv.state
        .db
        .call(move |c| {
            c.execute(
                "UPDATE scan_documents SET photo_ids = ?1 WHERE id = ?2",
                params![format!(r#"["{SECRET}""#), doc],
            )
        })
        .await
        .unwrap();
    let e = srv
        .state
        .photos
        .store
        .scan_doc(&session.id, &doc_id)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains(&doc_id) && e.contains("photo_ids"), "{e}");
    assert!(!e.contains(SECRET), "{e}");

    // A commit of a photo in that document stops with our internal error; nothing is sent.
    let (status, v) = app::commit_scan(&srv, &d, &ids, false, None).await;
    assert_eq!(status, 500, "{v}");
    assert_eq!(v["kind"], "internal", "{v}");
    assert_eq!(srv.state.simulator.as_ref().unwrap().received().len(), 0);
    srv.stop().await;
}
