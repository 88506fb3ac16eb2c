//! POST Media and DocumentReference: ALEX's rules and FHIR R4's.

use super::*;

// ---------- Media ----------

#[tokio::test]
async fn media_without_identifier_is_business_rule() {
    let ctx = ctx().await;
    let mut m = media(&ctx, UAT_FACILITY);
    m.as_object_mut().unwrap().remove("identifier");
    let resp = ctx.post("/Media", UAT_FACILITY, &m).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_outcome(&body(resp).await, "business-rule", "mandatory Identifier.value");
    m["identifier"] = json!([{ "system": "urn:ietf:rfc:3986" }]);
    let resp = ctx.post("/Media", UAT_FACILITY, &m).await;
    assert_outcome(&body(resp).await, "business-rule", "missing");
    let received = ctx.sim.received();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| r.status == 400 && r.id.is_none()));
}

#[tokio::test]
async fn valid_media_is_created_and_stored() {
    let ctx = ctx().await;
    let m = media(&ctx, UAT_FACILITY);
    let resp = ctx.post("/Media", UAT_FACILITY, &m).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/fhir+json")
    );
    assert_eq!(resp.headers()["etag"], "W/\"1\"");
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let v = body(resp).await;
    let id = v["id"].as_str().unwrap().to_string();
    assert!(is_hex32(&id));
    assert_eq!(location, format!("{}/fhir/Media/{id}/_history/1", ctx.sim.base_url()));
    assert_eq!(v["meta"]["versionId"], "1");
    assert_eq!(v["content"]["data"], m["content"]["data"]);
    assert_eq!(v["identifier"], m["identifier"]);

    // No dedupe: the same body again is stored again.
    assert_eq!(ctx.post("/Media", UAT_FACILITY, &m).await.status(), StatusCode::CREATED);
    let received = ctx.sim.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(received[0].status, 201);
    assert_eq!(received[0].resource_type, "Media");
    assert_eq!(received[0].facility, UAT_FACILITY);
    assert_eq!(received[0].correlation_id.as_deref(), Some("corr-123"));
    assert_eq!(received[0].resource, m);
    assert_ne!(received[1].id, received[0].id);
    assert_eq!(ctx.sim.request_count(Endpoint::Media), 2);

    // PNG works too.
    let mut png = media(&ctx, SECOND_FACILITY);
    png["content"]["contentType"] = json!("image/png");
    png["content"]["data"] = json!(STANDARD.encode(PNG));
    assert_eq!(
        ctx.post("/Media", SECOND_FACILITY, &png).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn invalid_media_is_rejected_with_a_reason() {
    let ctx = ctx().await;
    let other_patient = ctx.patient(SECOND_FACILITY, "ZZZ0016").id;
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "png bytes as jpeg",
            Box::new(|m| m["content"]["data"] = json!(STANDARD.encode(PNG))),
            "image/jpeg",
        ),
        (
            "bad base64",
            Box::new(|m| m["content"]["data"] = json!("%%%not base64")),
            "base64",
        ),
        (
            "no contentType",
            Box::new(|m| {
                m["content"].as_object_mut().unwrap().remove("contentType");
            }),
            "att-1",
        ),
        (
            "gif",
            Box::new(|m| m["content"]["contentType"] = json!("image/gif")),
            "image/gif",
        ),
        (
            "no offset",
            Box::new(|m| m["createdDateTime"] = json!("2025-01-31T09:30:00")),
            "offset",
        ),
        (
            "date only",
            Box::new(|m| m["createdDateTime"] = json!("2025-01-31")),
            "offset",
        ),
        ("bad status", Box::new(|m| m["status"] = json!("done")), "status"),
        (
            "no status",
            Box::new(|m| {
                m.as_object_mut().unwrap().remove("status");
            }),
            "status",
        ),
        (
            "no content",
            Box::new(|m| {
                m.as_object_mut().unwrap().remove("content");
            }),
            "content",
        ),
        (
            "content array",
            Box::new(|m| m["content"] = json!([m["content"].clone()])),
            "content",
        ),
        (
            "type system",
            Box::new(|m| m["type"]["coding"][0]["system"] = json!("http://example.org")),
            "media-type",
        ),
        (
            "other facility patient",
            Box::new(move |m| m["subject"]["reference"] = json!(format!("Patient/{other_patient}"))),
            "not found",
        ),
        (
            "bad subject",
            Box::new(|m| m["subject"]["reference"] = json!("Group/1")),
            "Patient/<id>",
        ),
        (
            "no subject",
            Box::new(|m| {
                m.as_object_mut().unwrap().remove("subject");
            }),
            "subject",
        ),
        (
            "unknown operator",
            Box::new(|m| m["operator"]["reference"] = json!("Practitioner/0000")),
            "Practitioner/0000",
        ),
        (
            "laterality (not R4)",
            Box::new(|m| m["laterality"] = json!({"text": "Left"})),
            "laterality",
        ),
        (
            "wrong resourceType",
            Box::new(|m| m["resourceType"] = json!("Observation")),
            "resourceType",
        ),
        ("size mismatch", Box::new(|m| m["content"]["size"] = json!(1)), "size"),
    ];
    for (name, edit, text) in cases {
        let mut m = media(&ctx, UAT_FACILITY);
        edit(&mut m);
        let resp = ctx.post("/Media", UAT_FACILITY, &m).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{name}");
        let v = body(resp).await;
        assert_eq!(v["resourceType"], "OperationOutcome", "{name}");
        let code = v["issue"][0]["code"].as_str().unwrap();
        assert!(code == "invalid" || code == "business-rule", "{name}: {code}");
        let diag = v["issue"][0]["diagnostics"].as_str().unwrap();
        assert!(diag.contains(text), "{name}: {diag}");
    }

    // Not JSON at all.
    let resp = ctx
        .http
        .post(format!("{}/Media", ctx.sim.fhir_base_url()))
        .bearer_auth(&ctx.token)
        .header("mt-facilityid", UAT_FACILITY)
        .header("content-type", "application/fhir+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_outcome(&body(resp).await, "invalid", "JSON");
    assert!(ctx.sim.received().iter().all(|r| r.status == 400 && r.id.is_none()));
    assert_eq!(ctx.sim.received().last().unwrap().resource, Value::Null);
}

