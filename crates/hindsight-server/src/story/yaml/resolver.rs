//! ruamel.yaml's YAML 1.2 implicit resolvers, hand-written: a string that would read back
//! as a number, boolean, null, timestamp, ... cannot be written as a plain scalar.

use super::Tag;

/// ruamel's YAML 1.2 implicit resolvers: the tag a plain scalar `value` would be read as,
/// `None` for a string. Like Python's `re.match(...$)`, a single trailing newline is
/// allowed after the match.
pub(super) fn resolve(value: &str) -> Option<Tag> {
    let full = |s: &str| -> Option<Tag> {
        let first = s.chars().next();
        let b = s.as_bytes();
        match first {
            None => Some(Tag::Null),
            Some('t' | 'T' | 'f' | 'F')
                if matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") =>
            {
                Some(Tag::Bool)
            }
            Some('-' | '+' | '0'..='9' | '.') if is_float(b) => Some(Tag::Float),
            Some('-' | '+' | '0'..='9') if is_int(b) => Some(Tag::Int),
            Some('<') if s == "<<" => Some(Tag::Str), // merge key: not a plain string
            Some('~' | 'n' | 'N') if matches!(s, "~" | "null" | "Null" | "NULL") => Some(Tag::Null),
            Some('0'..='9') if is_timestamp(b) => Some(Tag::Str),
            Some('=') if s == "=" => Some(Tag::Str), // the `value` tag
            Some('!' | '&' | '*') if matches!(s, "!" | "&" | "*") => Some(Tag::Str),
            _ => None,
        }
    };
    // `Some(Tag::Str)` above stands for "some other tag" (merge, timestamp, value, yaml):
    // report it as Null so that a string never counts as implicit.
    let other = |t: Option<Tag>| {
        if t == Some(Tag::Str) {
            Some(Tag::Null)
        } else {
            t
        }
    };
    other(full(value)).or_else(|| value.strip_suffix('\n').and_then(|s| other(full(s))))
}

/// A cursor over ASCII bytes for the hand-written resolver regexes.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn eat(&mut self, f: impl Fn(u8) -> bool) -> bool {
        if self.i < self.b.len() && f(self.b[self.i]) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_all(&mut self, f: impl Fn(u8) -> bool + Copy) -> usize {
        let start = self.i;
        while self.eat(f) {}
        self.i - start
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn rest(&self) -> &[u8] {
        &self.b[self.i..]
    }
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}
fn digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}
fn sign(c: u8) -> bool {
    c == b'-' || c == b'+'
}

fn is_float(b: &[u8]) -> bool {
    let exponent = |c: &mut Cur, sign_required: bool| -> bool {
        if !c.eat(|x| x == b'e' || x == b'E') {
            return false;
        }
        let signed = c.eat(sign);
        (signed || !sign_required) && c.eat_all(digit) > 0
    };
    // [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?  and  [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    let mut c = Cur { b, i: 0 };
    c.eat(sign);
    if c.eat(digit) {
        c.eat_all(digit_);
        if c.eat(|x| x == b'.') {
            c.eat_all(digit_);
            if c.done() {
                return true;
            }
            return exponent(&mut c, false) && c.done();
        }
        return exponent(&mut c, false) && c.done();
    }
    // [-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?  |  [-+]?\.(?:inf|Inf|INF)  |  \.(?:nan|NaN|NAN)
    let signed = c.i > 0;
    if !c.eat(|x| x == b'.') {
        return false;
    }
    if matches!(c.rest(), b"inf" | b"Inf" | b"INF")
        || (!signed && matches!(c.rest(), b"nan" | b"NaN" | b"NAN"))
    {
        return true;
    }
    if c.eat_all(digit_) == 0 {
        return false;
    }
    c.done() || (exponent(&mut c, true) && c.done())
}

fn is_int(b: &[u8]) -> bool {
    let body = if !b.is_empty() && sign(b[0]) {
        &b[1..]
    } else {
        b
    };
    let all = |s: &[u8], f: fn(u8) -> bool| !s.is_empty() && s.iter().all(|&c| f(c));
    if let Some(r) = body.strip_prefix(b"0b") {
        if all(r, |c| c == b'0' || c == b'1' || c == b'_') {
            return true;
        }
    }
    if let Some(r) = body.strip_prefix(b"0x") {
        if all(r, |c| c.is_ascii_hexdigit() || c == b'_') {
            return true;
        }
    }
    if let Some(r) = body.strip_prefix(b"0o") {
        if all(r, |c| (b'0'..=b'7').contains(&c) || c == b'_') {
            return true;
        }
    }
    all(body, digit_)
}

fn is_timestamp(b: &[u8]) -> bool {
    let mut c = Cur { b, i: 0 };
    let n = |c: &mut Cur, k: usize| (0..k).all(|_| c.eat(digit));
    let dash = |c: &mut Cur| c.eat(|x| x == b'-');
    if !(n(&mut c, 4) && dash(&mut c)) {
        return false;
    }
    // YYYY-MM-DD
    let date_only = {
        let mut d = Cur { b, i: c.i };
        n(&mut d, 2) && dash(&mut d) && n(&mut d, 2) && d.done()
    };
    if date_only {
        return true;
    }
    // YYYY-M[M]-D[D](T|t|[ \t]+)H[H]:MM:SS(.fraction)?([ \t]*(Z|[-+]H[H](:MM)?))?
    let one_or_two = |c: &mut Cur| {
        c.eat(digit) && {
            c.eat(digit);
            true
        }
    };
    if !(one_or_two(&mut c) && dash(&mut c) && one_or_two(&mut c)) {
        return false;
    }
    if !c.eat(|x| x == b'T' || x == b't') && c.eat_all(|x| x == b' ' || x == b'\t') == 0 {
        return false;
    }
    if !(one_or_two(&mut c)
        && c.eat(|x| x == b':')
        && n(&mut c, 2)
        && c.eat(|x| x == b':')
        && n(&mut c, 2))
    {
        return false;
    }
    if c.eat(|x| x == b'.') {
        c.eat_all(digit);
    }
    if c.done() {
        return true;
    }
    c.eat_all(|x| x == b' ' || x == b'\t');
    if c.eat(|x| x == b'Z') {
        return c.done();
    }
    if !(c.eat(sign) && one_or_two(&mut c)) {
        return false;
    }
    if c.eat(|x| x == b':') && !n(&mut c, 2) {
        return false;
    }
    c.done()
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn resolver_like_ruamel() {
        for s in [
            "123",
            "-1.5",
            "1e3",
            "0x1F",
            "0o17",
            "1_000",
            "null",
            "~",
            "",
            "true",
            "FALSE",
            ".inf",
            "-.inf",
            ".nan",
            "2024-01-01",
            "2024-01-01 10:00:00",
            "2001-12-14t21:59:43.10-05:00",
            "<<",
            "=",
            "1.",
            ".5",
            "+_",
            "1e+20",
            "1.5e-07",
        ] {
            assert!(resolve(s).is_some(), "{s:?} should resolve");
        }
        for s in [
            "yes", "No", "on", "hello", "1e", "0o", "0b", ".", "...", "-", "1.5.3", "2024-1-1",
            "12:30", "+.nan", "True!", ".5e3", "0x",
        ] {
            assert!(resolve(s).is_none(), "{s:?} should stay a string");
        }
        assert!(resolve("true\n").is_some());
    }
}
