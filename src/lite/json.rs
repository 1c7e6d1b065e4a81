//! A small, bounded JSON reader for the lite build's two inputs (a keyring and a ring
//! configuration), so the lite wasm carries no serde code.
//!
//! It reads RFC 8259 JSON into a [`Value`] tree. Numbers are kept only when they are whole and
//! non-negative and fit a `u64` (every number either input holds is such a count); any other
//! number is [`Value::OtherNumber`], which no field accepts. The input length is bounded by the
//! caller; nesting is bounded by [`MAX_DEPTH`]. Errors are one static text, never the input.

/// Deepest nesting accepted (the deepest valid input nests 5 levels).
pub const MAX_DEPTH: usize = 16;

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number from 0 to `u64::MAX`, written without fraction or exponent.
    Count(u64),
    /// Any other number (negative, fractional, with an exponent, or too large).
    OtherNumber,
    /// A string, escapes resolved.
    Str(String),
    /// An array.
    Arr(Vec<Value>),
    /// An object: members in input order (duplicates are refused while parsing).
    Obj(Vec<(String, Value)>),
}

/// Parses `text` as one JSON value (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Value, &'static str> {
    let mut p = Parser {
        b: text.as_bytes(),
        at: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.at != p.b.len() {
        return Err("trailing characters after the JSON value");
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    at: usize,
}

const BAD: &str = "not valid JSON";

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn next(&mut self) -> Result<u8, &'static str> {
        let c = self.peek().ok_or(BAD)?;
        self.at += 1;
        Ok(c)
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn word(&mut self, w: &[u8], v: Value) -> Result<Value, &'static str> {
        if self.b.get(self.at..self.at + w.len()) == Some(w) {
            self.at += w.len();
            Ok(v)
        } else {
            Err(BAD)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, &'static str> {
        if depth > MAX_DEPTH {
            return Err("JSON nests too deeply");
        }
        self.ws();
        match self.peek().ok_or(BAD)? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Value::Str),
            b't' => self.word(b"true", Value::Bool(true)),
            b'f' => self.word(b"false", Value::Bool(false)),
            b'n' => self.word(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(BAD),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, &'static str> {
        self.at += 1;
        let mut out = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Arr(out));
        }
        loop {
            out.push(self.value(depth + 1)?);
            self.ws();
            match self.next()? {
                b',' => continue,
                b']' => return Ok(Value::Arr(out)),
                _ => return Err(BAD),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, &'static str> {
        self.at += 1;
        let mut out: Vec<(String, Value)> = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Obj(out));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(BAD);
            }
            let key = self.string()?;
            self.ws();
            if self.next()? != b':' {
                return Err(BAD);
            }
            let v = self.value(depth + 1)?;
            if out.iter().any(|(k, _)| *k == key) {
                return Err("a member appears twice");
            }
            out.push((key, v));
            self.ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Ok(Value::Obj(out)),
                _ => return Err(BAD),
            }
        }
    }

    fn number(&mut self) -> Result<Value, &'static str> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let int_start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        let int = self.b.get(int_start..self.at).unwrap_or_default();
        if int.is_empty() || (int.len() > 1 && int.first() == Some(&b'0')) {
            return Err(BAD);
        }
        let mut whole = !negative;
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.digits()?;
            whole = false;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.digits()?;
            whole = false;
        }
        if !whole || self.at - start > 20 {
            return Ok(Value::OtherNumber);
        }
        let mut n: u64 = 0;
        for &d in int {
            n = match n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
            {
                Some(n) => n,
                None => return Ok(Value::OtherNumber),
            };
        }
        Ok(Value::Count(n))
    }

    fn digits(&mut self) -> Result<(), &'static str> {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        if self.at == start {
            Err(BAD)
        } else {
            Ok(())
        }
    }

    fn hex4(&mut self) -> Result<u32, &'static str> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = char::from(self.next()?).to_digit(16).ok_or(BAD)?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, &'static str> {
        self.at += 1;
        let mut out = String::new();
        loop {
            // Copy the run of plain characters at once (the input is a &str, so runs that
            // stop at ASCII '"' or '\\' are whole UTF-8 sequences).
            let start = self.at;
            while matches!(self.peek(), Some(c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.at += 1;
            }
            let run = self.b.get(start..self.at).unwrap_or_default();
            out.push_str(core::str::from_utf8(run).map_err(|_| BAD)?);
            match self.next()? {
                b'"' => return Ok(out),
                b'\\' => {}
                _ => return Err(BAD), // a control character
            }
            let c = match self.next()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hi = self.hex4()?;
                    let code = if (0xD800..0xDC00).contains(&hi) {
                        if self.next()? != b'\\' || self.next()? != b'u' {
                            return Err(BAD);
                        }
                        let lo = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return Err(BAD);
                        }
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    } else {
                        hi
                    };
                    char::from_u32(code).ok_or(BAD)?
                }
                _ => return Err(BAD),
            };
            out.push(c);
        }
    }
}

/// The members of an object, checked against the names it may have.
pub struct Members(Vec<(String, Value)>);

impl Members {
    /// `v` as an object whose member names are all in `allowed`.
    pub fn of(v: Value, allowed: &[&str]) -> Option<Members> {
        match v {
            Value::Obj(m) if m.iter().all(|(k, _)| allowed.contains(&k.as_str())) => {
                Some(Members(m))
            }
            _ => None,
        }
    }

    /// Takes member `key` out, if present.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.swap_remove(i).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_json_stringify_writes() {
        let v = parse(
            r#" {"a": [1, 0, "x\"\\\/\n\u00e9\ud83d\ude00", true, null, -1, 1.5, 1e2, 18446744073709551616]} "#,
        );
        let expected = Value::Obj(vec![(
            "a".into(),
            Value::Arr(vec![
                Value::Count(1),
                Value::Count(0),
                Value::Str("x\"\\/\n\u{e9}\u{1F600}".into()),
                Value::Bool(true),
                Value::Null,
                Value::OtherNumber,
                Value::OtherNumber,
                Value::OtherNumber,
                Value::OtherNumber,
            ]),
        )]);
        assert_eq!(v, Ok(expected));
        assert_eq!(parse("18446744073709551615"), Ok(Value::Count(u64::MAX)));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "1e",
            "-",
            "\"\u{1}\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "tru",
            "[1] 2",
            "{\"a\":1,\"a\":2}",
            "{a:1}",
            "'a'",
            "\"abc",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert!(parse(&deep).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }
}
