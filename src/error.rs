//! The error every server function returns: a kind the code can match on, and a message in
//! plain English for the GP. Shared by server and browser.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No such launch session (or phone link): it never existed or was removed.
    SessionUnknown,
    SessionExpired,
    /// The session exists but this browser did not open it.
    NotThisBrowser,
    /// The launch had no patient open.
    NoPatient,
    InvalidInput,
    TooLarge,
    /// A request body arrived too slowly and was cut (its resources are freed for others).
    TooSlow,
    NotAnImage,
    NotFound,
    /// The request conflicts with the photo's state (e.g. already committed).
    Conflict,
    /// ALEX refused or failed; the message says what to do.
    Medtech,
    /// Medtech could not be reached; worth retrying later.
    MedtechUnavailable,
    /// The browser could not reach our server.
    Network,
    /// The server is at its limit for now (memory budget); trying again later works.
    Busy,
    /// A stored image or document is not the one recorded (its SHA-256 differs): never sent.
    Integrity,
    Internal,
}

impl ErrorKind {
    /// The kind's name as it is serialised (`not_an_image`): for metrics labels and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::SessionUnknown => "session_unknown",
            ErrorKind::SessionExpired => "session_expired",
            ErrorKind::NotThisBrowser => "not_this_browser",
            ErrorKind::NoPatient => "no_patient",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::TooSlow => "too_slow",
            ErrorKind::NotAnImage => "not_an_image",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Medtech => "medtech",
            ErrorKind::MedtechUnavailable => "medtech_unavailable",
            ErrorKind::Network => "network",
            ErrorKind::Busy => "busy",
            ErrorKind::Integrity => "integrity",
            ErrorKind::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    /// Plain English for the GP.
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
        }
    }

    pub fn internal() -> Self {
        AppError::new(
            ErrorKind::Internal,
            "Something went wrong on our side. Your photos are kept; please try again.",
        )
    }

    pub fn session_unknown() -> Self {
        AppError::new(
            ErrorKind::SessionUnknown,
            "This widget session is not known. Open the patient in Medtech and click the icon again.",
        )
    }

    pub fn session_expired() -> Self {
        AppError::new(
            ErrorKind::SessionExpired,
            "This widget session has expired. Open the patient in Medtech and click the icon again.",
        )
    }

    pub fn not_this_browser() -> Self {
        AppError::new(
            ErrorKind::NotThisBrowser,
            "This session was opened in another browser. Open the patient in Medtech and click the icon again.",
        )
    }

    pub fn no_patient() -> Self {
        AppError::new(
            ErrorKind::NoPatient,
            "Open a patient in Medtech first, then click the icon again.",
        )
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::new(ErrorKind::InvalidInput, message)
    }

    /// The HTTP status a server function answers with.
    pub fn status(&self) -> u16 {
        match self.kind {
            ErrorKind::SessionUnknown | ErrorKind::NotFound => 404,
            ErrorKind::SessionExpired => 410,
            ErrorKind::NotThisBrowser => 403,
            ErrorKind::NoPatient | ErrorKind::Conflict | ErrorKind::Integrity => 409,
            ErrorKind::InvalidInput | ErrorKind::NotAnImage => 400,
            ErrorKind::TooLarge => 413,
            ErrorKind::TooSlow => 408,
            ErrorKind::Medtech => 502,
            ErrorKind::MedtechUnavailable | ErrorKind::Busy => 503,
            ErrorKind::Network | ErrorKind::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::new(
                ErrorKind::Network,
                "We could not reach the Clinical Images server. Check the connection and try again.",
            ),
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::invalid("The request was not understood.")
            }
            _ => AppError::internal(),
        }
    }
}

/// A page's data whose failure is also the page's HTTP status (404, 410, …). The status is set the
/// moment the data is known — inside the resource, before a blocking resource lets the page's head
/// go out — so it never races the rendering.
pub fn with_page_status<T>(
    data: impl std::future::Future<Output = Result<T, AppError>>,
) -> impl std::future::Future<Output = Result<T, AppError>> {
    #[cfg(feature = "ssr")]
    let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
    async move {
        let result = data.await;
        #[cfg(feature = "ssr")]
        if let (Err(e), Some(response)) = (&result, &response)
            && let Ok(code) = axum::http::StatusCode::from_u16(e.status())
        {
            response.set_status(code);
        }
        result
    }
}

#[cfg(test)]
mod kind_tests {
    use super::ErrorKind::*;

    #[test]
    fn a_kind_is_named_as_it_is_serialised() {
        for k in [
            SessionUnknown,
            SessionExpired,
            NotThisBrowser,
            NoPatient,
            InvalidInput,
            TooLarge,
            TooSlow,
            NotAnImage,
            NotFound,
            Conflict,
            Medtech,
            MedtechUnavailable,
            Network,
            Busy,
            Integrity,
            Internal,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str(), "{k:?}");
        }
    }
}
