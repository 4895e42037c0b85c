//! Error mapping: HTTP status -> error class and default code, and the error body (in whatever shape the API
//! uses) -> `code`, `message`, `requestId`, `timestamp`, `path` and `fieldErrors`. The body itself stays in JS;
//! the core sees it through [`BodyView`], so the same rules run natively in tests and over a JS value in wasm.

use crate::core::headers::{h, HeaderLookup};
use crate::core::text;

/// The error classes of the contract, one per row of its table. The order is the index js/errors.js takes
/// (`byKind`): change both together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ErrorKind {
    /// 400
    BadRequest,
    /// 401
    Authentication,
    /// 402 (SeaTable: "the parameters were valid but the request failed")
    RequestFailed,
    /// 403
    PermissionDenied,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 422
    UnprocessableEntity,
    /// 429
    RateLimit,
    /// 5xx
    Server,
    /// Any other non-2xx, or a 2xx whose body does not parse.
    Api,
    /// No response at all (DNS, refused, reset, CORS).
    Connection,
    /// An attempt ran past `timeoutMs`, or `poll` past `maxWaitMs`.
    Timeout,
}

impl ErrorKind {
    /// The class for a non-2xx status.
    pub fn for_status(status: u16) -> ErrorKind {
        match status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Authentication,
            402 => ErrorKind::RequestFailed,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            422 => ErrorKind::UnprocessableEntity,
            429 => ErrorKind::RateLimit,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Api,
        }
    }

    /// The JS class name (also the error's `name`).
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "BadRequestError",
            ErrorKind::Authentication => "AuthenticationError",
            ErrorKind::RequestFailed => "RequestFailedError",
            ErrorKind::PermissionDenied => "PermissionDeniedError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::Conflict => "ConflictError",
            ErrorKind::UnprocessableEntity => "UnprocessableEntityError",
            ErrorKind::RateLimit => "RateLimitError",
            ErrorKind::Server => "ServerError",
            ErrorKind::Api => "ApiError",
            ErrorKind::Connection => "ConnectionError",
            ErrorKind::Timeout => "TimeoutError",
        }
    }

    /// The class's default `code`; `ApiError` answers `http_<status>`.
    pub fn default_code(self, status: u16) -> String {
        if self == ErrorKind::Api {
            return http_code(status);
        }
        String::from(text::nth_line(DEFAULT_CODES, self as usize))
    }
}

/// Each class's default `code`, a line each in the order of [`ErrorKind`] (`ApiError`'s line empty: it has none).
const DEFAULT_CODES: &str = "bad_request\nunauthorized\nrequest_failed\nforbidden\nnot_found\nconflict\nunprocessable_entity\n\
    too_many_requests\nserver_error\n\nconnection_error\ntimeout";

fn http_code(status: u16) -> String {
    let mut code = String::from("http_");
    push_u32(&mut code, status as u32);
    code
}

/// Writes a whole number (a status, a duration in ms) in decimal digits ([`text::push_decimal`]).
#[inline(never)]
pub fn push_u32(out: &mut String, n: u32) {
    text::push_decimal(out, u64::from(n));
}

/// A read-only view of a parsed error body (a JSON value, or the text of a non-JSON body).
pub trait BodyView: Sized {
    /// The member `key` of an object; `None` for other values.
    fn member(&self, key: &str) -> Option<Self>;
    /// The value when it is a string.
    fn as_text(&self) -> Option<String>;
    /// The keys when the value is a (non-array) object, in order, at most [`MAX_BODY_ITEMS`] of them.
    fn keys(&self) -> Option<Vec<String>>;
    /// The elements when the value is an array, at most [`MAX_BODY_ITEMS`] of them.
    fn elements(&self) -> Option<Vec<Self>>;
    /// The value as a message when it is a string, number or boolean.
    fn as_scalar_text(&self) -> Option<String> {
        self.as_text()
    }
    /// True when the value is a number.
    fn is_number(&self) -> bool;
    /// True when the value is an array (a view may answer it without listing the elements).
    fn is_list(&self) -> bool {
        self.elements().is_some()
    }
    /// The first element when the value is a non-empty array (a view may answer it without listing the rest).
    fn first(&self) -> Option<Self> {
        self.elements()?.into_iter().next()
    }
}

