//! HTML bodies (Zhihu answers, Weibo posts) → plain text for indexing.

/// The text of an HTML fragment: tags removed (`<br>`, `</p>` and other block ends become line
/// breaks), `<script>` and `<style>` contents dropped, character references decoded. Not an
/// HTML parser: good enough for the bodies platforms send, and it never fails.
pub fn text_from_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut out, &rest[..lt]);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // A lone `<`: text.
            push_decoded(&mut out, &rest[lt..]);
            rest = "";
            break;
        };
        let tag = &after[..gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &after[gt + 1..];
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let close = format!("</{name}");
            match find_ascii_case_insensitive(rest, &close) {
                Some(i) => {
                    rest = &rest[i..];
                    rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
                }
                None => rest = "",
            }
            continue;
        }
        if matches!(
            name.as_str(),
            "br" | "p"
                | "div"
                | "li"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "figure"
                | "hr"
        ) && !out.ends_with('\n')
            && !out.is_empty()
        {
            out.push('\n');
        }
    }
    push_decoded(&mut out, rest);
    out.trim().to_owned()
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    (0..h.len().saturating_sub(n.len()) + 1)
        .find(|&i| h.len() >= i + n.len() && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&i| i <= 10);
        let decoded = end.and_then(|i| decode_entity(&after[..i]));
        match (end, decoded) {
            (Some(i), Some(c)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "middot" => '·',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_decodes() {
        assert_eq!(
            text_from_html(
                "<p>网络&amp;审查</p><p>第二段<br/>换行</p><script>var x = '<p>';</script>尾"
            ),
            "网络&审查\n第二段\n换行\n尾"
        );
        assert_eq!(
            text_from_html("a &lt;b&gt; &#32593;&#x7EDC; &bogus; & c"),
            "a <b> 网络 &bogus; & c"
        );
        assert_eq!(text_from_html("1 < 2"), "1 < 2");
        assert_eq!(text_from_html("<style>p{}</style"), "");
        assert_eq!(text_from_html(""), "");
    }
}
