//! The search index: a small inverted index over every record, split into files
//! so that a search downloads only the part of the index it needs.
//!
//! Pagefind was measured first (its Rust crate, default features off): at 10,000
//! records it took 13 s and 1.3 GB to index, more than the whole build, so insyn
//! writes this simpler index instead (see `bench/`). The browser side is
//! `static/search.js`; both split text into words the same way ([`words`]).
//!
//! Files, under `search/<lang>/`:
//! - `index.json`: `{"docs": n, "per_file": 32, "chunks": [first word of each chunk]}`;
//! - `w<k>.json`: a chunk of words in order, each with its records as a short
//!   string ([`encode_postings`]);
//! - `d<k>.json`: records `k*32 …`: `[id, name, summary, department, name lang,
//!   department lang]` (a lang is `""` when the text is in the page's language).

use std::borrow::Cow;
use std::collections::HashMap;

/// Records per `d<k>.json` file: ten results need at most ten small files.
pub const DOCS_PER_FILE: usize = 32;

/// Roughly how many bytes of postings go in one `w<k>.json` file.
const CHUNK_BYTES: usize = 16 * 1024;

/// One record as the index sees it.
pub struct Doc<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub summary: &'a str,
    pub department: &'a str,
    pub name_lang: &'a str,
    pub department_lang: &'a str,
}

/// A record's words, each once, with a weight.
pub type Words = Vec<(String, u8)>;

/// The words of a record's fields (text, weight of the field: name high, body
/// low), each once with the highest weight it has.
pub fn words_of(fields: &[(&str, u8)]) -> Words {
    let mut seen: HashMap<Cow<str>, u8, Fnv> =
        HashMap::with_capacity_and_hasher(256, Fnv::default());
    for (text, weight) in fields {
        for w in words(text) {
            let e = seen.entry(w).or_insert(0);
            *e = (*e).max(*weight);
        }
    }
    seen.into_iter()
        .map(|(w, weight)| (w.into_owned(), weight))
        .collect()
}

/// FNV-1a: words are short and not chosen by an attacker who could gain from
/// collisions (the index is built once, offline), so a simple hash will do;
/// it makes indexing about a third faster than the default SipHash.
#[derive(Default)]
struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

/// Lower-cased words of letters and digits, at least two characters long.
pub fn words(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 2 && w.chars().nth(1).is_some())
        .map(|w| {
            // Most words are already lower case (å, ä and ö too): no copy for them.
            if w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                || w.chars().all(|c| c.is_lowercase() || c.is_ascii_digit())
            {
                Cow::Borrowed(w)
            } else {
                Cow::Owned(w.to_lowercase())
            }
        })
}