/// What the core derives from an error body and the response headers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorDetails {
    /// Machine identifier: body `error` (string), `error_code`, `code` (string), else the class default.
    pub code: String,
    /// The server's own text, cut to [`MAX_SERVER_TEXT`] characters, when it gave one.
    pub server_text: Option<String>,
    /// Body `requestId`/`request_id`, else `X-Request-Id`/`Request-Id`/`X-Correlation-Id`.
    pub request_id: Option<String>,
    /// Body `timestamp`.
    pub timestamp: Option<String>,
    /// Body `path`.
    pub path: Option<String>,
    /// Per-field messages (DRF field dictionaries, `non_field_errors`, an `errors` object).
    pub field_errors: Vec<(String, Vec<String>)>,
}

/// At most this many keys of an object, or elements of an array, of an error body are looked at: a real
/// validation error's fields fit many times over, and a hostile body of 300,000 keys costs no more than a small one.
pub const MAX_BODY_ITEMS: usize = 100;

/// Longest server text kept in `message`: enough for any real sentence, short enough for a log line.
pub const MAX_SERVER_TEXT: usize = 300;

/// Longest code or request id shown in `message` (the fields keep them whole): real ones are a few dozen characters.
pub const MAX_ID_TEXT: usize = 100;

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim_ascii().to_string()).filter(|s| !s.is_empty())
}

/// Derives the error details from a body (`None` when empty) and the response headers.
#[inline(never)]
pub fn error_details<B: BodyView>(kind: ErrorKind, status: u16, body: Option<&B>, headers: &(impl HeaderLookup + ?Sized)) -> ErrorDetails {
    let text_of = |key: &str| body.and_then(|b| b.member(key)).and_then(|v| non_empty(v.as_text()));
    // Beside a numeric `statusCode` or `status` (fastify, Express, Spring Boot), an `error` that is the reason
    // phrase ("Too Many Requests", "Forbidden") is not a machine code; "insufficient_scope" there still is.
    let number_of = |key: &str| body.and_then(|b| b.member(key)).is_some_and(|v| v.is_number());
    let error = text_of("error");
    let error_is_phrase = (number_of("statusCode") || number_of("status"))
        && error.as_deref().is_some_and(|e| text::find_byte(e, b' ').is_some() || e.eq_ignore_ascii_case(reason_phrase(status)));
    let code = (if error_is_phrase { None } else { error })
        .or_else(|| text_of("error_code"))
        .or_else(|| text_of("code"))
        .or_else(|| non_empty(first_listed_error(body?)?.member("code")?.as_text()))
        .unwrap_or_else(|| kind.default_code(status));
    let field_errors = body.map(field_errors).unwrap_or_default();
    // A validation body with no sentence of its own speaks through its first field: "title: This field is required."
    let server_text = body.and_then(server_text_of).or_else(|| {
        let (field, messages) = field_errors.first()?;
        Some(format_field(field, messages.first()?))
    });
    let server_text = server_text.map(|t| shorten(&t, MAX_SERVER_TEXT));
    let request_id = text_of("requestId")
        .or_else(|| text_of("request_id"))
        // X-Request-Id, Request-Id, X-Correlation-Id: consecutive in READ_HEADERS (its table test checks).
        .or_else(|| (h::X_REQUEST_ID..h::X_CORRELATION_ID + 1).find_map(|header| non_empty(headers.header(header).map(String::from))));
    ErrorDetails {
        code,
        server_text,
        request_id,
        timestamp: text_of("timestamp"),
        path: text_of("path"),
        field_errors,
    }
}

/// "field: message", or the message alone for DRF's `non_field_errors`.
#[inline(never)]
fn format_field(field: &str, message: &str) -> String {
    if field == "non_field_errors" {
        return message.to_string();
    }
    let mut out = String::with_capacity(field.len() + message.len() + 2);
    out.push_str(field);
    out.push_str(": ");
    out.push_str(message);
    out
}

