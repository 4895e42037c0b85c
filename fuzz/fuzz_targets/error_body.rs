//! Error bodies are whatever the server sent: JSON of any shape, HTML, text. Mapping them must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use polite_fetch::error::*;
use serde_json::Value;

/// The JSON value seen through the core's BodyView (a newtype: both are foreign here).
struct Body(Value);

impl BodyView for Body {
    fn member(&self, key: &str) -> Option<Self> {
        self.0.as_object().and_then(|o| o.get(key)).cloned().map(Body)
    }
    fn as_text(&self) -> Option<String> {
        self.0.as_str().map(str::to_string)
    }
    fn is_number(&self) -> bool {
        self.0.is_number()
    }
    // At most MAX_BODY_ITEMS, as the trait asks (the wasm view stops there too).
    fn keys(&self) -> Option<Vec<String>> {
        self.0.as_object().map(|o| o.keys().take(MAX_BODY_ITEMS).cloned().collect())
    }
    fn elements(&self) -> Option<Vec<Self>> {
        self.0.as_array().map(|a| a.iter().take(MAX_BODY_ITEMS).cloned().map(Body).collect())
    }
}

fuzz_target!(|data: &[u8]| {
    let status = data.first().map(|b| 400 + u16::from(*b) % 200).unwrap_or(500);
    let kind = ErrorKind::for_status(status);
    let headers: [(&str, &str); 1] = [("x-request-id", "fuzz")];
    let body = match serde_json::from_slice::<Value>(data) {
        Ok(v) => Body(v),
        Err(_) => Body(Value::String(String::from_utf8_lossy(data).into_owned())),
    };
    let details = error_details(kind, status, Some(&body), &headers[..]);
    assert!(!details.code.is_empty());
    if let Some(text) = &details.server_text {
        assert!(text.chars().count() <= MAX_SERVER_TEXT + 1);
        assert!(!text.contains('\n'));
    }
    let message = support_message(details.server_text.as_deref(), reason_phrase(status), Some(status), &details.code, "GET", "/x", details.request_id.as_deref());
    assert!(!message.is_empty());
    let text = String::from_utf8_lossy(data);
    let _ = html_title(&text);
    let _ = text_body_summary(&text);
    let _ = shorten(&text, 7);
});
