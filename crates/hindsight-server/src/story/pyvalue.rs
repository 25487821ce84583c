//! Python semantics for JSON values: truthiness, `==`, `repr(float)`, `json.dumps` and
//! `str()`, as Rasa applies them to the deserialised tracker events.

use serde_json::{Number, Value};
use std::fmt::Write as _;

/// Python truthiness (`bool(x)`) of a JSON value as Python's `json.loads` builds it.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A number as Python holds it: `int` (arbitrary precision, here i128) or `float`.
/// `bool` is an `int` subclass in Python, so `True == 1` and `True == 1.0`.
#[derive(Clone, Copy)]
enum PyNum {
    Int(i128),
    Float(f64),
}

fn py_num(v: &Value) -> Option<PyNum> {
    match v {
        Value::Bool(b) => Some(PyNum::Int(i128::from(*b))),
        Value::Number(n) => Some(number(n)),
        _ => None,
    }
}

fn number(n: &Number) -> PyNum {
    if let Some(i) = n.as_i64() {
        PyNum::Int(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        PyNum::Int(i128::from(u))
    } else {
        PyNum::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

fn num_eq(a: PyNum, b: PyNum) -> bool {
    match (a, b) {
        (PyNum::Int(x), PyNum::Int(y)) => x == y,
        (PyNum::Float(x), PyNum::Float(y)) => x == y,
        // Python compares int and float exactly, not by converting the int to float.
        (PyNum::Int(i), PyNum::Float(f)) | (PyNum::Float(f), PyNum::Int(i)) => {
            f.is_finite() && f.fract() == 0.0 && f.abs() < 1.7e38 && (f as i128) == i
        }
    }
}

/// Python `a == b` for two JSON values (`1 == 1.0 == True`, dicts ignore key order).
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (py_num(a), py_num(b)) {
        return num_eq(x, y);
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => false,
    }
}

/// `value == "text"` in Python.
pub(crate) fn eq_str(v: &Value, s: &str) -> bool {
    matches!(v, Value::String(x) if x == s)
}

/// The value as a Python `int` if it is one (JSON integers and booleans).
pub(crate) fn as_py_int(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// `repr(f)` for a Python float: the shortest round-trip digits, positional notation for
/// exponents -4..=15, otherwise `d.ddde+XX`.
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0.0");
    }
    let sci = shortest_digits(f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let mut out = String::from(sign);
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            out.push_str(&digits);
        } else if point as usize >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point as usize]);
            out.push('.');
            out.push_str(&digits[point as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// The digits Python's `repr` uses (David Gay's `dtoa` mode 0) for a positive finite `f`,
/// as `d.ddde<exp>`: the fewest significant digits that read back as `f`, and of those
/// the string nearest to `f`, ties to an even last digit. Rust's own `{:e}` differs on
/// ties (it prints `5.995383202185443e14` for 599538320218544.25, Python `...442`), so
/// this tries correctly rounded candidates (Rust's `{:.N$e}` is exact, ties to even).
fn shortest_digits(f: f64) -> String {
    for n in 0..17 {
        let candidate = format!("{f:.n$e}");
        if candidate.parse::<f64>() == Ok(f) {
            return candidate;
        }
        // Just above a power of two the gap below `f` is half the gap above it, so the
        // nearest n-digit string may miss while the next one up still reads back as `f`.
        if f.to_bits() & ((1u64 << 52) - 1) == 0 {
            if let Some(up) = bump_last_digit(&candidate) {
                if up.parse::<f64>() == Ok(f) {
                    return up;
                }
            }
        }
    }
    format!("{f:.16e}")
}

/// `d.ddde<exp>` with the last mantissa digit increased by one (carrying).
fn bump_last_digit(sci: &str) -> Option<String> {
    let (mantissa, exp) = sci.split_once('e')?;
    let mut exp: i32 = exp.parse().ok()?;
    let mut digits: Vec<u8> = mantissa.bytes().filter(|b| *b != b'.').collect();
    let mut i = digits.len();
    loop {
        if i == 0 {
            digits.insert(0, b'1');
            digits.pop();
            exp += 1;
            break;
        }
        i -= 1;
        if digits[i] == b'9' {
            digits[i] = b'0';
        } else {
            digits[i] += 1;
            break;
        }
    }
    let digits = String::from_utf8(digits).ok()?;
    let (head, tail) = digits.split_at(1);
    Some(if tail.is_empty() {
        format!("{head}e{exp}")
    } else {
        format!("{head}.{tail}e{exp}")
    })
}

/// `str(n)` / `repr(n)` of a JSON number as Python's `json.loads` would have built it.
pub(crate) fn number_repr(n: &Number) -> String {
    match number(n) {
        PyNum::Int(i) => i.to_string(),
        PyNum::Float(f) => float_repr(f),
    }
}

/// `json.dumps(v)` with Python's defaults (`ensure_ascii=True`, `", "` and `": "`).
pub(crate) fn json_dumps(v: &Value) -> String {
    let mut out = String::new();
    dumps_into(&mut out, v);
    out
}

fn dumps_into(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&match number(n) {
            PyNum::Float(f) if f.is_nan() => "NaN".into(),
            PyNum::Float(f) if f.is_infinite() => {
                if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
            }
            _ => number_repr(n),
        }),
        Value::String(s) => json_string(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dumps_into(out, item);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, item)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_string(out, k);
                out.push_str(": ");
                dumps_into(out, item);
            }
            out.push('}');
        }
    }
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// `str(v)` in Python: strings as they are, everything else as its `repr`.
pub(crate) fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        _ => py_repr(v),
    }
}