/// The server's human text: `message`, `error_msg`, `detail`, `title`, `error.message`; for a text body, the
/// `<title>` of an HTML page or the body's first line.
fn server_text_of<B: BodyView>(body: &B) -> Option<String> {
    if let Some(text) = body.as_text() {
        return text_body_summary(&text);
    }
    if let Some(text) = first_text(body, &["message", "error_msg", "detail", "title"]) {
        return Some(text);
    }
    if let Some(text) = body.member("error").and_then(|e| first_text(&e, &["message"])) {
        return Some(text);
    }
    // JSON:API: `{"errors": [{"detail": ..., "title": ...}]}`, the first error speaks.
    let first = first_listed_error(body)?;
    first_text(&first, &["detail", "title", "message"])
}

/// The first of `keys` whose member is non-empty text (trimmed; a number or boolean written out).
fn first_text<B: BodyView>(value: &B, keys: &[&str]) -> Option<String> {
    for key in keys {
        if let Some(text) = non_empty(value.member(key).and_then(|v| v.as_scalar_text())) {
            return Some(text);
        }
    }
    None
}

/// The first element of a body's `errors` array.
fn first_listed_error<B: BodyView>(body: &B) -> Option<B> {
    body.member("errors")?.first()
}

/// A short line from a text body: an HTML page's `<title>` (or nothing: the page stays in `body`), else the first
/// non-empty line.
pub fn text_body_summary(text: &str) -> Option<String> {
    // `trim_ascii`, not `trim_ascii_start`: one trim in the wasm build, and the first line is cut at its `\n` anyway.
    let head = text.trim_ascii();
    // JSON that did not parse (truncated, broken) has no sentence worth showing; the body keeps it.
    let first = head.as_bytes().first().copied();
    if matches!(first, Some(b'{' | b'[')) {
        return None;
    }
    let looks_html = head.len() >= 5 && (head.as_bytes()[..5].eq_ignore_ascii_case(b"<!doc") || head.as_bytes()[..5].eq_ignore_ascii_case(b"<html"));
    if looks_html || first == Some(b'<') {
        return html_title(text);
    }
    non_empty(Some(text::before_any(head, b"\n").to_string()))
}

/// An HTML page's `<title>`, whitespace folded; when it is only the word "Error" (Express's pages) or missing, the
/// first `<h1>` or `<pre>` text instead ("Cannot GET /x").
pub fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let title = element_text(html, &lower, "<title", "</title");
    if title.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("error")) {
        return title;
    }
    element_text(html, &lower, "<h1", "</h1").or_else(|| element_text(html, &lower, "<pre", "</pre")).or(title)
}

/// The text between the first `open` tag of `html` (`lower` is it lower-cased) and its `close`, tags inside dropped.
fn element_text(html: &str, lower: &str, open: &str, close: &str) -> Option<String> {
    let at = text::find(lower, open)?;
    let start = at + text::find_byte(&lower[at..], b'>')? + 1;
    let mut rest = &html[start..start + text::find(&lower[start..], close)?];
    let mut inner = String::with_capacity(rest.len());
    while let Some(lt) = text::find_byte(rest, b'<') {
        inner.push_str(&rest[..lt]);
        rest = text::find_byte(&rest[lt..], b'>').map_or("", |gt| &rest[lt + gt + 1..]);
    }
    inner.push_str(rest);
    non_empty(Some(text::fold_whitespace(&inner)))
}

/// Cuts `text` to at most `max` characters on a char boundary, marking the cut with "…"; newlines become spaces so
/// the message stays one line.
pub fn shorten(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    // Characters counted by their first bytes (no char decoding); CR and LF are single bytes, cut out as slices.
    let (mut count, mut start) = (0, 0);
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if b & 0xC0 == 0x80 {
            continue;
        }
        if count == max {
            out.push_str(&text[start..i]);
            out.push_str("…");
            return out;
        }
        count += 1;
        if b == b'\n' || b == b'\r' {
            out.push_str(&text[start..i]);
            out.push_str(" ");
            start = i + 1;
        }
    }
    out.push_str(&text[start..]);
    out
}

