//! Where ALEX is and who we are to it. Secrets come only from the environment and live in a
//! type that cannot be printed; with no `ALEX_CLIENT_ID` the embedded simulator stands in.

use secrecy::SecretString;
use std::time::Duration;

use crate::config::Settings;

/// The exact environment variable names operators and scripts rely on.
pub mod vars {
    pub const FHIR_BASE_URL: &str = "ALEX_FHIR_BASE_URL";
    pub const TOKEN_URL: &str = "ALEX_TOKEN_URL";
    pub const CLIENT_ID: &str = "ALEX_CLIENT_ID";
    pub const CLIENT_SECRET: &str = "ALEX_CLIENT_SECRET";
    pub const SCOPE: &str = "ALEX_SCOPE";
    pub const LAUNCH_BASE_URL: &str = "ALEX_LAUNCH_BASE_URL";
    pub const FACILITY_ALLOWLIST: &str = "ALEX_FACILITY_ALLOWLIST";
    pub const ENVIRONMENT: &str = "ALEX_ENVIRONMENT";
}

/// Everything the gateway needs to reach one ALEX deployment.
#[derive(Debug, Clone)]
pub struct AlexConfig {
    pub fhir_base_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub scope: String,
    pub launch_base_url: String,
    /// When set, every other facility is refused before ALEX is called.
    pub facility_allowlist: Option<Vec<String>>,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// A whole FHIR call (reads and writes; a 1 MB Media is ~1.4 MB of JSON).
    pub request: Duration,
    pub token: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
            token: Duration::from_secs(15),
        }
    }
}

/// Bounded exponential backoff with jitter, for transient faults only.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the call fails as throttled.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(20),
        }
    }
}

/// How the app reaches ALEX, decided once at start-up.
#[derive(Debug)]
pub enum AlexMode {
    Live(Box<AlexConfig>),
    /// No credentials configured: start the embedded simulator and point the gateway at it.
    Simulator {
        facility_allowlist: Option<Vec<String>>,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AlexConfigError {
    #[error("{missing} is not set, but {because} is: set both, or neither to use the simulator")]
    Partial {
        missing: &'static str,
        because: &'static str,
    },
    #[error("{var} is not set and ALEX environment {environment:?} has no default for it")]
    NoDefault { var: &'static str, environment: String },
    #[error("{var} must be an http(s) URL")]
    BadUrl { var: &'static str },
    #[error(
        "ALEX_CLIENT_ID and ALEX_CLIENT_SECRET are not set, and the ALEX environment is {environment:?}: \
         set both (from Medtech), or choose alex_environment = \"simulator\" for the embedded simulator"
    )]
    NoCredentials { environment: String },
    #[error(
        "ALEX credentials are set but the ALEX environment is \"simulator\": set ALEX_ENVIRONMENT to \"uat\" \
         or \"production\", or unset the credentials"
    )]
    CredentialsWithSimulator,
}

/// The ALEX environment name that selects the embedded simulator (the shipped development default).
pub const SIMULATOR: &str = "simulator";

