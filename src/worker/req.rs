//! The incoming request, read on use. `worker::Request` (what `#[event(fetch)]` hands over by
//! default) copies the method and the URL into wasm and materialises `request.cf`, a costly
//! object in workerd, for every request before the handler runs; the routes need only some of
//! that, and `request.cf` only for a sign-in's device details. This wrapper over the runtime's
//! request reads each part when a route asks for it, with the same method names.

use std::cell::{Cell, OnceCell};

use worker::worker_sys::web_sys;
use worker::{Headers, Url};

/// The runtime's request, its parts read on use.
pub struct Request {
    raw: web_sys::Request,
    headers: OnceCell<Headers>,
    url: OnceCell<String>,
    method: OnceCell<String>,
    body_taken: Cell<bool>,
}

impl Request {
    /// The runtime's request object.
    pub fn inner(&self) -> &web_sys::Request {
        &self.raw
    }

    /// Its headers (the runtime's live object, fetched once; nothing is copied).
    pub fn headers(&self) -> &Headers {
        self.headers.get_or_init(|| Headers(self.raw.headers()))
    }

    /// Its serialised URL (copied into wasm once).
    pub fn url_text(&self) -> &str {
        self.url.get_or_init(|| self.raw.url())
    }

    /// Its method name, as sent (copied into wasm once).
    pub fn method(&self) -> &str {
        self.method.get_or_init(|| self.raw.method())
    }

    /// Its URL, parsed.
    pub fn url(&self) -> worker::Result<Url> {
        self.url_text()
            .parse()
            .map_err(|e| worker::Error::RustError(format!("failed to parse the URL: {e}")))
    }

    /// Its path (still percent-encoded), from the serialised URL without parsing it: a
    /// special-scheme URL always has a path, the first `/` after the host begins it, and `?` and
    /// `#` inside it are always percent-encoded.
    pub fn path(&self) -> String {
        path_of(self.url_text())
    }

    /// Whether [`super::body::read`] has taken the body already (so nothing is left to drain).
    pub fn body_taken(&self) -> bool {
        self.body_taken.get()
    }

    /// Records that the body was taken ([`super::body::read`]).
    pub fn take_body(&self) {
        self.body_taken.set(true);
    }
}

fn path_of(url: &str) -> String {
    let Some(host_start) = url.find("://").map(|i| i + 3) else {
        return if url.starts_with('/') {
            url.to_owned()
        } else {
            format!("/{url}")
        };
    };
    match url.get(host_start..).and_then(|rest| rest.find('/')) {
        Some(i) => {
            let path = url.get(host_start + i..).unwrap_or("/");
            path.get(..path.find(['?', '#']).unwrap_or(path.len()))
                .unwrap_or("/")
                .to_owned()
        }
        None => "/".to_owned(),
    }
}

impl worker::FromRequest for Request {
    fn from_raw(
        request: web_sys::Request,
    ) -> std::result::Result<Self, impl Into<Box<dyn std::error::Error>>> {
        Ok::<Request, worker::Error>(Request::from(request))
    }
}

impl From<web_sys::Request> for Request {
    fn from(raw: web_sys::Request) -> Self {
        Request {
            raw,
            headers: OnceCell::new(),
            url: OnceCell::new(),
            method: OnceCell::new(),
            body_taken: Cell::new(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn paths() {
        assert_eq!(
            path_of("https://h.example/api/session?x=1#f"),
            "/api/session"
        );
        assert_eq!(path_of("http://127.0.0.1:8787"), "/");
        assert_eq!(path_of("http://h/"), "/");
        assert_eq!(path_of("/a"), "/a");
        assert_eq!(path_of("a"), "/a");
        assert_eq!(path_of("https://h/%3F?q"), "/%3F");
    }
}