/// Per-field messages: an `errors` object (values a string or list of strings), else DRF's top-level
/// `{"field": ["msg"]}` dictionary (including `non_field_errors`), skipping the envelope's own keys.
fn field_errors<B: BodyView>(body: &B) -> Vec<(String, Vec<String>)> {
    let Some(errors) = body.member("errors") else { return drf_fields(body) };
    if errors.is_list() {
        // `errors` as an array of {field, message} objects (JSON:API-like) is common too.
        return field_errors_from_list(&errors);
    }
    let mut out = Vec::new();
    for key in errors.keys().unwrap_or_default() {
        if let Some(messages) = errors.member(&key).and_then(|v| messages_of(&v)) {
            out.push((key, messages));
        }
    }
    out
}

fn drf_fields<B: BodyView>(body: &B) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for key in body.keys().unwrap_or_default() {
        // DRF field errors are always lists of strings, whatever the field's name (`title`, `detail`); a bare string
        // member is envelope, not a field.
        let Some(value) = body.member(&key) else { continue };
        if !value.is_list() {
            continue;
        }
        if let Some(messages) = messages_of(&value) {
            out.push((key, messages));
        }
    }
    out
}

fn field_errors_from_list<B: BodyView>(list: &B) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for item in list.elements().unwrap_or_default() {
        // JSON:API names the field by a JSON pointer (`/data/attributes/title`): its last step is the field.
        let pointer = || {
            let p = item.member("source")?.member("pointer")?.as_text()?;
            Some(p[p.as_bytes().iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1)..].to_string())
        };
        let field = non_empty(item.member("field").or_else(|| item.member("path")).and_then(|v| v.as_text()).or_else(pointer));
        let message = first_text(&item, &["message", "detail", "title"]);
        if let (Some(field), Some(message)) = (field, message) {
            match out.iter_mut().find(|(f, _)| *f == field) {
                Some((_, messages)) => messages.push(message),
                None => out.push((field, vec![message])),
            }
        }
    }
    out
}

/// A string, or a list whose string elements are kept; `None` when it has none.
fn messages_of<B: BodyView>(value: &B) -> Option<Vec<String>> {
    if let Some(text) = value.as_text() {
        return Some(vec![text]);
    }
    let mut list = Vec::new();
    for v in &value.elements()? {
        if let Some(text) = v.as_scalar_text() {
            list.push(text);
        }
    }
    if list.is_empty() {
        None
    } else {
        Some(list)
    }
}

/// The one-line support message: the server's text (or `fallback`), then status, code, method, path and request
/// id, e.g. `Token nie posiada ... (403 insufficient_scope, GET /api/x, requestId req_1)`.
pub fn support_message(server_text: Option<&str>, fallback: &str, status: Option<u16>, code: &str, method: &str, path: &str, request_id: Option<&str>) -> String {
    let mut out = String::with_capacity(128);
    out.push_str(server_text.unwrap_or(fallback));
    out.push_str(" (");
    if let Some(status) = status {
        push_u32(&mut out, status as u32);
        out.push_str(" ");
    }
    out.push_str(&shorten(code, MAX_ID_TEXT));
    out.push_str(", ");
    out.push_str(method);
    out.push_str(" ");
    out.push_str(path);
    if let Some(id) = request_id {
        out.push_str(", requestId ");
        out.push_str(&shorten(id, MAX_ID_TEXT));
    }
    out.push_str(")");
    out
}

/// The statuses [`reason_phrase`] knows, in the order of the lines of [`REASON_PHRASES`].
const PHRASE_STATUSES: [u16; 16] = [400, 401, 402, 403, 404, 405, 408, 409, 410, 413, 422, 429, 500, 502, 503, 504];

/// The standard reason phrases of [`PHRASE_STATUSES`], a line each, then the phrase of a 2xx that failed (its body
/// does not parse) and of any other status.
const REASON_PHRASES: &str = "Bad Request\nUnauthorized\nPayment Required\nForbidden\nNot Found\nMethod Not Allowed\n\
    Request Timeout\nConflict\nGone\nContent Too Large\nUnprocessable Content\nToo Many Requests\nInternal Server Error\n\
    Bad Gateway\nService Unavailable\nGateway Timeout\nInvalid response\nRequest failed";

