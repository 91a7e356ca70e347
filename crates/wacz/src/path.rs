//! Which ZIP entry names are safe to accept.
//!
//! A WACZ comes from elsewhere. Its entry names end up in our database and possibly on disk,
//! so a name that could point outside the package, or be read differently on another
//! platform, makes the whole package refused.

/// Returns why `raw` (the stored bytes of an entry name) is unsafe, or `None` if it is fine.
///
/// Refused: an empty name; NUL or other ASCII control characters; a backslash (a separator on
/// Windows, so `archive\..\x` climbs there); a leading `/` (absolute); a drive letter
/// (`C:`) or any other `:` in the first component; a `..` component anywhere.
/// Empty components (`a//b`) and `.` components are refused too, because they make one file
/// answer to several names.
pub(crate) fn unsafe_name_reason(raw: &[u8]) -> Option<&'static str> {
    if raw.is_empty() {
        return Some("empty name");
    }
    if raw.contains(&0) {
        return Some("NUL byte in name");
    }
    if raw.iter().any(|&byte| byte < 0x20 || byte == 0x7f) {
        return Some("control character in name");
    }
    if raw.contains(&b'\\') {
        return Some("backslash in name");
    }
    if raw[0] == b'/' {
        return Some("absolute path");
    }
    if raw.len() >= 2 && raw[0].is_ascii_alphabetic() && raw[1] == b':' {
        return Some("drive letter");
    }
    // A directory entry ends with '/', which leaves one empty last component.
    let trimmed = raw.strip_suffix(b"/").unwrap_or(raw);
    for component in trimmed.split(|&byte| byte == b'/') {
        match component {
            b".." => return Some("`..` component"),
            b"." => return Some("`.` component"),
            b"" => return Some("empty path component"),
            _ => {}
        }
    }
    if trimmed
        .split(|&byte| byte == b'/')
        .next()
        .is_some_and(|first| first.contains(&b':'))
    {
        return Some("`:` in first component");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::unsafe_name_reason;

    #[test]
    fn safe_names() {
        for name in [
            "datapackage.json",
            "archive/",
            "archive/rec-1.warc.gz",
            "pages/pages.jsonl",
            "logs/a..b.txt",
            "archive/x:y.warc",
        ] {
            assert_eq!(unsafe_name_reason(name.as_bytes()), None, "{name}");
        }
    }

    #[test]
    fn unsafe_names() {
        for (name, reason) in [
            ("", "empty name"),
            ("../../etc/x", "`..` component"),
            ("archive/../../x", "`..` component"),
            ("archive/..", "`..` component"),
            ("/abs", "absolute path"),
            ("archive\\..\\x", "backslash in name"),
            ("C:/x", "drive letter"),
            ("c:x", "drive letter"),
            ("archive/a\0.warc", "NUL byte in name"),
            ("archive/a\n.warc", "control character in name"),
            ("./archive/a.warc", "`.` component"),
            ("archive//a.warc", "empty path component"),
            ("//server/share", "absolute path"),
            ("ab:c/x", "`:` in first component"),
        ] {
            assert_eq!(
                unsafe_name_reason(name.as_bytes()),
                Some(reason),
                "{name:?}"
            );
        }
    }
}
