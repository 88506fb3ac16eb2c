//! Lesions of a skin check (ssr only): the `lesions` table is staging's, like `photos`. Every
//! change is one transaction with its audit entry; every query names the session, so another
//! session cannot see or touch a lesion; retention purges them with the photos.

use crate::infra::sql::{OptionalExtension, Row, Sql, params};
use axum::http::HeaderMap;

use super::{
    lesion::{LesionView, MAX_LESIONS, MAX_NOTE},
    record::{COLUMNS, PhotoRecord, from_row},
    service::{Photos, store_error},
    store::{PhotoStore, StoreError},
};
use crate::{
    error::{AppError, ErrorKind},
    infra::{
        audit::{Audit, append_audit},
        time::now_secs,
    },
    launch::{server::authorise, session::LaunchSession},
    metadata::{
        body_map::{self, View},
        tags::TagPatch,
    },
    model::{PhotoState, PhotoView},
};

const LESION_COLUMNS: &str = "id, number, view, x, y, site, laterality, note, \
    (SELECT count(*) FROM photos WHERE photos.lesion_id = lesions.id AND photos.state NOT IN ('removed', 'expired'))";

fn lesion_row(r: &Row) -> crate::infra::sql::Result<LesionView> {
    let view: String = r.get(2)?;
    let id: String = r.get(0)?;
    let view = View::parse(&view).ok_or_else(|| super::corrupt::CorruptRow::error("lesions", &id, 2, "view"))?;
    Ok(LesionView {
        id,
        number: r.get(1)?,
        view,
        x: r.get(3)?,
        y: r.get(4)?,
        site: r.get(5)?,
        laterality: r.get(6)?,
        note: r.get(7)?,
        photos: r.get(8)?,
    })
}

fn get(tx: &mut impl Sql, sid: &str, id: &str) -> crate::infra::sql::Result<Option<LesionView>> {
    tx.query_row(
        &format!("SELECT {LESION_COLUMNS} FROM lesions WHERE id = ?1 AND session_id = ?2 AND removed_at IS NULL"),
        params![id, sid],
        lesion_row,
    )
    .optional()
}

fn audit<'a>(
    session: &'a LaunchSession,
    patient: &'a str,
    event: &'a str,
    photo: Option<&'a str>,
    detail: &'a str,
) -> Audit<'a> {
    Audit {
        event,
        photo_id: photo,
        session_id: Some(&session.id),
        facility: Some(&session.facility),
        patient_id: Some(patient),
        practitioner_id: session.practitioner_id.as_deref(),
        detail: Some(detail),
        ..Default::default()
    }
}

fn detail(l: &LesionView) -> String {
    serde_json::json!({ "lesion": l.id, "number": l.number, "site": l.site, "laterality": l.laterality }).to_string()
}

/// Where a new marker goes in its region: the centre, then above and below it, inside the region.
fn place(region: &body_map::Region, already: usize) -> (u16, u16) {
    let (x, y) = region.rect.centre();
    let step = 12i32 * ((already as i32 + 1) / 2);
    let dy = if already % 2 == 1 { -step } else { step };
    let lo = region.rect.y as i32 + 6;
    let hi = (region.rect.y + region.rect.h) as i32 - 6;
    (x, (y as i32 + dy).clamp(lo, hi.max(lo)) as u16)
}

impl PhotoStore {
    pub async fn lesions(&self, sid: &str) -> Result<Vec<LesionView>, StoreError> {
        let sid = sid.to_string();
        Ok(self
            .db
            .call(move |c| {
                c.query_map(
                    &format!("SELECT {LESION_COLUMNS} FROM lesions WHERE session_id = ?1 AND removed_at IS NULL ORDER BY number"),
                    params![sid],
                    lesion_row,
                )
            })
            .await?)
    }

    /// Marks a new lesion in `region`, numbered after every lesion this session ever had.
    /// How many lesions a session has marked, removed ones included (their numbers are kept).
    pub async fn lesions_marked(&self, session_id: &str) -> Result<usize, StoreError> {
        let sid = session_id.to_string();
        Ok(self
            .db
            .call(move |c| {
                c.query_row(
                    "SELECT count(*) FROM lesions WHERE session_id = ?1",
                    params![sid],
                    |r| r.get(0),
                )
            })
            .await?)
    }

