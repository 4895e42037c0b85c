//! Static files: the playground page, the built package, and pages of the runtime tests.

use crate::http::*;

/// Serves the file `relative` under `root` (an `index.html` for a folder); no hidden files, no `..`.
pub fn static_file(root: &std::path::Path, relative: &str) -> Reply {
    typed_file(root, relative, "application/wasm")
}

/// [`static_file`] with `.wasm` files sent as `wasm_type`: a misconfigured server's `application/octet-stream`
/// (under /files-octet/), which the browser entry's streaming compile refuses.
pub fn typed_file(root: &std::path::Path, relative: &str, wasm_type: &str) -> Reply {
    if relative.split('/').any(|part| part.starts_with('.')) {
        return json(403, r#"{"error":"forbidden"}"#.into());
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let content_type = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "wasm" => wasm_type,
        "json" => "application/json",
        "css" => "text/css",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
    match std::fs::read(&file) {
        Ok(bytes) => reply(200, content_type, bytes),
        Err(_) => json(404, format!(r#"{{"error":"not_found","message":"no file {}"}}"#, escape_json(relative).trim_matches('"'))),
    }
}

