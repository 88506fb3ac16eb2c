//! Runtime settings that are not secrets: the `[app]` section of `Leptos.toml`, each key
//! overridable by an `APP_<KEY>` environment variable. Secrets never live here (see `alex::config`).

use serde::Deserialize;

pub use crate::model::CommitTarget;
use std::{collections::BTreeMap, path::PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub blob_store: BlobStore,
    #[serde(default)]
    pub log_format: LogFormat,
    pub alex_environment: String,
    #[serde(default)]
    pub alex_environments: BTreeMap<String, AlexEnvironment>,
    pub frame_ancestors: String,
    pub max_long_edge_px: u32,
    pub max_image_bytes: u64,
    pub max_upload_bytes: u64,
    pub max_image_pixels: u64,
    pub required_fields: Vec<String>,
    pub consent: Consent,
    pub phone_handoff: bool,
    pub commit_targets: Vec<CommitTarget>,
    /// Inbox-Scan PDF layout: "page_per_photo" or "contact_sheet".
    pub scan_layout: ScanLayout,
    /// Largest Inbox-Scan PDF (bytes); more photos than fit are split across documents.
    pub scan_max_bytes: u64,
    /// An Inbox-Scan TIFF carries a caption band below the photo (patient, tags, date,
    /// practitioner). Off: the committed JPEG goes into the TIFF as it is.
    #[serde(default = "defaults::scan_tiff_caption")]
    pub scan_tiff_caption: bool,
    /// In the commit confirmation the GP may ask for a follow-up task (a FHIR R4 Task in
    /// Medtech: who, in how many days, a short text). Off by default: ALEX's Task shape is
    /// unpublished (see `alex::task`).
    #[serde(default)]
    pub follow_up_tasks: bool,
    pub public_url: String,
    pub handoff_guess_limit: u32,
    /// Reverse proxies (IP addresses) whose `X-Forwarded-For` names the real client; from
    /// anyone else the header is ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub handoff_ttl_minutes: u64,
    pub launch_session_hours: u64,
    pub retention_hours: u64,
    /// A launch whose `createdTime` is older than this is refused.
    #[serde(default = "defaults::launch_max_age_seconds")]
    pub launch_max_age_seconds: u64,
    /// Launches per client address per 10 minutes.
    #[serde(default = "defaults::launch_limit_per_address")]
    pub launch_limit_per_address: u32,
    /// Seconds a client has to send a request's headers.
    #[serde(default = "defaults::header_read_timeout_seconds")]
    pub header_read_timeout_seconds: u64,
    /// Open connections at most.
    #[serde(default = "defaults::max_connections")]
    pub max_connections: usize,
    /// Memory for upload bodies held at once (MiB); more uploads wait their turn.
    #[serde(default = "defaults::upload_budget_mib")]
    pub upload_budget_mib: u64,
    /// Memory for decoded pixels at once (MiB); decodes and renders wait their turn.
    #[serde(default = "defaults::decode_budget_mib")]
    pub decode_budget_mib: u64,
    /// Hours the server keeps retrying a committed part Medtech could not take (a practice
    /// unreachable, ALEX busy) before a person is asked.
    #[serde(default = "defaults::delivery_retry_hours")]
    pub delivery_retry_hours: u64,
    /// Days a photo in the delivery queue (or waiting for a person) is kept before it may expire.
    #[serde(default = "defaults::delivery_hold_days")]
    pub delivery_hold_days: u64,
    /// Writes to one practice per minute, at most (every instance together).
    #[serde(default = "defaults::delivery_per_minute")]
    pub delivery_per_minute: u32,
    /// Writes to one practice in flight at once, at most (one while it is failing).
    #[serde(default = "defaults::delivery_at_once")]
    pub delivery_at_once: u32,
    /// The first wait after a practice could not be reached (ms); it doubles, with jitter.
    #[serde(default = "defaults::delivery_backoff_first_ms")]
    pub delivery_backoff_first_ms: u64,
    /// The longest wait between tries (seconds): how soon queued photos go once ALEX is back.
    #[serde(default = "defaults::delivery_backoff_max_seconds")]
    pub delivery_backoff_max_seconds: u64,
}

