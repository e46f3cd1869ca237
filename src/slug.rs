//! Ids and URL segments: lowercase `a-z`, `0-9` and single `-` between words.

/// True when `s` is a valid id: `a-z`, `0-9` and `-`, not at the ends, never doubled.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// A slug for any text, transliterating Swedish and other Latin letters
/// (`å ä → a`, `ö → o`, `é → e`); other characters become `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'å' | 'ä' | 'á' | 'à' | 'â' | 'ã' | 'ā' => "a",
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' | 'õ' => "o",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'ü' | 'ú' | 'ù' | 'û' => "u",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ç' => "c",
            'ñ' => "n",
            'ß' => "ss",
            'æ' => "ae",
            'þ' => "th",
            _ => "-",
        };
        out.push_str(mapped);
    }
    let mut slug = String::with_capacity(out.len());
    for part in out.split('-').filter(|p| !p.is_empty()) {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(part);
    }
    // Keep ids short enough for file systems and URLs, cut at a word boundary.
    if slug.len() > 80 {
        let cut = slug[..80].rfind('-').unwrap_or(80);
        slug.truncate(cut);
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterates_swedish() {
        assert_eq!(
            slugify("Röststyrd  journalföring – Äldreomsorg"),
            "roststyrd-journalforing-aldreomsorg"
        );
        assert_eq!(slugify("  --  "), "");
        assert!(is_slug("chattbot-2"));
        assert!(!is_slug("Chattbot"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug("språk"));
    }
}