    pub async fn mark_lesion(
        &self,
        session: &LaunchSession,
        patient: &str,
        region: &'static body_map::Region,
        note: String,
    ) -> Result<LesionView, StoreError> {
        let (session, patient) = (session.clone(), patient.to_string());
        Ok(self
            .db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let number: u32 = tx.query_row(
                    "SELECT coalesce(max(number), 0) + 1 FROM lesions WHERE session_id = ?1",
                    params![session.id],
                    |r| r.get(0),
                )?;
                let already: usize = tx.query_row(
                    "SELECT count(*) FROM lesions WHERE session_id = ?1 AND removed_at IS NULL AND view = ?2 AND site = ?3 AND laterality = ?4",
                    params![session.id, region.view.word(), region.site, region.side.code()],
                    |r| r.get(0),
                )?;
                let (x, y) = place(region, already);
                let id = uuid::Uuid::new_v4().to_string();
                let now = now_secs();
                tx.execute(
                    "INSERT INTO lesions (id, session_id, facility, patient_id, number, view, x, y, site, laterality, note, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                    params![id, session.id, session.facility, patient, number, region.view.word(), x, y, region.site, region.side.code(), note, now],
                )?;
                let l = get(&mut tx, &session.id, &id)?.ok_or(crate::infra::sql::Error::NoRows)?;
                append_audit(&mut tx, &audit(&session, &patient, "lesion_marked", None, &detail(&l)))?;
                tx.commit()?;
                Ok(l)
            })
            .await?)
    }

    /// Changes a lesion's note, or (`note = None`) removes the lesion: its photos that can still
    /// change leave it; its number is never given again.
    pub async fn change_lesion(
        &self,
        session: &LaunchSession,
        patient: &str,
        id: &str,
        note: Option<String>,
    ) -> Result<Option<LesionView>, StoreError> {
        let (session, patient, id) = (session.clone(), patient.to_string(), id.to_string());
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let Some(l) = get(&mut tx, &session.id, &id)? else {
                    return Ok(Err(StoreError::NotFound));
                };
                let now = now_secs();
                let out = match &note {
                    Some(note) => {
                        tx.execute("UPDATE lesions SET note = ?1, updated_at = ?2 WHERE id = ?3", params![note, now, id])?;
                        append_audit(&mut tx, &audit(&session, &patient, "lesion_changed", None, &detail(&l)))?;
                        get(&mut tx, &session.id, &id)?
                    }
                    None => {
                        tx.execute("UPDATE lesions SET removed_at = ?1, updated_at = ?1 WHERE id = ?2", params![now, id])?;
                        tx.execute(
                            "UPDATE photos SET lesion_id = NULL, updated_at = ?1 WHERE lesion_id = ?2 AND state IN ('staged', 'failed', 'removed')",
                            params![now, id],
                        )?;
                        append_audit(&mut tx, &audit(&session, &patient, "lesion_removed", None, &detail(&l)))?;
                        None
                    }
                };
                tx.commit()?;
                Ok(Ok(out))
            })
            .await?
    }

    /// Links photos that can still change to `lesion` (copying its site and side into their
    /// tags), or with `None` unlinks them. Answers the photos changed.
    pub async fn assign_lesion(
        &self,
        session: &LaunchSession,
        lesion: Option<String>,
        ids: Vec<String>,
    ) -> Result<Vec<PhotoRecord>, StoreError> {
        let (session, prac) = (session.clone(), session.practitioner_id.clone());
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let target = match &lesion {
                    Some(id) => match get(&mut tx, &session.id, id)? {
                        Some(l) => Some(l),
                        None => return Ok(Err(StoreError::NotFound)),
                    },
                    None => None,
                };
                let mut changed = Vec::new();
                for id in &ids {
                    let q = format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2");
                    let Some(mut r) = tx.query_row(&q, params![id, session.id], from_row).optional()? else {
                        // Not a photo of this session: the whole change is refused, nothing written.
                        return Ok(Err(StoreError::NotFound));
                    };
                    if !matches!(r.state, PhotoState::Staged | PhotoState::Failed) {
                        continue;
                    }
                    if let Some(l) = &target {
                        TagPatch {
                            body_site: Some(l.site.clone()),
                            laterality: Some(l.laterality.clone()),
                            ..Default::default()
                        }
                        .apply(&mut r.tags);
                    }
                    let json = serde_json::to_string(&r.tags).unwrap_or_else(|_| "{}".into());
                    tx.execute(
                        "UPDATE photos SET lesion_id = ?1, tags = ?2, updated_at = ?3 WHERE id = ?4",
                        params![lesion, json, now_secs(), r.id],
                    )?;
                    let (event, what) = match &target {
                        Some(l) => ("lesion_linked", detail(l)),
                        None => ("lesion_unlinked", "{}".to_string()),
                    };
                    append_audit(&mut tx, &r.audit(event, prac.as_deref(), Some(&what)))?;
                    changed.push(tx.query_row(&q, params![r.id, session.id], from_row)?);
                }
                tx.commit()?;
                Ok(Ok(changed))
            })
            .await?
    }

    /// Retention: lesions marked before `cutoff` are deleted, and photos leave them.
    pub async fn purge_lesions(&self, cutoff: i64) -> Result<usize, StoreError> {
        Ok(self
            .db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let due: Vec<(String, String, String, String)> = tx.query_map(
                    "SELECT id, session_id, facility, patient_id FROM lesions WHERE created_at < ?1",
                    params![cutoff],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?;
                for (id, sid, facility, patient) in &due {
                    tx.execute("UPDATE photos SET lesion_id = NULL WHERE lesion_id = ?1", params![id])?;
                    tx.execute("DELETE FROM lesions WHERE id = ?1", params![id])?;
                    let detail = serde_json::json!({ "lesion": id }).to_string();
                    append_audit(
                        &mut tx,
                        &Audit {
                            event: "lesion_expired",
                            session_id: Some(sid),
                            facility: Some(facility),
                            patient_id: Some(patient),
                            detail: Some(&detail),
                            ..Default::default()
                        },
                    )?;
                }
                tx.commit()?;
                Ok(due.len())
            })
            .await?)
    }
}

