use super::*;

fn guard(frame_ancestors: &str, proxies: &[&str], public_url: &str) -> Guard {
    Guard {
        frame_ancestors: frame_ancestors.into(),
        trusted_proxies: proxies.iter().map(|p| p.parse().unwrap()).collect(),
        public_authority: authority(public_url).map(str::to_ascii_lowercase),
        reload_socket: None,
    }
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn forwarded_scheme_and_address_are_believed_only_from_trusted_proxies() {
    let g = guard("'self'", &["10.0.0.5"], "");
    let h = headers(&[("x-forwarded-proto", "https"), ("x-forwarded-for", "203.0.113.7")]);
    let stranger: IpAddr = "198.51.100.1".parse().unwrap();
    assert_eq!(
        g.client(stranger, &h),
        Client {
            ip: stranger,
            https: false
        }
    );
    let proxy: IpAddr = "10.0.0.5".parse().unwrap();
    assert_eq!(
        g.client(proxy, &h),
        Client {
            ip: "203.0.113.7".parse().unwrap(),
            https: true
        }
    );
}

#[test]
fn state_changes_from_other_sites_are_refused() {
    let g = guard("'self'", &[], "https://images.example.nz");
    let post = Method::POST;
    let form = ("content-type", "application/x-www-form-urlencoded");
    let len = ("content-length", "10");
    let ok = |h: &[(&'static str, &str)]| g.same_origin(&post, &headers(h)).is_ok();
    assert!(ok(&[("sec-fetch-site", "same-origin"), form, len]));
    assert!(
        !ok(&[("sec-fetch-site", "same-site"), form, len]),
        "another port or subdomain"
    );
    assert!(!ok(&[("sec-fetch-site", "cross-site"), form, len]));
    // Engines without Sec-Fetch-Site: Origin decides.
    assert!(ok(&[
        ("host", "127.0.0.1:3000"),
        ("origin", "http://127.0.0.1:3000"),
        form,
        len
    ]));
    assert!(!ok(&[
        ("host", "127.0.0.1:3000"),
        ("origin", "http://evil.example"),
        form,
        len
    ]));
    assert!(!ok(&[("host", "127.0.0.1:3000"), ("origin", "null"), form, len]));
    assert!(
        ok(&[
            ("host", "10.1.1.1:8080"),
            ("origin", "https://images.example.nz"),
            form,
            len
        ]),
        "public_url"
    );
    // No browser page: neither header.
    assert!(ok(&[form, len]));
    // An engine that sends no fetch metadata and no Origin: a foreign Referer is another site's
    // form; our own pages send no Referer at all.
    let old_engine = |referer: &'static str| ok(&[("host", "127.0.0.1:3000"), ("referer", referer), form, len]);
    assert!(!old_engine("https://evil.example/forms/remove.html"));
    assert!(!old_engine("https://127.0.0.1:3000.evil.example/"));
    assert!(!old_engine("not a url"));
    assert!(old_engine("http://127.0.0.1:3000/w/abc/basic"));
    assert!(old_engine("https://images.example.nz/w/abc"), "public_url");
    // Reads are never refused.
    assert!(
        g.same_origin(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")]))
            .is_ok()
    );
    // A body must be of a type our routes read.
    assert!(!ok(&[
        ("sec-fetch-site", "same-origin"),
        ("content-type", "text/plain"),
        len
    ]));
    assert!(!ok(&[("sec-fetch-site", "same-origin"), len]));
    assert!(ok(&[
        ("sec-fetch-site", "same-origin"),
        ("content-type", "multipart/form-data; boundary=x"),
        len
    ]));
    assert!(ok(&[("sec-fetch-site", "same-origin")]), "no body, no type needed");
}

#[test]
fn frame_options_say_what_frame_ancestors_says() {
    let xfo = |fa: &str| {
        guard(fa, &[], "")
            .frame_options()
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(xfo("'self'").as_deref(), Some("SAMEORIGIN"));
    assert_eq!(xfo("'none'").as_deref(), Some("DENY"));
    assert_eq!(
        xfo("https://portal.example").as_deref(),
        Some("ALLOW-FROM https://portal.example")
    );
    assert_eq!(xfo("'self' https://portal.example"), None);
}

#[test]
fn csp_limits_scripts_to_ours_and_the_nonce() {
    let csp = guard("'self'", &[], "").csp("abc");
    assert!(
        csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-eval'") || csp.contains("'wasm-unsafe-eval'"));
    assert!(csp.contains("frame-ancestors 'self'") && csp.contains("object-src 'none'"));
}

#[test]
fn authorities_are_read_from_urls() {
    assert_eq!(authority("https://a.example:8443/x?y"), Some("a.example:8443"));
    assert_eq!(authority("http://a"), Some("a"));
    assert_eq!(authority("null"), None);
    assert_eq!(authority(""), None);
}

#[test]
fn forwarded_for_is_believed_only_as_far_as_the_trusted_proxies() {
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let proxies = [ip("10.0.0.5"), ip("10.0.0.6")];
    let peer = ip("10.0.0.5");
    assert_eq!(forwarded_client(peer, "203.0.113.7", &proxies), ip("203.0.113.7"));
    // A client that writes its own header cannot choose its address: the nearest untrusted hop counts.
    assert_eq!(
        forwarded_client(peer, "1.2.3.4, 203.0.113.7", &proxies),
        ip("203.0.113.7")
    );
    assert_eq!(
        forwarded_client(peer, "203.0.113.7, 10.0.0.6", &proxies),
        ip("203.0.113.7")
    );
    // Nothing usable: the proxy itself.
    assert_eq!(forwarded_client(peer, "", &proxies), peer);
    assert_eq!(forwarded_client(peer, "garbage", &proxies), peer);
}
