//! Base64 as the core uses it: the standard and URL-safe alphabets (RFC 4648), strict decoding.
//!
//! The `base64` crate did this before; its chunked, unrolled encoder and decoder were about 6 KB
//! of the lean wasm and more in the full one (one copy per engine), for inputs that are never
//! longer than a few kilobytes. These are one table loop each way. Decoding accepts exactly what
//! the crate's engines of the same configuration accept (checked against it in the tests):
//! every symbol of the alphabet, `=` only as the last one or two characters of the final quad,
//! no final quad of a single symbol, and no set bits after the last whole byte.

/// One of the two RFC 4648 alphabets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alphabet {
    /// `A-Z a-z 0-9 + /`
    Standard,
    /// `A-Z a-z 0-9 - _`
    UrlSafe,
}

/// What decoding requires of the `=` padding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Padding {
    /// None may be present.
    Absent,
    /// Exactly enough to make the length a multiple of 4.
    Canonical,
    /// Any amount up to the canonical one.
    Optional,
}

const INVALID: u8 = 0xff;

const fn symbols(a: Alphabet) -> &'static [u8; 64] {
    match a {
        Alphabet::Standard => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        Alphabet::UrlSafe => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    }
}

const fn decode_table(a: Alphabet) -> [u8; 256] {
    let mut t = [INVALID; 256];
    let s = symbols(a);
    let mut i = 0;
    while i < 64 {
        t[s[i] as usize] = i as u8;
        i += 1;
    }
    t
}

static STANDARD_TABLE: [u8; 256] = decode_table(Alphabet::Standard);
static URL_SAFE_TABLE: [u8; 256] = decode_table(Alphabet::UrlSafe);

/// Appends the base64 of `bytes` to `out`, with `=` padding when `pad`.
pub(crate) fn encode_into(bytes: &[u8], alphabet: Alphabet, pad: bool, out: &mut String) {
    let s = symbols(alphabet);
    let sym = |v: u32| char::from(s[(v & 63) as usize]);
    out.reserve(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let v = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        for shift in [18, 12, 6, 0] {
            out.push(sym(v >> shift));
        }
    }
    let rest = chunks.remainder();
    if let Some(&first) = rest.first() {
        let second = rest.get(1).copied();
        let v = (u32::from(first) << 16) | (u32::from(second.unwrap_or(0)) << 8);
        out.push(sym(v >> 18));
        out.push(sym(v >> 12));
        if second.is_some() {
            out.push(sym(v >> 6));
        }
        if pad {
            out.push('=');
            if second.is_none() {
                out.push('=');
            }
        }
    }
}

/// The base64 of `bytes`.
pub(crate) fn encode(bytes: &[u8], alphabet: Alphabet, pad: bool) -> String {
    let mut out = String::new();
    encode_into(bytes, alphabet, pad, &mut out);
    out
}

/// Unpadded URL-safe base64 of `bytes` (tokens, session ids, tags).
pub(crate) fn url_encode(bytes: &[u8]) -> String {
    encode(bytes, Alphabet::UrlSafe, false)
}

/// Decodes `text` into `out`: the number of bytes written, or `None` when `text` is not base64
/// of this alphabet and padding rule or its bytes do not fit in `out`.
pub(crate) fn decode_slice(
    text: &[u8],
    alphabet: Alphabet,
    padding: Padding,
    out: &mut [u8],
) -> Option<usize> {
    let table = match alphabet {
        Alphabet::Standard => &STANDARD_TABLE,
        Alphabet::UrlSafe => &URL_SAFE_TABLE,
    };
    // The final quad (1 to 4 characters) is the only place padding may be.
    let tail_len = match text.len() % 4 {
        0 => text.len().min(4),
        r => r,
    };
    let (body, tail) = text.split_at(text.len() - tail_len);
    let body_bytes = body.len() / 4 * 3;
    let pads = tail.iter().rev().take_while(|&&b| b == b'=').count();
    let symbols = &tail[..tail.len() - pads];
    if (!text.is_empty() && symbols.len() < 2) || pads > 2 {
        return None;
    }
    let ok_padding = match padding {
        Padding::Absent => pads == 0,
        Padding::Canonical => tail.len() % 4 == 0,
        Padding::Optional => true,
    };
    let tail_bytes = symbols.len() * 6 / 8;
    if !ok_padding || body_bytes + tail_bytes > out.len() {
        return None;
    }
    let mut at = 0;
    for quad in body.chunks_exact(4) {
        let mut v = 0u32;
        for &b in quad {
            let d = table[usize::from(b)];
            if d == INVALID {
                return None;
            }
            v = (v << 6) | u32::from(d);
        }
        out.get_mut(at..at + 3)?
            .copy_from_slice(&v.to_be_bytes()[1..]);
        at += 3;
    }
    let mut v = 0u32;
    for &b in symbols {
        let d = table[usize::from(b)];
        if d == INVALID {
            return None;
        }
        v = (v << 6) | u32::from(d);
    }
    // Left-align the 6-bit groups in 24 bits; the bits after the last whole byte must be 0.
    let v = v << (6 * (4 - symbols.len()));
    let unused = 24 - 8 * tail_bytes;
    if v & ((1 << unused) - 1) != 0 {
        return None;
    }
    let tail_out = v.to_be_bytes();
    out.get_mut(at..at + tail_bytes)?
        .copy_from_slice(tail_out.get(1..1 + tail_bytes)?);
    Some(at + tail_bytes)
}