impl AlexMode {
    pub fn from_env(settings: &Settings, env: impl Fn(&str) -> Option<String>) -> Result<AlexMode, AlexConfigError> {
        let get = |k: &str| env(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let allowlist = get(vars::FACILITY_ALLOWLIST).map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        });
        let (id, secret) = (get(vars::CLIENT_ID), get(vars::CLIENT_SECRET));
        let environment = get(vars::ENVIRONMENT).unwrap_or_else(|| settings.alex_environment.clone());
        let (client_id, client_secret) = match (id, secret) {
            (Some(_), None) => {
                return Err(AlexConfigError::Partial {
                    missing: vars::CLIENT_SECRET,
                    because: vars::CLIENT_ID,
                });
            }
            (None, Some(_)) => {
                return Err(AlexConfigError::Partial {
                    missing: vars::CLIENT_ID,
                    because: vars::CLIENT_SECRET,
                });
            }
            // The simulator runs only when chosen, never as a fallback for missing credentials.
            (None, None) if environment == SIMULATOR => {
                return Ok(AlexMode::Simulator {
                    facility_allowlist: allowlist,
                });
            }
            (None, None) => return Err(AlexConfigError::NoCredentials { environment }),
            (Some(_), Some(_)) if environment == SIMULATOR => return Err(AlexConfigError::CredentialsWithSimulator),
            (Some(id), Some(secret)) => (id, SecretString::from(secret)),
        };
        let defaults = settings.alex_environment_defaults(&environment);
        let pick = |var: &'static str, default: &str| -> Result<String, AlexConfigError> {
            let value = get(var).or_else(|| Some(default.to_string()).filter(|d| !d.is_empty()));
            value.ok_or_else(|| AlexConfigError::NoDefault {
                var,
                environment: environment.clone(),
            })
        };
        let url = |var: &'static str, value: String| {
            if value.starts_with("https://") || value.starts_with("http://") {
                Ok(value.trim_end_matches('/').to_string())
            } else {
                Err(AlexConfigError::BadUrl { var })
            }
        };
        let fhir_base_url = url(vars::FHIR_BASE_URL, pick(vars::FHIR_BASE_URL, &defaults.fhir_base_url)?)?;
        let token_url = url(vars::TOKEN_URL, pick(vars::TOKEN_URL, &defaults.token_url)?)?;
        let scope = pick(vars::SCOPE, &defaults.scope)?;
        let launch_base_url = match get(vars::LAUNCH_BASE_URL) {
            Some(v) => url(vars::LAUNCH_BASE_URL, v)?,
            None => fhir_base_url.clone(),
        };
        Ok(AlexMode::Live(Box::new(AlexConfig {
            fhir_base_url,
            token_url,
            client_id,
            client_secret,
            scope,
            launch_base_url,
            facility_allowlist: allowlist,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn settings() -> Settings {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml")).unwrap();
        Settings::from_toml_with_env(&text, "Leptos.toml".as_ref(), |_| None).unwrap()
    }

    fn mode(vars: &[(&str, &str)]) -> Result<AlexMode, AlexConfigError> {
        AlexMode::from_env(&settings(), |k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn no_credentials_means_simulator() {
        assert!(matches!(
            mode(&[]),
            Ok(AlexMode::Simulator {
                facility_allowlist: None
            })
        ));
        let Ok(AlexMode::Simulator { facility_allowlist }) = mode(&[(vars::FACILITY_ALLOWLIST, "F2N060-E, F99669-C")])
        else {
            panic!()
        };
        assert_eq!(facility_allowlist.unwrap(), ["F2N060-E", "F99669-C"]);
    }

    #[test]
    fn the_simulator_runs_only_when_chosen() {
        // Any real environment without credentials refuses to start, naming what is missing.
        for env in ["uat", "production"] {
            let err = mode(&[(vars::ENVIRONMENT, env)]).unwrap_err();
            assert_eq!(
                err,
                AlexConfigError::NoCredentials {
                    environment: env.into()
                }
            );
            assert!(
                err.to_string().contains("ALEX_CLIENT_ID and ALEX_CLIENT_SECRET"),
                "{err}"
            );
        }
        // Credentials with the simulator chosen is a contradiction, not a guess.
        assert_eq!(
            mode(&[(vars::CLIENT_ID, "id"), (vars::CLIENT_SECRET, "pw")]).unwrap_err(),
            AlexConfigError::CredentialsWithSimulator
        );
    }

    #[test]
    fn partial_credentials_name_the_missing_variable() {
        let err = mode(&[(vars::CLIENT_ID, "abc")]).unwrap_err();
        assert!(err.to_string().starts_with("ALEX_CLIENT_SECRET is not set"), "{err}");
        let err = mode(&[(vars::CLIENT_SECRET, "s3cret")]).unwrap_err();
        assert!(err.to_string().starts_with("ALEX_CLIENT_ID is not set"), "{err}");
        assert!(!err.to_string().contains("s3cret"));
    }

    #[test]
    fn uat_defaults_fill_urls_and_env_overrides_them() {
        let Ok(AlexMode::Live(c)) = mode(&[
            (vars::CLIENT_ID, "id"),
            (vars::CLIENT_SECRET, "pw"),
            (vars::ENVIRONMENT, "uat"),
        ]) else {
            panic!()
        };
        assert_eq!(c.fhir_base_url, "https://alexapiuat.medtechglobal.com/FHIR");
        assert_eq!(c.launch_base_url, c.fhir_base_url);
        assert!(c.scope.starts_with("api://bf7945a6"));
        assert_eq!(c.client_secret.expose_secret(), "pw");
        assert!(!format!("{c:?}").contains("pw\""), "secret must not print");
        let Ok(AlexMode::Live(c)) = mode(&[
            (vars::CLIENT_ID, "id"),
            (vars::CLIENT_SECRET, "pw"),
            (vars::ENVIRONMENT, "uat"),
            (vars::FHIR_BASE_URL, "http://127.0.0.1:9/FHIR/"),
            (vars::LAUNCH_BASE_URL, "http://127.0.0.1:9"),
        ]) else {
            panic!()
        };
        assert_eq!(c.fhir_base_url, "http://127.0.0.1:9/FHIR");
        assert_eq!(c.launch_base_url, "http://127.0.0.1:9");
    }

    #[test]
    fn production_needs_explicit_token_url_and_scope() {
        let err = mode(&[
            (vars::CLIENT_ID, "id"),
            (vars::CLIENT_SECRET, "pw"),
            (vars::ENVIRONMENT, "production"),
        ])
        .unwrap_err();
        assert_eq!(
            err,
            AlexConfigError::NoDefault {
                var: vars::TOKEN_URL,
                environment: "production".into()
            }
        );
    }
}