/// The files of the index for `docs` (in the order results are listed when
/// they score the same), as (file name, bytes). `words(n)` gives the words of
/// `docs[n]`, each with the highest weight of a field it is in ([`words_of`]);
/// they are asked for a slice of records at a time, on every core, so that
/// only one slice's words are held at once. When `stop()` says so between
/// slices, no files are made (`insyn serve`: a newer build makes them).
pub fn build(
    docs: &[Doc],
    words: impl Fn(usize) -> std::sync::Arc<Words> + Sync,
    stop: impl Fn() -> bool,
) -> Vec<(String, Vec<u8>)> {
    use rayon::prelude::*;
    let mut by_word: HashMap<String, Vec<(u32, u8)>, Fnv> = HashMap::default();
    for start in (0..docs.len()).step_by(1024) {
        if stop() {
            return Vec::new();
        }
        let slice: Vec<std::sync::Arc<Words>> = (start..docs.len().min(start + 1024))
            .into_par_iter()
            .map(&words)
            .collect();
        for (n, doc_words) in (start..).zip(&slice) {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            for (w, weight) in doc_words.iter() {
                match by_word.get_mut(w.as_str()) {
                    Some(list) => list.push((n, *weight)),
                    None => {
                        by_word.insert(w.clone(), vec![(n, *weight)]);
                    }
                }
            }
        }
    }
    let mut postings: Vec<(String, Vec<(u32, u8)>)> = by_word.into_iter().collect();
    postings.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut files = Vec::new();
    let mut chunks: Vec<String> = Vec::new();
    let mut chunk = String::new();
    let flush = |chunk: &mut String, files: &mut Vec<(String, Vec<u8>)>| {
        if !chunk.is_empty() {
            let name = format!("w{}.json", files.len());
            files.push((name, format!("{{{chunk}}}\n").into_bytes()));
            chunk.clear();
        }
    };
    let mut word_files = Vec::new();
    for (word, list) in &postings {
        if chunk.len() >= CHUNK_BYTES {
            flush(&mut chunk, &mut word_files);
        }
        if chunk.is_empty() {
            chunks.push(word.clone());
        } else {
            chunk.push(',');
        }
        chunk.push_str(&serde_json::to_string(word).unwrap_or_default());
        chunk.push_str(":\"");
        encode_postings(&mut chunk, list);
        chunk.push('"');
    }
    flush(&mut chunk, &mut word_files);
    files.extend(word_files);
    for (k, group) in docs.chunks(DOCS_PER_FILE).enumerate() {
        let rows: Vec<serde_json::Value> = group
            .iter()
            .map(|d| {
                serde_json::json!([
                    d.id,
                    d.name,
                    d.summary,
                    d.department,
                    d.name_lang,
                    d.department_lang
                ])
            })
            .collect();
        let mut bytes = serde_json::to_vec(&rows).unwrap_or_default();
        bytes.push(b'\n');
        files.push((format!("d{k}.json"), bytes));
    }
    let manifest = serde_json::json!({
        "docs": docs.len(),
        "per_file": DOCS_PER_FILE,
        "chunks": chunks,
    });
    let mut bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    bytes.push(b'\n');
    files.push(("index.json".to_owned(), bytes));
    files
}

/// Writes a word's records as a string of letters and digits, one letter per
/// record: the letter is its weight (`a` 1, `b` 2, `c` 4, `d` 8, …) and digits
/// before it the gap from the previous record when that is not 1 (`0a`: record
/// 0; `5c`: five records on). Digits before a capital letter are a run: that
/// many records in a row, all of that weight. Common words are in most records;
/// this keeps their lists to about a byte per record.
fn encode_postings(out: &mut String, list: &[(u32, u8)]) {
    use std::fmt::Write;
    let letter = |weight: u8, base: u8| char::from(base + (weight.max(1).ilog2() as u8).min(25));
    let mut last = 0;
    let mut i = 0;
    while i < list.len() {
        let (doc, weight) = list[i];
        let gap = doc - last;
        if gap != 1 {
            let _ = write!(out, "{gap}");
        }
        out.push(letter(weight, b'a'));
        last = doc;
        i += 1;
        let run = list[i..]
            .iter()
            .enumerate()
            .take_while(|(k, (d, w))| *d == doc + 1 + *k as u32 && *w == weight)
            .count();
        if run >= 3 {
            let _ = write!(out, "{run}");
            out.push(letter(weight, b'A'));
            last = doc + run as u32;
            i += run;
        }
    }
}

