use super::*;
use crate::alex::segments::{launch_segment, segment};

#[test]
fn ids_come_out_of_alex_locations() {
    assert_eq!(
        id_from_location("https://x/fhir/Media/abc/_history/1", "Media").as_deref(),
        Some("abc")
    );
    assert_eq!(
        id_from_location("https://x/FHIR/Media/abc", "Media").as_deref(),
        Some("abc")
    );
    assert_eq!(id_from_location("https://x/fhir/Other/abc", "Media"), None);
}

#[test]
fn backoff_grows_and_is_capped() {
    let p = RetryPolicy::default();
    for r in 0..20 {
        let d = backoff(&p, r);
        assert!(d <= p.max_delay, "{d:?}");
        assert!(d >= p.base_delay.saturating_mul(1 << r.min(16)).min(p.max_delay) / 2);
    }
}

#[test]
fn logged_urls_carry_no_query_or_launch_token() {
    assert_eq!(
        loggable("https://a/FHIR/Patient?identifier=x%7CZZZ0016"),
        "/FHIR/Patient"
    );
    assert_eq!(
        loggable("https://a/vendorforms/api/getlaunchcontextstring/c/s"),
        "/vendorforms/api/getlaunchcontextstring/…"
    );
    // A resource's id is patient identity: the route's shape is logged instead.
    assert_eq!(
        loggable("https://a/FHIR/Patient/0f3c9a0e-7b1d-4c55-9a2e-1f0e5d6c7b8a"),
        "/FHIR/Patient/{id}"
    );
    assert_eq!(
        loggable("https://a/fhir/Media/m1/_history/1"),
        "/fhir/Media/{id}/_history/1"
    );
    assert_eq!(loggable("https://a/FHIR/DocumentReference"), "/FHIR/DocumentReference");
    // The simulator logs what it is asked the same way.
    assert_eq!(
        crate::alex::wire::loggable_path("/FHIR/Patient/abc123"),
        "/FHIR/Patient/{id}"
    );
    assert_eq!(
        loggable("https://a/FHIR/Location/$everything"),
        "/FHIR/Location/$everything"
    );
}

#[test]
fn path_segments_from_outside_are_checked() {
    assert!(segment("0123abcd").is_ok());
    assert!(segment("../Patient").is_err());
    assert!(segment("a/b").is_err());
    assert!(segment("").is_err());
    assert!(segment("..").is_err() && segment(".").is_err());
    assert!(launch_segment("..").is_err() && launch_segment("a%2F..").is_err() && launch_segment("a.b").is_err());
    assert_eq!(launch_segment("ab+c/d==").unwrap(), "ab%2Bc%2Fd%3D%3D");
    assert_eq!(launch_segment("ab-c_d").unwrap(), "ab-c_d");
}