/// The standard reason phrase, for responses (HTTP/2) that carry no status text.
pub fn reason_phrase(status: u16) -> &'static str {
    let mut line = 0;
    while line < PHRASE_STATUSES.len() && PHRASE_STATUSES[line] != status {
        line += 1;
    }
    if line == PHRASE_STATUSES.len() && !(200..300).contains(&status) {
        line += 1;
    }
    text::nth_line(REASON_PHRASES, line)
}

/// True when a browser's CORS filter (a "cors" response) probably hid the headers that say when to retry: a 429 or
/// 503 with none of them readable.
pub fn cors_hid_timing(status: u16, cors_filtered: bool, any_rate_header: bool) -> bool {
    (status == 429 || status == 503) && cors_filtered && !any_rate_header
}

/// The note added to a 429/503 message when a browser's CORS rules hid the headers that say when to retry.
pub const CORS_HIDDEN_NOTE: &str = "; the response had no readable Retry-After or X-RateLimit-* header: if the server sends them, it must list them in Access-Control-Expose-Headers";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    impl BodyView for Value {
        fn member(&self, key: &str) -> Option<Self> {
            self.as_object().and_then(|o| o.get(key)).cloned()
        }
        fn as_text(&self) -> Option<String> {
            self.as_str().map(str::to_string)
        }
        fn keys(&self) -> Option<Vec<String>> {
            self.as_object().map(|o| o.keys().take(MAX_BODY_ITEMS).cloned().collect())
        }
        fn elements(&self) -> Option<Vec<Self>> {
            self.as_array().map(|a| a.iter().take(MAX_BODY_ITEMS).cloned().collect())
        }
        fn is_number(&self) -> bool {
            Value::is_number(self)
        }
        fn as_scalar_text(&self) -> Option<String> {
            match self {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
    }

    #[test]
    fn status_to_class_and_code() {
        let table = [
            (400, "BadRequestError", "bad_request"),
            (401, "AuthenticationError", "unauthorized"),
            (402, "RequestFailedError", "request_failed"),
            (403, "PermissionDeniedError", "forbidden"),
            (404, "NotFoundError", "not_found"),
            (409, "ConflictError", "conflict"),
            (422, "UnprocessableEntityError", "unprocessable_entity"),
            (429, "RateLimitError", "too_many_requests"),
            (500, "ServerError", "server_error"),
            (503, "ServerError", "server_error"),
            (599, "ServerError", "server_error"),
            (405, "ApiError", "http_405"),
            (418, "ApiError", "http_418"),
            (302, "ApiError", "http_302"),
            (600, "ApiError", "http_600"),
        ];
        for (status, class, code) in table {
            let kind = ErrorKind::for_status(status);
            assert_eq!((kind.class_name(), kind.default_code(status).as_str()), (class, code), "{status}");
        }
        assert_eq!(ErrorKind::Timeout.default_code(0), "timeout");
        assert_eq!(ErrorKind::Connection.default_code(0), "connection_error");
        for (status, phrase) in [
            (400, "Bad Request"), (401, "Unauthorized"), (402, "Payment Required"), (403, "Forbidden"), (404, "Not Found"),
            (405, "Method Not Allowed"), (408, "Request Timeout"), (409, "Conflict"), (410, "Gone"), (413, "Content Too Large"),
            (422, "Unprocessable Content"), (429, "Too Many Requests"), (500, "Internal Server Error"), (502, "Bad Gateway"),
            (503, "Service Unavailable"), (504, "Gateway Timeout"), (200, "Invalid response"), (299, "Invalid response"),
            (418, "Request failed"), (501, "Request failed"), (0, "Request failed"), (u16::MAX, "Request failed"),
        ] {
            assert_eq!(reason_phrase(status), phrase, "{status}");
        }
    }

    fn details(status: u16, body: Option<Value>, headers: &[(&str, &str)]) -> ErrorDetails {
        error_details(ErrorKind::for_status(status), status, body.as_ref(), headers)
    }

    #[test]
    fn body_shapes() {
        // (status, body, code, server text, requestId)
        type Case<'a> = (u16, Option<Value>, &'a str, Option<&'a str>, Option<&'a str>);
        let cases: Vec<Case> = vec![
            (403, Some(json!({"error": "insufficient_scope", "message": "Token nie posiada wymaganego uprawnienia", "timestamp": "2025-01-15T14:30:00Z", "path": "/api/PurchaseDocuments/my", "requestId": "req_abc123def456"})), "insufficient_scope", Some("Token nie posiada wymaganego uprawnienia"), Some("req_abc123def456")),
            (401, Some(json!({"error_msg": "Invalid token"})), "unauthorized", Some("Invalid token"), None),
            (429, Some(json!({"detail": "Request was throttled. Expected available in 3 seconds."})), "too_many_requests", Some("Request was throttled. Expected available in 3 seconds."), None),
            (404, Some(json!({"type": "https://example.com/probs/missing", "title": "Not here", "status": 404, "detail": "Document 7 does not exist", "instance": "/docs/7"})), "not_found", Some("Document 7 does not exist"), None),
            (422, Some(json!({"title": "Your request is not valid."})), "unprocessable_entity", Some("Your request is not valid."), None),
            (400, Some(json!({"error": {"code": "E1", "message": "nested text"}})), "bad_request", Some("nested text"), None),
            (400, Some(json!({"error_code": "quota", "code": 17})), "quota", None, None),
            (409, Some(json!({"code": "version_conflict", "request_id": "r-9"})), "version_conflict", None, Some("r-9")),
            (500, Some(json!("<!DOCTYPE html><html><head><title>502 Bad\n  Gateway</title></head><body>...</body></html>")), "server_error", Some("502 Bad Gateway"), None),
            (500, Some(json!("<html><body>no title</body></html>")), "server_error", None, None),
            (503, Some(json!("Service temporarily down\nsecond line")), "server_error", Some("Service temporarily down"), None),
            (500, Some(json!("{\"error\": \"trunc")), "server_error", None, None),
            (418, Some(json!({"error": "  "})), "http_418", None, None),
            (500, None, "server_error", None, None),
            (400, Some(json!([1, 2])), "bad_request", None, None),
            (400, Some(json!(42)), "bad_request", None, None),
            // Django REST framework: every key of a validation body is a field, even `title`; the first one speaks.
            (400, Some(json!({"title": ["This field is required."]})), "bad_request", Some("title: This field is required."), None),
            (400, Some(json!({"non_field_errors": ["Passwords differ."]})), "bad_request", Some("Passwords differ."), None),
            (401, Some(json!({"detail": "Authentication credentials were not provided."})), "unauthorized", Some("Authentication credentials were not provided."), None),
            (404, Some(json!({"detail": "No Book matches the given query."})), "not_found", Some("No Book matches the given query."), None),
            // fastify / Express: `error` beside a numeric `statusCode` is the reason phrase; fastify's `code` is kept.
            (429, Some(json!({"statusCode": 429, "error": "Too Many Requests", "message": "Rate limit exceeded, retry in 1 second"})), "too_many_requests", Some("Rate limit exceeded, retry in 1 second"), None),
            (400, Some(json!({"statusCode": 400, "code": "FST_ERR_VALIDATION", "error": "Bad Request", "message": "body must have required property 'title'"})), "FST_ERR_VALIDATION", Some("body must have required property 'title'"), None),
            // A machine code beside a numeric status stays the code.
            (403, Some(json!({"error": "insufficient_scope", "status": 403, "message": "m"})), "insufficient_scope", Some("m"), None),
            (403, Some(json!({"statusCode": 403, "error": "Forbidden", "message": "m"})), "forbidden", Some("m"), None),
            // Spring Boot.
            (404, Some(json!({"timestamp": "2025-01-15T14:30:00.000+00:00", "status": 404, "error": "Not Found", "path": "/api/x"})), "not_found", None, None),
            // Express's own HTML page: the <title> is only "Error", the <pre> says what happened.
            (404, Some(json!("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /x</pre>\n</body>\n</html>\n")), "not_found", Some("Cannot GET /x"), None),
            (500, Some(json!("<html><head><title>Error</title></head><body><h1>Internal <b>Server</b> Error</h1><pre>stack</pre></body></html>")), "server_error", Some("Internal Server Error"), None),
            (500, Some(json!("<html><body><h1>Only a heading</h1></body></html>")), "server_error", Some("Only a heading"), None),
            (500, Some(json!("<html><head><title>ERROR</title></head></html>")), "server_error", Some("ERROR"), None),
        ];
        for (status, body, code, text, request_id) in cases {
            let d = details(status, body.clone(), &[]);
            assert_eq!((d.code.as_str(), d.server_text.as_deref(), d.request_id.as_deref()), (code, text, request_id), "{body:?}");
        }
        let d = details(403, Some(json!({"error": "x", "timestamp": "2025-01-15T14:30:00Z", "path": "/p"})), &[]);
        assert_eq!((d.timestamp.as_deref(), d.path.as_deref()), (Some("2025-01-15T14:30:00Z"), Some("/p")));
    }

    #[test]
    fn request_id_from_headers() {
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
        let table: [Case; 4] = [
            (&[("X-Request-Id", "h1"), ("Request-Id", "h2")], Some("h1")),
            (&[("request-id", "h2"), ("x-correlation-id", "h3")], Some("h2")),
            (&[("X-Correlation-Id", "h3")], Some("h3")),
            (&[], None),
        ];
        for (headers, want) in table {
            assert_eq!(details(500, None, headers).request_id.as_deref(), want);
        }
        // The body's id wins over the header's.
        assert_eq!(details(500, Some(json!({"requestId": "b"})), &[("X-Request-Id", "h")]).request_id.as_deref(), Some("b"));
    }

    #[test]
    fn field_error_shapes() {
        let d = details(400, Some(json!({"email": ["Enter a valid email address."], "name": ["Required.", "Too short."], "non_field_errors": ["Passwords differ."], "detail": "x"})), &[]);
        assert_eq!(d.field_errors, vec![
            ("email".to_string(), vec!["Enter a valid email address.".to_string()]),
            ("name".to_string(), vec!["Required.".to_string(), "Too short.".to_string()]),
            ("non_field_errors".to_string(), vec!["Passwords differ.".to_string()]),
        ]);
        let d = details(422, Some(json!({"message": "Invalid", "errors": {"title": "too long", "tags": ["bad", 3]}})), &[]);
        // (serde_json orders keys; a JS object keeps the server's order)
        assert_eq!(d.field_errors, vec![("tags".to_string(), vec!["bad".to_string(), "3".to_string()]), ("title".to_string(), vec!["too long".to_string()])]);
        let d = details(422, Some(json!({"errors": [{"field": "a", "message": "m1"}, {"field": "a", "message": "m2"}, {"nope": 1}]})), &[]);
        assert_eq!(d.field_errors, vec![("a".to_string(), vec!["m1".to_string(), "m2".to_string()])]);
        // An item's message is its first non-empty text of message, detail and title (an empty one does not hide the next).
        let d = details(422, Some(json!({"errors": [{"field": "a", "message": " ", "detail": "d1"}, {"field": "b", "message": ""}]})), &[]);
        assert_eq!(d.field_errors, vec![("a".to_string(), vec!["d1".to_string()])]);
        // A number there is written out, as a top-level `message` of one is (the first listed error speaks); so is
        // `error.message`.
        let d = details(422, Some(json!({"errors": [{"field": "n", "message": 7}]})), &[]);
        assert_eq!((d.field_errors, d.server_text.as_deref()), (vec![("n".to_string(), vec!["7".to_string()])], Some("7")));
        assert_eq!(details(500, Some(json!({"error": {"message": 42}})), &[]).server_text.as_deref(), Some("42"));
        // The envelope's own members are not fields; a list under any name is.
        assert!(details(403, Some(json!({"error": "x", "message": "y", "path": "/p"})), &[]).field_errors.is_empty());
        // JSON:API.
        let d = details(422, Some(json!({"errors": [{"status": "422", "code": "too_short", "source": {"pointer": "/data/attributes/title"}, "title": "Invalid Attribute", "detail": "Title must be 3 characters."}]})), &[]);
        assert_eq!(d.field_errors, vec![("title".to_string(), vec!["Title must be 3 characters.".to_string()])]);
        assert_eq!((d.code.as_str(), d.server_text.as_deref()), ("too_short", Some("Title must be 3 characters.")));
        // Laravel and ASP.NET.
        let d = details(422, Some(json!({"message": "The title field is required.", "errors": {"title": ["The title field is required."]}})), &[]);
        assert_eq!((d.server_text.as_deref(), d.field_errors.len()), (Some("The title field is required."), 1));
        let d = details(400, Some(json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.", "status": 400, "errors": {"Title": ["The Title field is required."]}})), &[]);
        assert_eq!((d.code.as_str(), d.server_text.as_deref(), d.field_errors.len()), ("bad_request", Some("One or more validation errors occurred."), 1));
        let d = details(400, Some(json!({"title": ["Required."], "detail": ["Too long."]})), &[]);
        assert_eq!(d.field_errors.len(), 2);
    }

    #[test]
    fn cors_note() {
        assert!(cors_hid_timing(429, true, false));
        assert!(cors_hid_timing(503, true, false));
        assert!(!cors_hid_timing(429, true, true));
        assert!(!cors_hid_timing(429, false, false));
        assert!(!cors_hid_timing(500, true, false));
    }

    #[test]
    fn shortening_and_message() {
        let long = "ż".repeat(400);
        let short = shorten(&long, MAX_SERVER_TEXT);
        assert_eq!(short.chars().count(), MAX_SERVER_TEXT + 1);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("a\r\nb", 10), "a  b");
        assert_eq!(shorten("ż\nó", 2), "ż …");
        assert_eq!(shorten("ż\nó", 3), "ż ó");
        assert_eq!(shorten("abc", 0), "…");
        assert_eq!(shorten("", 5), "");
        assert_eq!(shorten("😀😀😀", 2), "😀😀…");
        assert_eq!(
            support_message(Some("Token nie posiada wymaganego uprawnienia"), "Forbidden", Some(403), "insufficient_scope", "GET", "/api/PurchaseDocuments/my", Some("req_abc123def456")),
            "Token nie posiada wymaganego uprawnienia (403 insufficient_scope, GET /api/PurchaseDocuments/my, requestId req_abc123def456)"
        );
        assert_eq!(support_message(None, "fetch failed", None, "connection_error", "POST", "/x", None), "fetch failed (connection_error, POST /x)");
        // A code or request id of half a megabyte (a hostile body's `requestId`) is cut in the one line.
        let huge = "é".repeat(500_000);
        let m = support_message(Some("x"), "", Some(404), &huge, "GET", "/x", Some(&format!("a\nb{huge}")));
        assert!(m.chars().count() < 300 && !m.contains('\n'), "{}", m.len());
        let mut s = String::new();
        for n in [0u32, 7, 10, 429, u32::MAX] {
            s.clear();
            push_u32(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn hostile_bodies_cost_what_a_small_one_does() {
        // A DRF-shaped body of 30,000 fields, one with a list of 100,000 messages, an `errors` list of 30,000.
        let many: serde_json::Map<String, Value> = (0..30_000).map(|i| (format!("f{i}"), json!(["bad"]))).collect();
        let d = details(400, Some(Value::Object(many)), &[]);
        assert_eq!(d.field_errors.len(), MAX_BODY_ITEMS);
        let long = json!({"name": vec!["x"; 100_000]});
        assert_eq!(details(400, Some(long), &[]).field_errors[0].1.len(), MAX_BODY_ITEMS);
        let list = json!({"errors": vec![json!({"field": "a", "message": "m"}); 30_000]});
        assert_eq!(details(422, Some(list), &[]).field_errors[0].1.len(), MAX_BODY_ITEMS);
        // Nested deep: only the top levels are looked at, so the depth costs nothing (200 levels here: serde_json
        // itself recurses to drop a value; the wasm build's bodies are JS values, tests/js/hostile.test.mjs).
        let mut deep = json!("leaf");
        for _ in 0..200 {
            deep = json!({"message": deep});
        }
        let d = details(404, Some(json!({"errors": {"title": [deep.clone()]}, "error": deep})), &[]);
        assert_eq!(d.code, "not_found");
    }
}