// ---------- DocumentReference ----------

#[tokio::test]
async fn document_reference_rules() {
    let ctx = ctx().await;
    // JPEG is refused by the Scan folder.
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "image/jpeg", JPEG),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let v = body(resp).await;
    assert!(
        v["issue"][0]["diagnostics"].as_str().unwrap().contains("PDF or TIFF"),
        "{v}"
    );

    // A valid PDF is created.
    let doc = document(&ctx, UAT_FACILITY, "application/pdf", PDF);
    let resp = ctx.post("/DocumentReference", UAT_FACILITY, &doc).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let id = body(resp).await["id"].as_str().unwrap().to_string();
    assert_eq!(
        location,
        format!("{}/fhir/DocumentReference/{id}/_history/1", ctx.sim.base_url())
    );

    // A readable TIFF is fine too (see below for a bare TIFF header); non-PDF bytes labelled
    // PDF are not.
    let mut tiff = std::io::Cursor::new(Vec::new());
    ::tiff::encoder::TiffEncoder::new(&mut tiff)
        .unwrap()
        .write_image::<::tiff::encoder::colortype::Gray8>(4, 4, &[128u8; 16])
        .unwrap();
    let tiff = tiff.into_inner();
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "image/tiff", &tiff),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "application/pdf", JPEG),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // status must be current; LOINC 72170-4 required; identifier mandatory.
    let mut d = doc.clone();
    d["status"] = json!("superseded");
    assert_outcome(
        &body(ctx.post("/DocumentReference", UAT_FACILITY, &d).await).await,
        "business-rule",
        "current",
    );
    let mut d = doc.clone();
    d["type"]["coding"][0]["code"] = json!("11111-1");
    assert_outcome(
        &body(ctx.post("/DocumentReference", UAT_FACILITY, &d).await).await,
        "business-rule",
        "72170-4",
    );
    let mut d = doc.clone();
    d["identifier"] = json!([]);
    assert_outcome(
        &body(ctx.post("/DocumentReference", UAT_FACILITY, &d).await).await,
        "business-rule",
        "mandatory Identifier.value",
    );
    let statuses: Vec<u16> = ctx.sim.received().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![400, 201, 201, 400, 400, 400, 400]);
}

#[tokio::test]
async fn a_tiff_that_cannot_be_read_is_rejected() {
    let ctx = ctx().await;
    let header_only = [b"II*\0".as_slice(), &[8, 0, 0, 0]].concat();
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "image/tiff", &header_only),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let outcome = body(resp).await;
    assert!(outcome.to_string().contains("not a readable TIFF"), "{outcome}");
}

#[tokio::test]
async fn pdf_over_8_mb_is_rejected() {
    let ctx = ctx().await;
    let mut big = PDF.to_vec();
    big.resize(validate::SCAN_MAX_BYTES + 1, b' ');
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "application/pdf", &big),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_outcome(&body(resp).await, "invalid", "exceeds 8 MB");
    // Exactly 8 MB is fine.
    big.truncate(validate::SCAN_MAX_BYTES);
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "application/pdf", &big),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}
