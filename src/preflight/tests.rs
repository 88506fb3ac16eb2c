use super::*;

fn parse(args: &[&str]) -> Result<Options, UsageError> {
    Options::parse(args.iter().map(|s| s.to_string()))
}

#[test]
fn arguments_parse_in_both_spellings() {
    let o = parse(&[
        "--nhi",
        "ZZZ0016",
        "--launch-url=https://x/launch?context=a&signature=b",
        "--facility",
        "F2N060-E",
    ])
    .unwrap();
    assert_eq!(o.nhi.unwrap().to_string(), "ZZZ0016");
    assert_eq!(o.launch_url.as_deref(), Some("https://x/launch?context=a&signature=b"));
    assert_eq!(o.facility.as_deref(), Some("F2N060-E"));
    assert!(o.post_test_media.is_none());
    let o = parse(&["--post-test-media", "--patient-nhi=ZZZ0024"]).unwrap();
    assert_eq!(o.post_test_media.unwrap().to_string(), "ZZZ0024");
    assert!(parse(&[]).is_ok());
}

#[test]
fn bad_usage_says_what_to_type() {
    for (args, says) in [
        (&["--nhi"][..], "--nhi needs a value"),
        (&["--nhi", "ZZZ0017"][..], "not a valid NHI"),
        (&["--bogus"][..], "unknown argument"),
        (&["--post-test-media"][..], "needs --patient-nhi"),
        (&["--patient-nhi", "ZZZ0016"][..], "only used with --post-test-media"),
        // Only a test patient (an NHI starting with Z) ever receives the test image.
        (&["--post-test-media", "--patient-nhi", "ABC1235"][..], "not a test NHI"),
        (&["--help"][..], "usage: clinical-images check"),
    ] {
        let err = parse(args).unwrap_err();
        assert!(err.0.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn checklist_marks_each_step_and_gives_the_next_step() {
    let mut r = Report {
        heading: "clinical-images check".into(),
        steps: Vec::new(),
    };
    r.pass("token", "issued");
    assert!(r.passed());
    assert_eq!(r.exit_code(), 0);
    r.fail("facility F00000-X", "not mapped", "ask Medtech to map it");
    assert!(!r.passed());
    assert_eq!(r.exit_code(), 1);
    let text = r.render();
    assert!(text.contains("✓ token: issued\n"), "{text}");
    assert!(
        text.contains("✗ facility F00000-X: not mapped\n    → ask Medtech to map it\n"),
        "{text}"
    );
    assert!(text.ends_with("1 of 2 checks failed.\n"), "{text}");
    // An empty checklist proves nothing: it is not a pass.
    assert!(!Report::default().passed());
}
