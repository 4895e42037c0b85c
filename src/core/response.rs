//! How a successful response becomes the result: the `responseType` option and, for "auto", the choice by
//! status, method and content type. The reading itself happens in JS (`Response.text()` and friends).

/// The `responseType` request option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseType {
    /// Decide by content type (the default).
    #[default]
    Auto,
    /// Parse as JSON (an empty body gives `undefined`).
    Json,
    /// The body as a string.
    Text,
    /// The body as a `Blob`.
    Blob,
    /// The body as an `ArrayBuffer`.
    ArrayBuffer,
    /// The `Response` itself, body unread.
    Response,
}

impl ResponseType {
    /// Parses the option; `None` for an unknown value.
    pub fn parse(value: &str) -> Option<ResponseType> {
        Some(match value {
            "auto" => ResponseType::Auto,
            "json" => ResponseType::Json,
            "text" => ResponseType::Text,
            "blob" => ResponseType::Blob,
            "arrayBuffer" => ResponseType::ArrayBuffer,
            "response" => ResponseType::Response,
            _ => return None,
        })
    }
}

/// What to read from a successful response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// Nothing: the result is `undefined` (204, 205, HEAD).
    Empty,
    /// Text, then `JSON.parse` (empty text gives `undefined`).
    Json,
    /// Text.
    Text,
    /// A Blob (an empty one gives `undefined` under "auto").
    Blob,
    /// An ArrayBuffer.
    ArrayBuffer,
    /// The Response itself.
    Response,
}

/// True for `application/json`, `application/problem+json`, `*/*+json` and the like.
pub fn is_json_type(content_type: &str) -> bool {
    let mime = crate::core::text::before_any(content_type, b";").trim_ascii().to_ascii_lowercase();
    mime == "application/json" || mime.as_bytes().ends_with(b"+json") || mime == "text/json"
}

/// What to read for a 2xx answer.
pub fn body_kind(response_type: ResponseType, status: u16, method: &str, content_type: Option<&str>) -> BodyKind {
    if response_type == ResponseType::Response {
        return BodyKind::Response;
    }
    if status == 204 || status == 205 || method == "HEAD" {
        return BodyKind::Empty;
    }
    match response_type {
        ResponseType::Json => BodyKind::Json,
        ResponseType::Text => BodyKind::Text,
        ResponseType::Blob => BodyKind::Blob,
        ResponseType::ArrayBuffer => BodyKind::ArrayBuffer,
        _ => match content_type {
            Some(ct) if is_json_type(ct) => BodyKind::Json,
            Some(ct) if ct.trim_ascii().as_bytes().get(..5).is_some_and(|t| t.eq_ignore_ascii_case(b"text/")) => BodyKind::Text,
            _ => BodyKind::Blob,
        },
    }
}

/// How the JS shell reads a successful body: the code `readBody` in js/runtime.js takes, so one attempt awaits
/// one body promise whatever its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReadAs {
    /// `response.text()`.
    Text = 1,
    /// `response.arrayBuffer()`.
    ArrayBuffer = 2,
    /// `response.blob()`, `undefined` when empty ("auto": an empty body is no result).
    BlobOrNothing = 3,
    /// `response.blob()`.
    Blob = 4,
    /// The text, then `JSON.parse`; blank text (whitespace, a lone BOM) gives `undefined` as an empty body does, so
    /// the outcome is the same whether the length was told or the body chunked.
    Json = 5,
}

/// What to read for a body of `kind` (`None`: nothing, the result is `undefined`; the `Response` kind is handed
/// over as it is, not read). `content_length` is the header's value.
pub fn read_as(kind: BodyKind, response_type: ResponseType, content_length: Option<&str>) -> Option<ReadAs> {
    Some(match kind {
        BodyKind::Empty | BodyKind::Response => return None,
        BodyKind::Text => ReadAs::Text,
        BodyKind::ArrayBuffer => ReadAs::ArrayBuffer,
        BodyKind::Blob if response_type == ResponseType::Auto => ReadAs::BlobOrNothing,
        BodyKind::Blob => ReadAs::Blob,
        BodyKind::Json if content_length.map(str::trim_ascii) == Some("0") => return None,
        BodyKind::Json => ReadAs::Json,
    })
}

/// Whether an error body is worth `JSON.parse`: it says it is JSON, or its first character (a UTF-16 code unit, as
/// JS gives it) opens an object or array; servers often send JSON error bodies as `text/plain` or `text/html`.
#[inline(never)]
pub fn error_body_may_be_json(content_type: Option<&str>, first_char: u16) -> bool {
    content_type.is_some_and(is_json_type) || first_char == u16::from(b'{') || first_char == u16::from(b'[')
}