fn not_found() -> AppError {
    AppError::new(ErrorKind::NotFound, "That lesion is no longer here.")
}

fn lesion_error(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => not_found(),
        e => store_error(e),
    }
}

fn check_note(note: &str) -> Result<String, AppError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE {
        return Err(AppError::invalid(format!(
            "A lesion's note is limited to {MAX_NOTE} characters."
        )));
    }
    Ok(note.to_string())
}

impl Photos {
    pub async fn list_lesions(&self, sid: &str, headers: &HeaderMap) -> Result<Vec<LesionView>, AppError> {
        let session = authorise(&self.sessions, sid, headers).await?;
        self.store.lesions(&session.id).await.map_err(lesion_error)
    }

    pub async fn mark_lesion(
        &self,
        sid: &str,
        headers: &HeaderMap,
        region: &str,
        note: &str,
    ) -> Result<LesionView, AppError> {
        let (session, patient) = self.session_with_patient(sid, headers).await?;
        let region = body_map::region(region).ok_or_else(|| AppError::invalid("Choose a region of the body map."))?;
        let note = check_note(note)?;
        // Bounded like every staged record: a session marks at most MAX_LESIONS (removed included).
        if self.store.lesions_marked(&session.id).await.map_err(lesion_error)? >= MAX_LESIONS {
            return Err(AppError::invalid(format!(
                "A skin check can mark at most {MAX_LESIONS} lesions. Open Clinical Images again for more."
            )));
        }
        self.store
            .mark_lesion(&session, &patient, region, note)
            .await
            .map_err(lesion_error)
    }

    /// Changes the note (`Some`) or removes the lesion (`None`).
    pub async fn change_lesion(
        &self,
        sid: &str,
        headers: &HeaderMap,
        id: &str,
        note: Option<String>,
    ) -> Result<Option<LesionView>, AppError> {
        let (session, patient) = self.session_with_patient(sid, headers).await?;
        let note = note.as_deref().map(check_note).transpose()?;
        self.store
            .change_lesion(&session, &patient, id, note)
            .await
            .map_err(lesion_error)
    }

    pub async fn assign_lesion(
        &self,
        sid: &str,
        headers: &HeaderMap,
        lesion: Option<String>,
        ids: Vec<String>,
    ) -> Result<Vec<PhotoView>, AppError> {
        let session = authorise(&self.sessions, sid, headers).await?;
        if ids.len() > 500 {
            return Err(AppError::invalid("Too many photos in one change."));
        }
        let changed = self
            .store
            .assign_lesion(&session, lesion, ids)
            .await
            .map_err(lesion_error)?;
        Ok(changed.iter().map(|r| self.view(r, sid)).collect())
    }
}