mod defaults {
    pub fn scan_tiff_caption() -> bool {
        true
    }
    pub fn launch_max_age_seconds() -> u64 {
        300
    }
    pub fn launch_limit_per_address() -> u32 {
        120
    }
    pub fn header_read_timeout_seconds() -> u64 {
        10
    }
    pub fn max_connections() -> usize {
        1024
    }
    pub fn upload_budget_mib() -> u64 {
        48
    }
    pub fn decode_budget_mib() -> u64 {
        168
    }
    pub fn delivery_retry_hours() -> u64 {
        72
    }
    pub fn delivery_hold_days() -> u64 {
        30
    }
    pub fn delivery_per_minute() -> u32 {
        30
    }
    pub fn delivery_at_once() -> u32 {
        3
    }
    pub fn delivery_backoff_first_ms() -> u64 {
        2000
    }
    pub fn delivery_backoff_max_seconds() -> u64 {
        60
    }
}

/// Where staged images are kept.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BlobStore {
    /// `{data_dir}/blobs` on the local disk.
    Local,
    /// An S3-compatible bucket (`S3_*` variables).
    S3,
}

/// Whether the patient's consent is recorded before the first photo of a session.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Required,
    Off,
}

/// How an Inbox-Scan PDF lays out its photos.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScanLayout {
    /// Each photo as large as fits, its tags below.
    PagePerPhoto,
    /// Four photos a page.
    ContactSheet,
}

/// Non-secret defaults of one named ALEX environment (UAT, production).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct AlexEnvironment {
    pub fhir_base_url: String,
    pub token_url: String,
    pub scope: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read settings file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("settings file {path} is not valid TOML: {source}")]
    Toml { path: PathBuf, source: toml::de::Error },
    #[error("settings file {path} has no [app] section")]
    NoAppSection { path: PathBuf },
    #[error("environment variable {var} = {value:?} is not a valid {expected}")]
    BadEnv {
        var: String,
        value: String,
        expected: &'static str,
    },
    #[error("invalid [app] settings: {0}")]
    Invalid(String),
}

