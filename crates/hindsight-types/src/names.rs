//! Lists of intent and action names a setting holds: the path explorer's fallbacks
//! ([`crate::PathSettings`]) and Discover's candidate rules ([`crate::DiscoverSettings`]),
//! checked alike.

/// Most names one list may hold.
pub const MAX_NAMES: usize = 100;

/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// `list` with its names trimmed and repeats dropped, or `field` and what is wrong (an empty
/// name, one with a tab or line break or longer than [`MAX_NAME_CHARS`], more than
/// [`MAX_NAMES`] names).
pub fn checked_names(
    field: &'static str,
    list: Vec<String>,
) -> Result<Vec<String>, (&'static str, String)> {
    let mut out: Vec<String> = Vec::new();
    for name in list {
        let name = name.trim().to_owned();
        if name.is_empty()
            || name.contains(['\t', '\n', '\r'])
            || name.chars().count() > MAX_NAME_CHARS
        {
            return Err((
                field,
                format!(
                    "`{field}`: a name is 1 to {MAX_NAME_CHARS} characters without tabs or line \
                     breaks"
                ),
            ));
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    if out.len() > MAX_NAMES {
        return Err((field, format!("`{field}` holds at most {MAX_NAMES} names")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_drops_repeats_and_refuses_bad_names() {
        let list = vec![" a ".to_owned(), "a".to_owned(), "b".to_owned()];
        assert_eq!(checked_names("intents", list).unwrap(), ["a", "b"]);
        for bad in [" ", "a\tb", &"x".repeat(MAX_NAME_CHARS + 1)] {
            let err = checked_names("intents", vec![bad.to_owned()]).unwrap_err();
            assert_eq!(err.0, "intents");
            assert!(err.1.contains("`intents`"), "{}", err.1);
        }
        let many: Vec<String> = (0..=MAX_NAMES).map(|i| format!("n{i}")).collect();
        assert_eq!(checked_names("f", many).unwrap_err().0, "f");
        let repeated: Vec<String> = (0..=MAX_NAMES).map(|_| "same".to_owned()).collect();
        assert_eq!(checked_names("f", repeated).unwrap(), ["same"]);
    }
}
