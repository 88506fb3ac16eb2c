use super::*;

fn ua(s: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::USER_AGENT, s.parse().unwrap());
    h
}

fn is(family: Family, major: Option<u16>) -> Engine {
    Engine { family, major }
}

#[test]
fn chromium_browsers_and_their_versions() {
    assert_eq!(
        parse(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        ),
        is(Family::Chromium, Some(131))
    );
    assert_eq!(
        parse(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.7444.0 Safari/537.36"
        ),
        is(Family::Chromium, Some(142))
    );
    assert_eq!(
        parse(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"
        ),
        is(Family::Edge, Some(120))
    );
}

#[test]
fn embedded_engines_are_told_apart() {
    // Edge WebView2 as an app that says so; Android WebView (`; wv)`): the Chromium version.
    assert_eq!(
        parse(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36 Edg/118.0.2088.46 WebView2"
        ),
        is(Family::WebView, Some(118))
    );
    assert_eq!(
        parse(
            "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36"
        ),
        is(Family::WebView, Some(124))
    );
    // Internet Explorer 11 (the WebBrowser control in IE11 mode), IE 10 and IE 7 compatibility
    // view on Trident 7 (the control's default), and the first Edge.
    assert_eq!(
        parse("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; rv:11.0) like Gecko"),
        is(Family::Trident, Some(11))
    );
    assert_eq!(
        parse("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)"),
        is(Family::Trident, Some(10))
    );
    assert_eq!(
        parse("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C)"),
        is(Family::Trident, Some(7))
    );
    assert_eq!(
        parse("Mozilla/5.0 (Windows NT 10.0; Trident/7.0)"),
        is(Family::Trident, Some(11))
    );
    assert_eq!(
        parse(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041"
        ),
        is(Family::EdgeHtml, Some(18))
    );
}

#[test]
fn firefox_and_safari() {
    assert_eq!(
        parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"),
        is(Family::Firefox, Some(128))
    );
    assert_eq!(
        parse(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
        ),
        is(Family::Safari, Some(17))
    );
    assert_eq!(
        parse(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        ),
        is(Family::Safari, None)
    );
}

#[test]
fn anything_else_is_other_and_versions_are_bounded() {
    assert_eq!(of(&HeaderMap::new()), is(Family::Other, None));
    assert_eq!(parse("curl/8.5.0"), is(Family::Other, None));
    assert_eq!(parse("Chrome/99999999999"), is(Family::Chromium, None));
    assert_eq!(parse("Chrome/0.1"), is(Family::Chromium, None));
    assert_eq!(parse("Firefox/"), is(Family::Firefox, None));
    assert_eq!(
        of(&ua("Mozilla/5.0 Gecko/20100101 Firefox/115.0")),
        is(Family::Firefox, Some(115))
    );
}