impl Settings {
    /// Path of the settings file: `$APP_CONFIG` or `./Leptos.toml`.
    pub fn path() -> PathBuf {
        std::env::var_os("APP_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| "Leptos.toml".into())
    }

    pub fn load() -> Result<Self, ConfigError> {
        let path = Self::path();
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Self::from_toml_with_env(&text, &path, |k| std::env::var(k).ok())
    }

    /// Parses the `[app]` table and layers `APP_<KEY>` overrides on its scalar and list keys.
    pub fn from_toml_with_env(
        text: &str,
        path: &std::path::Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut doc: toml::Table = text.parse().map_err(|source| ConfigError::Toml {
            path: path.to_path_buf(),
            source,
        })?;
        let Some(toml::Value::Table(app)) = doc.remove("app") else {
            return Err(ConfigError::NoAppSection {
                path: path.to_path_buf(),
            });
        };
        let mut app = app;
        for (key, value) in app.iter_mut() {
            let var = format!("APP_{}", key.to_ascii_uppercase());
            let Some(raw) = env(&var) else { continue };
            *value = override_value(value, &var, &raw)?;
        }
        let settings: Settings = toml::Value::Table(app)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.message().to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        const FIELDS: [&str; 4] = ["body_site", "laterality", "view", "image_type"];
        if let Some(f) = self.required_fields.iter().find(|f| !FIELDS.contains(&f.as_str())) {
            return Err(ConfigError::Invalid(format!(
                "required_fields: unknown field {f:?} (known: {FIELDS:?})"
            )));
        }
        // blob_store, consent, scan_layout and each commit target are enums: serde refuses any
        // other word, naming the ones it takes.
        if self.commit_targets.is_empty() {
            return Err(ConfigError::Invalid(
                "commit_targets must name at least one of \"media\", \"scan_pdf\", \"scan_tiff\"".into(),
            ));
        }
        // ALEX takes at most 8 MB per Scan document; a PDF must also hold at least one photo.
        if self.scan_max_bytes > 8_000_000 || self.scan_max_bytes < 2 * self.max_image_bytes {
            return Err(ConfigError::Invalid(format!(
                "scan_max_bytes must be between 2 × max_image_bytes and 8000000, not {}",
                self.scan_max_bytes
            )));
        }
        if self.max_image_bytes == 0 || self.max_long_edge_px < 200 {
            return Err(ConfigError::Invalid(
                "max_image_bytes must be > 0 and max_long_edge_px >= 200".into(),
            ));
        }
        Ok(())
    }

    /// The named ALEX environment's defaults (empty when the name is unknown).
    pub fn alex_environment_defaults(&self, name: &str) -> AlexEnvironment {
        self.alex_environments.get(name).cloned().unwrap_or_default()
    }
}

fn override_value(current: &toml::Value, var: &str, raw: &str) -> Result<toml::Value, ConfigError> {
    let bad = |expected| ConfigError::BadEnv {
        var: var.into(),
        value: raw.into(),
        expected,
    };
    Ok(match current {
        toml::Value::Integer(_) => toml::Value::Integer(raw.trim().parse().map_err(|_| bad("integer"))?),
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return Err(bad("boolean")),
        }),
        toml::Value::Array(_) => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_string()))
                .collect(),
        ),
        toml::Value::Table(_) => return Err(bad("value (tables cannot be overridden)")),
        _ => toml::Value::String(raw.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml")).unwrap()
    }

    #[test]
    fn shipped_leptos_toml_parses() {
        let s = Settings::from_toml_with_env(&shipped(), "Leptos.toml".as_ref(), |_| None).unwrap();
        assert_eq!(s.max_long_edge_px, 1920);
        assert_eq!(s.max_image_bytes, 1_000_000);
        assert!(s.alex_environment_defaults("uat").fhir_base_url.contains("alexapiuat"));
        assert_eq!(s.required_fields, ["body_site", "laterality", "image_type"]);
        assert!(!s.follow_up_tasks, "follow-up tasks are off by default");
    }

    #[test]
    fn env_overrides_scalars_and_lists() {
        let s = Settings::from_toml_with_env(&shipped(), "Leptos.toml".as_ref(), |k| match k {
            "APP_DATA_DIR" => Some("/tmp/x".into()),
            "APP_MAX_LONG_EDGE_PX" => Some("1600".into()),
            "APP_PHONE_HANDOFF" => Some("off".into()),
            "APP_COMMIT_TARGETS" => Some("media, scan_pdf".into()),
            "APP_FOLLOW_UP_TASKS" => Some("true".into()),
            _ => None,
        })
        .unwrap();
        assert!(s.follow_up_tasks);
        assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(s.max_long_edge_px, 1600);
        assert!(!s.phone_handoff);
        assert_eq!(s.commit_targets, ["media", "scan_pdf"]);
    }

    #[test]
    fn bad_override_names_the_variable() {
        let err = Settings::from_toml_with_env(&shipped(), "Leptos.toml".as_ref(), |k| {
            (k == "APP_MAX_IMAGE_BYTES").then(|| "lots".into())
        })
        .unwrap_err();
        assert!(err.to_string().contains("APP_MAX_IMAGE_BYTES"), "{err}");
    }

    #[test]
    fn unknown_required_field_is_refused() {
        let err = Settings::from_toml_with_env(&shipped(), "Leptos.toml".as_ref(), |k| {
            (k == "APP_REQUIRED_FIELDS").then(|| "body_site,colour".into())
        })
        .unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