/// Reads a word's records back from [`encode_postings`]'s string, as (record,
/// weight); `static/search.js` does the same in the browser.
pub fn decode_postings(text: &str) -> Vec<(u32, u8)> {
    let mut out = Vec::new();
    let (mut doc, mut number) = (0u32, String::new());
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u32 = number.parse().unwrap_or(1);
        number.clear();
        if c.is_ascii_lowercase() {
            doc += n;
            out.push((doc, 1 << (c as u8 - b'a')));
        } else {
            for _ in 0..n {
                doc += 1;
                out.push((doc, 1 << (c as u8 - b'A')));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word of the index's `w<k>.json` files, with its encoded records.
    fn words_in(files: &[(String, Vec<u8>)]) -> serde_json::Map<String, serde_json::Value> {
        files
            .iter()
            .filter(|(n, _)| n.starts_with('w'))
            .flat_map(|(_, b)| {
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(b).unwrap()
            })
            .collect()
    }

    fn doc<'a>(id: &'a str, name: &'a str) -> Doc<'a> {
        Doc {
            id,
            name,
            summary: "",
            department: "",
            name_lang: "",
            department_lang: "",
        }
    }

    #[test]
    fn records_keep_their_numbers_across_the_slices_words_are_taken_in() {
        let ids: Vec<String> = (0..2100).map(|n| format!("r{n}")).collect();
        let docs: Vec<Doc> = ids.iter().map(|id| doc(id, id)).collect();
        let files = build(
            &docs,
            |n| {
                let own = format!("ord{n}");
                std::sync::Arc::new(words_of(&[(&own, 8), ("alla", 1)]))
            },
            || false,
        );
        let all = words_in(&files);
        for n in [0u32, 1023, 1024, 1025, 2047, 2048, 2099] {
            let list = decode_postings(all[&format!("ord{n}")].as_str().unwrap());
            assert_eq!(list, [(n, 8)]);
        }
        let every = decode_postings(all["alla"].as_str().unwrap());
        assert_eq!(every, (0..2100).map(|n| (n, 1)).collect::<Vec<_>>());
    }

    #[test]
    fn postings_are_a_letter_per_record_and_runs_are_counted() {
        let list = [
            (0, 1),
            (1, 4),
            (2, 1),
            (3, 1),
            (4, 1),
            (5, 1),
            (9, 8),
            (10, 2),
        ];
        let mut out = String::new();
        encode_postings(&mut out, &list);
        assert_eq!(out, "0aca3A4db");
        assert_eq!(decode_postings(&out), list);
        // Long lists of every kind come back as they were.
        let many: Vec<(u32, u8)> = (0..500u32)
            .filter(|d| d % 7 != 3)
            .map(|d| (d * 3 / 2, [1, 2, 4, 8][(d as usize / 5) % 4]))
            .collect();
        let mut out = String::new();
        encode_postings(&mut out, &many);
        assert_eq!(decode_postings(&out), many);
    }

    #[test]
    fn words_are_lower_case_letters_and_digits_of_two_or_more() {
        let w: Vec<Cow<str>> = words("Tal-till-text i SOCIALTJÄNSTEN, 2026 (a) **AI:n**").collect();
        assert_eq!(w, ["tal", "till", "text", "socialtjänsten", "2026", "ai"]);
    }

    #[test]
    fn postings_keep_the_highest_weight_and_gaps_between_records() {
        let records = [
            ("a", "Chattbot", "svarar på frågor"),
            ("b", "Tal till text", "chattbot nämns här"),
            ("c", "Ruttplanering", "chattbot igen, chattbot"),
        ];
        let docs: Vec<Doc> = records.iter().map(|(id, name, _)| doc(id, name)).collect();
        let files = build(
            &docs,
            |n| {
                let (_, name, body) = records[n];
                std::sync::Arc::new(words_of(&[(name, 8), (body, 1)]))
            },
            || false,
        );
        let all = words_in(&files);
        // Record 0 by name (weight 8), then 1 and 2 in the text (weight 1).
        assert_eq!(all["chattbot"], "0daa");
        assert_eq!(all["frågor"], "0a");
        let manifest: serde_json::Value =
            serde_json::from_slice(&files.iter().find(|(n, _)| n == "index.json").unwrap().1)
                .unwrap();
        assert_eq!(manifest["docs"], 3);
        assert_eq!(manifest["chunks"][0], "chattbot");
        let d0: serde_json::Value =
            serde_json::from_slice(&files.iter().find(|(n, _)| n == "d0.json").unwrap().1).unwrap();
        assert_eq!(d0[1][0], "b");
    }
}