/// A redirect status the client follows itself (so that it can check where credentials go).
#[inline(never)]
pub fn is_followed_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// How following a redirect changes the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedirectChange {
    /// Continue as GET without a body (and without its Content-Type).
    pub becomes_get: bool,
    /// Leave out the apiKey header and Authorization: the target is not baseUrl's origin.
    pub drops_credentials: bool,
}

/// The change a redirect of `status` makes to a `method` request whose target is (or is not) on baseUrl's origin:
/// 303, and 301/302 after a POST, continue as GET, as browsers do; 307/308 keep method and body.
pub fn redirect_change(status: u16, method: &str, same_origin: bool) -> RedirectChange {
    RedirectChange {
        becomes_get: status == 303 || (matches!(status, 301 | 302) && method == "POST"),
        drops_credentials: !same_origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_worth_parsing() {
        let cases = [
            (Some("application/json"), b'x', true),
            (Some("application/problem+json; charset=utf-8"), b' ', true),
            (Some("text/plain"), b'{', true),
            (Some("text/html"), b'[', true),
            (None, b'{', true),
            (Some("text/html"), b'<', false),
            (None, b'n', false),
        ];
        for (ct, first, want) in cases {
            assert_eq!(error_body_may_be_json(ct, u16::from(first)), want, "{ct:?} {}", first as char);
        }
    }

    #[test]
    fn how_bodies_are_read() {
        use ResponseType as T;
        let cases = [
            (BodyKind::Empty, T::Auto, Some("12"), None),
            (BodyKind::Response, T::Response, None, None),
            (BodyKind::Text, T::Auto, None, Some(ReadAs::Text)),
            (BodyKind::ArrayBuffer, T::ArrayBuffer, None, Some(ReadAs::ArrayBuffer)),
            (BodyKind::Blob, T::Auto, None, Some(ReadAs::BlobOrNothing)),
            (BodyKind::Blob, T::Blob, Some("0"), Some(ReadAs::Blob)),
            (BodyKind::Json, T::Auto, Some(" 0 "), None),
            (BodyKind::Json, T::Json, Some("17"), Some(ReadAs::Json)),
            (BodyKind::Json, T::Auto, None, Some(ReadAs::Json)),
        ];
        for (kind, rt, length, want) in cases {
            assert_eq!(read_as(kind, rt, length), want, "{kind:?} {rt:?} {length:?}");
        }
    }

    #[test]
    fn redirects() {
        assert!((301..=303).chain(307..=308).all(is_followed_redirect));
        assert!(![300, 304, 305, 306, 200, 404].into_iter().any(is_followed_redirect));
        let change = |status, method, same| {
            let c = redirect_change(status, method, same);
            (c.becomes_get, c.drops_credentials)
        };
        let cases = [
            (303, "PUT", true, (true, false)),
            (303, "GET", false, (true, true)),
            (301, "POST", true, (true, false)),
            (302, "POST", true, (true, false)),
            (302, "PUT", true, (false, false)),
            (301, "GET", false, (false, true)),
            (307, "POST", true, (false, false)),
            (308, "POST", false, (false, true)),
        ];
        for (status, method, same, want) in cases {
            assert_eq!(change(status, method, same), want, "{status} {method} same origin {same}");
        }
    }

    #[test]
    fn kinds() {
        use BodyKind::*;
        use ResponseType as T;
        let cases = [
            (T::Auto, 200, "GET", Some("application/json; charset=utf-8"), Json),
            (T::Auto, 200, "GET", Some("application/problem+json"), Json),
            (T::Auto, 200, "GET", Some("application/vnd.api+json"), Json),
            (T::Auto, 200, "GET", Some("text/plain"), Text),
            (T::Auto, 200, "GET", Some("TEXT/HTML"), Text),
            (T::Auto, 200, "GET", Some("image/png"), Blob),
            (T::Auto, 200, "GET", None, Blob),
            (T::Auto, 204, "GET", Some("application/json"), Empty),
            (T::Auto, 200, "HEAD", Some("application/json"), Empty),
            (T::Json, 200, "GET", Some("text/plain"), Json),
            (T::Text, 200, "GET", Some("application/json"), Text),
            (T::ArrayBuffer, 200, "GET", None, ArrayBuffer),
            (T::Response, 204, "GET", None, Response),
        ];
        for (rt, status, method, ct, want) in cases {
            assert_eq!(body_kind(rt, status, method, ct), want, "{rt:?} {status} {method} {ct:?}");
        }
        assert_eq!(ResponseType::parse("arrayBuffer"), Some(ResponseType::ArrayBuffer));
        assert_eq!(ResponseType::parse("xml"), None);
    }
}