/// Decodes `text` into a new vector (see [`decode_slice`]).
pub(crate) fn decode(text: &[u8], alphabet: Alphabet, padding: Padding) -> Option<Vec<u8>> {
    let mut out = vec![0; text.len() / 4 * 3 + 3];
    let n = decode_slice(text, alphabet, padding, &mut out)?;
    out.truncate(n);
    Some(out)
}

/// Decodes unpadded URL-safe base64 into `out` (see [`decode_slice`]).
pub(crate) fn url_decode_slice(text: &[u8], out: &mut [u8]) -> Option<usize> {
    decode_slice(text, Alphabet::UrlSafe, Padding::Absent, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::alphabet;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    use base64::engine::DecodePaddingMode;
    use base64::Engine as _;
    use proptest::prelude::*;

    fn engine(a: Alphabet, p: Padding, encode_pad: bool) -> GeneralPurpose {
        let mode = match p {
            Padding::Absent => DecodePaddingMode::RequireNone,
            Padding::Canonical => DecodePaddingMode::RequireCanonical,
            Padding::Optional => DecodePaddingMode::Indifferent,
        };
        let config = GeneralPurposeConfig::new()
            .with_encode_padding(encode_pad)
            .with_decode_padding_mode(mode);
        match a {
            Alphabet::Standard => GeneralPurpose::new(&alphabet::STANDARD, config),
            Alphabet::UrlSafe => GeneralPurpose::new(&alphabet::URL_SAFE, config),
        }
    }

    const ALPHABETS: [Alphabet; 2] = [Alphabet::Standard, Alphabet::UrlSafe];
    const PADDINGS: [Padding; 3] = [Padding::Absent, Padding::Canonical, Padding::Optional];

    /// Every short string over a few symbols of both alphabets, `=` and one foreign byte:
    /// decoded the same way as the crate's engine of the same configuration.
    #[test]
    fn decode_agrees_with_the_crate_exhaustively_on_short_inputs() {
        let chars = b"AQgw/_+-=.";
        let engines: Vec<_> = ALPHABETS
            .iter()
            .flat_map(|&a| PADDINGS.iter().map(move |&p| (a, p, engine(a, p, false))))
            .collect();
        let mut checked = 0;
        let mut accepted = 0;
        for len in 0..=5u32 {
            for n in 0..chars.len().pow(len) {
                let mut text = Vec::new();
                let mut k = n;
                for _ in 0..len {
                    text.push(chars[k % chars.len()]);
                    k /= chars.len();
                }
                for (a, p, e) in &engines {
                    let want = e.decode(&text).ok();
                    assert_eq!(
                        decode(&text, *a, *p),
                        want,
                        "{:?}",
                        String::from_utf8_lossy(&text)
                    );
                    accepted += usize::from(want.is_some());
                    checked += 1;
                }
            }
        }
        assert!(
            checked == 666_666 && accepted > 1_000,
            "{checked} {accepted}"
        );
    }

    proptest! {
        #[test]
        fn encode_agrees_with_the_crate(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            for a in ALPHABETS {
                for pad in [false, true] {
                    let want = engine(a, Padding::Optional, pad).encode(&bytes);
                    prop_assert_eq!(&encode(&bytes, a, pad), &want);
                    for p in PADDINGS {
                        let back = engine(a, p, false).decode(&want).ok();
                        prop_assert_eq!(decode(want.as_bytes(), a, p), back);
                    }
                }
            }
        }

        #[test]
        fn decode_slice_agrees_with_the_crate(text in "[A-Za-z0-9+/_=-]{0,40}", cap in 0usize..32) {
            for a in ALPHABETS {
                for p in PADDINGS {
                    let mut ours = vec![0u8; cap];
                    let mut theirs = vec![0u8; cap];
                    let got = decode_slice(text.as_bytes(), a, p, &mut ours);
                    let want = engine(a, p, false).decode_slice(&text, &mut theirs).ok();
                    prop_assert_eq!(got, want);
                    if let Some(n) = got {
                        prop_assert_eq!(&ours[..n], &theirs[..n]);
                    }
                }
            }
        }
    }
}
