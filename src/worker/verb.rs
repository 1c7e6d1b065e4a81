//! Request methods, decided on the raw method string.
//!
//! workers-rs maps every method it does not know (PROPFIND, PURGE, LOCK, ...) to
//! `Method::Get`, so routing on [`worker::Request::method`] would serve them as GET. The worker
//! reads the method the runtime received instead and knows only the six below; any other
//! method is answered 405 with `Allow`.

use super::req::Request;

/// A method the worker answers on some route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `GET`
    Get,
    /// `HEAD`: GET's status and headers, no body.
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `OPTIONS`: 204 with `Allow`.
    Options,
}

impl Verb {
    /// The verb for a method name: exact and case-sensitive (RFC 9110 §9.1); `None` for any
    /// other method.
    pub fn parse(raw: &str) -> Option<Verb> {
        Some(match raw {
            "GET" => Verb::Get,
            "HEAD" => Verb::Head,
            "POST" => Verb::Post,
            "PUT" => Verb::Put,
            "DELETE" => Verb::Delete,
            "OPTIONS" => Verb::Options,
            _ => return None,
        })
    }

    /// The verb of `req`, from the method string the runtime received.
    pub fn of(req: &Request) -> Option<Verb> {
        Verb::parse(req.method())
    }

    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Head => "HEAD",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
            Verb::Options => "OPTIONS",
        }
    }

    /// Whether the method is safe and so exempt from the CSRF check: an allow-list of GET,
    /// HEAD and OPTIONS, never "anything but POST".
    pub fn is_safe(self) -> bool {
        matches!(self, Verb::Get | Verb::Head | Verb::Options)
    }
}