/// `repr(v)` in Python for the objects `json.loads` builds. Non-printable characters in
/// strings are escaped for the ASCII range and a few well-known code points only.
pub(crate) fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) => number_repr(n),
        Value::String(s) => str_repr(s),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", str_repr(k), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200f}' | '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `text[start:end]` on code points with Python's clamping and negative indices.
pub(crate) fn py_slice(chars: &[char], start: Option<i64>, end: Option<i64>) -> String {
    let n = chars.len() as i64;
    let norm = |i: i64| -> usize {
        let i = if i < 0 { i + n } else { i };
        i.clamp(0, n) as usize
    };
    let s = start.map_or(0, norm);
    let e = end.map_or(n as usize, norm);
    if e <= s {
        String::new()
    } else {
        chars[s..e].iter().collect()
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1e20, "1e+20"),
            (1e-7, "1e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5, "1.5"),
            (5.0, "5.0"),
            (-0.0, "-0.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.5e300, "1.5e+300"),
            (-2.5e-5, "-2.5e-05"),
            (123456.789, "123456.789"),
            (999999999999999.9, "999999999999999.9"),
            (599538320218544.0 + 0.25, "599538320218544.2"),
            (599538320218544.0 + 0.75, "599538320218544.8"),
            (1216630810334873.0 + 0.25, "1216630810334873.2"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (1152921504606846976.0, "1.152921504606847e+18"),
        ];
        for (f, want) in cases {
            assert_eq!(float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn python_equality() {
        use serde_json::json;
        assert!(py_eq(&json!(1), &json!(1.0)));
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(py_eq(
            &json!({"a": [1, {"b": null}]}),
            &json!({"a": [1.0, {"b": null}]})
        ));
        assert!(!py_eq(&json!("1"), &json!(1)));
        assert!(!py_eq(&json!(null), &json!(false)));
    }

    #[test]
    fn slices_like_python() {
        let c: Vec<char> = "hello".chars().collect();
        assert_eq!(py_slice(&c, Some(1), Some(3)), "el");
        assert_eq!(py_slice(&c, Some(-2), None), "lo");
        assert_eq!(py_slice(&c, Some(4), Some(2)), "");
        assert_eq!(py_slice(&c, Some(3), Some(99)), "lo");
    }
}
