//! The versions of each record, from its git history ([`crate::history`]): what
//! changed, field by field, in each version; the records that were removed;
//! renamed files followed (git's rename detection, or `previous_ids`). Commit
//! messages are only published when the site asks for it, and never one that a
//! git host wrote by itself or that holds personal data.

use crate::diagnostic::Diagnostic;
use crate::fields::{Doc, Fields};
use crate::history::{Change, FileChange, History};
use crate::model::*;
use crate::msg;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Reads `history:` of site.yaml.
pub fn read_settings(doc: &mut Doc, mut f: Fields) -> Option<HistorySettings> {
    let messages = f.opt_bool(doc, "messages").unwrap_or(false);
    let repository = f.get("repository").and_then(|n| {
        let text = doc.text("history.repository", n)?;
        let text = text.trim().trim_end_matches('/').to_owned();
        let inside = !text.is_empty()
            && !text.starts_with('/')
            && !text.contains('\\')
            && !text.contains(':')
            && text.split('/').all(|part| !part.is_empty() && part != "..");
        if inside {
            Some(text)
        } else {
            doc.error(
                "history-repository-outside",
                n.pos,
                msg!(doc.lang, "`history.repository` ({text}) måste vara en mapp inuti webbplatsens mapp.", "`history.repository` ({text}) must be a folder inside the site's folder."),
                msg!(doc.lang, "Ange mappen relativt till webbplatsens mapp, till exempel `repository: historik.git`, eller ta bort raden så läses historiken från det git-arkiv webbplatsen ligger i.", "Give the folder relative to the site's folder, for example `repository: history.git`, or remove the line to read the history from the git repository the site is in."),
            );
            None
        }
    });
    f.finish(doc);
    Some(HistorySettings {
        messages,
        repository,
    })
}

/// What changed in one field between two versions.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldChange {
    /// A field with a closed list of values (or the name): old and new value.
    Choice {
        path: String,
        old: Option<Value>,
        new: Option<Value>,
    },
    /// A text: old and new, for readers who want to compare.
    Text {
        path: String,
        old: Option<String>,
        new: Option<String>,
    },
    /// An assessment was added (or removed).
    Assessment {
        kind: String,
        date: Option<String>,
        added: bool,
    },
    /// Anything else (dates, lists, contact details): that it changed.
    Other { path: String },
}

impl FieldChange {
    /// The field paths this change is about, for `register.json`.
    fn path(&self) -> &str {
        match self {
            FieldChange::Choice { path, .. }
            | FieldChange::Text { path, .. }
            | FieldChange::Other { path } => path,
            FieldChange::Assessment { .. } => "assessments",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Created,
    Changed(Vec<FieldChange>),
    /// This version or the one before could not be read as a record.
    Unreadable,
}

/// One version of a record: the commit that made it and what it changed.
#[derive(Debug, Clone)]
pub struct Version {
    /// 1 for the first version.
    pub n: usize,
    pub change: Change,
    pub what: What,
    /// `change_note` when this version set or changed it.
    pub note: Option<String>,
    /// The commit message, when the site publishes them and this one may be.
    pub message: Option<String>,
    /// The record as it was (none when it could not be read).
    pub system: Option<Arc<System>>,
}

/// The versions of one record, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub versions: Vec<Version>,
    /// When the record was removed from the register (removed records only).
    pub removed: Option<Change>,
}

impl Timeline {
    /// When the version numbered `n` stopped being the current one.
    pub fn until(&self, n: usize) -> Option<&Change> {
        self.versions
            .get(n)
            .map(|v| &v.change)
            .or(self.removed.as_ref())
    }
}

#[derive(Debug, Default)]
pub struct Timelines {
    /// Current record id → its versions.
    pub current: HashMap<String, Timeline>,
    /// Removed record id → its versions and when it was removed (by id).
    pub removed: BTreeMap<String, Timeline>,
    /// Commit messages that were left out because they hold personal data:
    /// the commit and what was found.
    pub withheld: Vec<(Change, &'static str)>,
}

/// The versions of a file in the history: (commit index, blob) oldest first.
#[derive(Default)]
struct Chain {
    path: String,
    versions: Vec<(usize, String)>,
    removed: Option<usize>,
}

/// Follows each record file through the commits, renames included.
fn chains(history: &History) -> Vec<Chain> {
    let mut chains: Vec<Chain> = Vec::new();
    let mut live: HashMap<String, usize> = HashMap::new();
    let mut gone: HashMap<String, usize> = HashMap::new();
    for (i, (_, files)) in history.changes.iter().enumerate().rev() {
        for file in files {
            match file {
                FileChange::Written { path, blob } => {
                    let chain = match live.get(path) {
                        Some(&c) => c,
                        None => {
                            // Added again after a removal: the same record.
                            let c = gone.remove(path).unwrap_or_else(|| {
                                chains.push(Chain {
                                    path: path.clone(),
                                    ..Chain::default()
                                });
                                chains.len() - 1
                            });
                            chains[c].removed = None;
                            live.insert(path.clone(), c);
                            c
                        }
                    };
                    chains[chain].versions.push((i, blob.clone()));
                }
                FileChange::Renamed { from, path, blob } => {
                    let chain = live.remove(from).unwrap_or_else(|| {
                        chains.push(Chain::default());
                        chains.len() - 1
                    });
                    chains[chain].path = path.clone();
                    chains[chain].versions.push((i, blob.clone()));
                    live.insert(path.clone(), chain);
                }
                FileChange::Deleted { path } => {
                    if let Some(chain) = live.remove(path) {
                        chains[chain].removed = Some(i);
                        gone.insert(path.clone(), chain);
                    }
                }
            }
        }
    }
    chains
}

fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name)
}

/// What the record reader needs to read an old version.
pub struct Reader<'a> {
    pub today: jiff::civil::Date,
    pub lang: Language,
    pub languages: &'a [Language],
    pub base_url: &'a str,
}

/// The versions of every record (current and removed) in `register`.
pub fn plan(history: &History, register: &Register, reader: &Reader) -> Timelines {
    let by_source: HashMap<&str, &str> = register
        .systems
        .iter()
        .map(|s| (s.source.as_str(), s.id.as_str()))
        .collect();
    let current_ids: HashMap<&str, &System> = register
        .systems
        .iter()
        .map(|s| (s.id.as_str(), &**s))
        .collect();
    // Chains by the id they end under: a current record's, or a removed one's.
    let mut current: HashMap<String, Vec<Chain>> = HashMap::new();
    let mut removed: BTreeMap<String, Vec<Chain>> = BTreeMap::new();
    for chain in chains(history) {
        match (chain.removed, by_source.get(chain.path.as_str())) {
            (None, Some(id)) => current.entry((*id).to_owned()).or_default().push(chain),
            (None, None) => {} // In the history, but not on disk: not published.
            (Some(_), _) => {
                let id = stem(&chain.path).to_owned();
                removed.entry(id).or_default().push(chain)
            }
        }
    }
    // A removed id that a current record names in `previous_ids` (or has
    // itself) is that record's history.
    for s in &register.systems {
        for old in s
            .previous_ids
            .iter()
            .map(String::as_str)
            .chain([s.id.as_str()])
        {
            if let Some(chains) = removed.remove(old) {
                current.entry(s.id.clone()).or_default().extend(chains);
            }
        }
    }
    removed.retain(|id, _| !current_ids.contains_key(id.as_str()));
    // Histories joined from several files: every version is compared, also
    // those of a file written once (not read with the history).
    let mut missing: Vec<String> = current
        .values()
        .filter(|chains| chains.len() > 1)
        .flatten()
        .flat_map(|c| c.versions.iter().map(|(_, blob)| blob))
        .filter(|blob| !history.blobs.contains_key(*blob))
        .cloned()
        .collect();
    missing.sort_unstable();
    missing.dedup();
    let more = history.more_blobs(&missing);
    let settings = &register.site.history;
    let texts = Texts {
        history,
        more: &more,
    };
    let build = |id: &str, chains: Vec<Chain>, is_removed: bool| {
        timeline(&texts, id, chains, is_removed, settings, reader)
    };
    let current: HashMap<String, Timeline> = current
        .into_par_iter()
        .map(|(id, chains)| {
            let t = build(&id, chains, false);
            (id, t)
        })
        .collect();
    let removed: BTreeMap<String, Timeline> = removed
        .into_par_iter()
        .map(|(id, chains)| {
            let t = build(&id, chains, true);
            (id, t)
        })
        .collect();
    let withheld = if settings.messages {
        withheld(history)
    } else {
        Vec::new()
    };
    Timelines {
        current,
        removed,
        withheld,
    }
}

/// The commits whose message is left out for personal data, and what it holds.
fn withheld(history: &History) -> Vec<(Change, &'static str)> {
    history
        .changes
        .iter()
        .filter_map(|(change, _)| match public_message(&change.message) {
            Err(Some(found)) => Some((change.clone(), found)),
            _ => None,
        })
        .collect()
}

/// A version's content as plain JSON, for comparing (`None`: not YAML).
fn read_json(text: &str, shown: &str, reader: &Reader) -> Option<Value> {
    crate::yaml::parse(shown, text, reader.lang)
        .ok()
        .map(|n| crate::yaml::to_json(&n.value))
}

/// A version as a record, read as the loader reads one (`None`: it has errors).
fn read_record(text: &str, shown: &str, id: &str, reader: &Reader) -> Option<Arc<System>> {
    let mut s = crate::load::record_from_text(
        shown,
        text,
        id,
        reader.today,
        reader.lang,
        reader.languages,
    )?;
    s.url = format!("{}system/{id}/", reader.base_url);
    s.sort_key = swedish_sort_key(&s.name);
    Some(Arc::new(s))
}

/// Earlier versions of a record with a page of their own: the newest this
/// many (every version keeps its summary). Bounds the pages a long history
/// makes: at most this many per record, however many years it covers.
pub const VERSION_PAGES: usize = 10;

/// The texts of versions: read with the history, or afterwards.
struct Texts<'h> {
    history: &'h History,
    more: &'h HashMap<String, Arc<str>>,
}

fn timeline(
    texts_of: &Texts,
    id: &str,
    mut chains: Vec<Chain>,
    is_removed: bool,
    settings: &HistorySettings,
    reader: &Reader,
) -> Timeline {
    let history = texts_of.history;
    // Oldest first across every chain (commit indexes count down in time).
    let removed = chains.iter().filter_map(|c| c.removed).min();
    let mut raw: Vec<(usize, String, String)> = chains
        .iter_mut()
        .flat_map(|c| {
            let path = c.path.clone();
            std::mem::take(&mut c.versions)
                .into_iter()
                .map(move |(i, blob)| (i, blob, path.clone()))
        })
        .collect();
    raw.sort_by_key(|v| std::cmp::Reverse(v.0));
    // One version only, never changed: nothing to compare, read only for its note.
    let read_all = raw.len() > 1 || is_removed;
    let mut versions: Vec<Version> = Vec::new();
    // Each kept version's text and path, to read as a record where it gets a page.
    let mut texts: Vec<Option<(Arc<str>, String)>> = Vec::new();
    let mut previous: Option<Option<Value>> = None;
    for (i, blob, path) in raw {
        let Some((change, _)) = history.changes.get(i) else {
            continue;
        };
        let text = history
            .blobs
            .get(&blob)
            .or_else(|| texts_of.more.get(&blob));
        let json = match text {
            Some(text) if read_all || text.contains("change_note") => {
                read_json(text, &path, reader)
            }
            _ => None,
        };
        let what = match &previous {
            None => What::Created,
            Some(before) => match (before, &json) {
                // Only whitespace or comments changed: not a version.
                (Some(a), Some(b)) if a == b => continue,
                (Some(a), Some(b)) => What::Changed(diff(a, b)),
                _ => What::Unreadable,
            },
        };
        let note_of = |j: &Option<Value>| {
            j.as_ref()
                .and_then(|j| j.get("change_note"))
                .and_then(Value::as_str)
                .map(|s| s.trim().to_owned())
        };
        let note = note_of(&json)
            .filter(|n| previous.as_ref().and_then(note_of).as_ref() != Some(n))
            .filter(|n| !n.is_empty());
        let message = if settings.messages {
            public_message(&change.message).ok()
        } else {
            None
        };
        versions.push(Version {
            n: versions.len() + 1,
            change: change.clone(),
            what,
            note,
            message,
            system: None,
        });
        texts.push(text.map(|t| (t.clone(), path)));
        previous = Some(json);
    }
    // Read as records: the versions that get a page (the newest earlier ones,
    // and a removed record's last).
    let last = versions.len().saturating_sub(1);
    for (i, (v, text)) in versions.iter_mut().zip(&texts).enumerate() {
        let wanted = i + VERSION_PAGES >= last && (i < last || is_removed);
        if let (true, Some((text, path))) = (wanted, text) {
            v.system = read_record(text, path, id, reader);
        }
    }
    Timeline {
        versions,
        removed: removed
            .filter(|_| is_removed)
            .and_then(|i| history.changes.get(i))
            .map(|(c, _)| c.clone()),
    }
}

/// Fields whose values come from a closed list, plus the name (short enough
/// to show old and new in the sentence).
fn is_choice(path: &str) -> bool {
    path == "name"
        || VOCABULARY_FIELDS
            .iter()
            .any(|(p, ..)| *p == path && *p != "assessments.type")
}

const TEXTS: &[&str] = &[
    "summary",
    "purpose",
    "human_oversight",
    "how_it_works",
    "legal_basis",
    "appeal",
    "disclosure",
    "environment",
    "data.description",
    "risk.description",
];

/// Leaves of a record's JSON by path; lists and a few maps are whole values.
fn flatten<'v>(value: &'v Value, prefix: &str, out: &mut BTreeMap<String, &'v Value>) {
    match value {
        Value::Object(map) if !matches!(prefix, "translations" | "contact" | "supplier") => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(v, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned(), value);
        }
    }
}

/// The changes from `old` to `new`, in the order fields are read.
fn diff(old: &Value, new: &Value) -> Vec<FieldChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten(old, "", &mut a);
    flatten(new, "", &mut b);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort_by_key(|p| (reading_order(p), (*p).clone()));
    paths.dedup();
    let mut out = Vec::new();
    for path in paths {
        let (before, after) = (a.get(path).copied(), b.get(path).copied());
        if before == after || matches!(path.as_str(), "change_note" | "previous_ids") {
            continue;
        }
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        if path == "assessments" {
            let list = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
            let (before, after) = (list(before), list(after));
            let one = |v: &Value, added| FieldChange::Assessment {
                kind: v["type"].as_str().unwrap_or_default().to_owned(),
                date: v["date"].as_str().map(str::to_owned),
                added,
            };
            let added: Vec<_> = after.iter().filter(|v| !before.contains(v)).collect();
            let gone: Vec<_> = before.iter().filter(|v| !after.contains(v)).collect();
            if added.len() + gone.len() > 0 && (added.is_empty() || gone.is_empty()) {
                out.extend(added.into_iter().map(|v| one(v, true)));
                out.extend(gone.into_iter().map(|v| one(v, false)));
            } else {
                out.push(FieldChange::Other { path: path.clone() });
            }
        } else if is_choice(path) {
            out.push(FieldChange::Choice {
                path: path.clone(),
                old: before.cloned(),
                new: after.cloned(),
            });
        } else if TEXTS.contains(&path.as_str()) {
            out.push(FieldChange::Text {
                path: path.clone(),
                old: text(before),
                new: text(after),
            });
        } else {
            out.push(FieldChange::Other { path: path.clone() });
        }
    }
    out
}

fn reading_order(path: &str) -> usize {
    let top = path.split('.').next().unwrap_or(path);
    FIELD_HELP
        .iter()
        .position(|(p, ..)| *p == path || *p == top)
        .unwrap_or(usize::MAX)
}

/// The commit message as it may be published, or why not: `Err(None)` for a
/// message a git host writes by itself (or an empty one), `Err(Some(what))`
/// for one holding personal data.
pub fn public_message(message: &str) -> Result<String, Option<&'static str>> {
    // Control characters (a terminal's escape sequences, separators) are
    // never published: each is a space.
    let m: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let m = m.trim();
    let lower = m.to_lowercase();
    let default = m.is_empty()
        || [
            "update ",
            "create ",
            "delete ",
            "rename ",
            "revert \"",
            "merge ",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
        || [
            "add files via upload",
            "initial commit",
            "first commit",
            "update",
            "wip",
        ]
        .contains(&lower.as_str())
        || lower.starts_with("add ") && (lower.ends_with(".yaml") || lower.ends_with(".yml"));
    if default {
        return Err(None);
    }
    if let Some(found) = personal_data(m) {
        return Err(Some(found));
    }
    Ok(m.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// What kind of personal data `text` holds, if any: a personnummer (or
/// samordningsnummer), an e-mail address or a phone number.
pub fn personal_data(text: &str) -> Option<&'static str> {
    let text: String = text.chars().map(crate::lint::plain_dash).collect();
    let text = text.as_str();
    if text.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        w.split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
    }) {
        return Some("email");
    }
    // Runs of digits with the separators numbers are written with.
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        let separator = matches!(c, '-' | '+' | ' ') && next_digit;
        // A leading `+` (`+46 …`) starts a run; inside one, separators join digits.
        if c.is_ascii_digit() || (separator && (!run.is_empty() || c == '+')) {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs.push(run);
    for run in &runs {
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        let compact: String = run.chars().filter(|c| *c != ' ').collect();
        if is_personnummer(&compact) {
            return Some("personnummer");
        }
        let phone = (run.starts_with('0') || run.starts_with('+')) && digits.len() >= 7;
        if phone && digits.len() <= 15 {
            return Some("phone");
        }
    }
    None
}

/// `YYMMDD-NNNN`, `YYMMDD+NNNN`, `YYYYMMDD-NNNN`, `YYMMDDNNNN` or
/// `YYYYMMDDNNNN`, with a valid day (+60 for a samordningsnummer). Without a
/// dash or plus the Luhn check digit must be right too (other long numbers
/// are not taken for one); with it, a mistyped check digit still names a
/// person.
fn is_personnummer(text: &str) -> bool {
    let (date, rest, written) = match text.find(['-', '+']) {
        Some(at) => (&text[..at], &text[at + 1..], true),
        None if text.len() >= 10 => {
            let (date, rest) = text.split_at(text.len() - 4);
            (date, rest, false)
        }
        None => return false,
    };
    if rest.len() != 4 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let date = match date.len() {
        8 => &date[2..],
        6 => date,
        _ => return false,
    };
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let ten: Vec<u32> = date
        .chars()
        .chain(rest.chars())
        .filter_map(|c| c.to_digit(10))
        .collect();
    let month = ten[2] * 10 + ten[3];
    let day = ten[4] * 10 + ten[5];
    let day = if day > 60 { day - 60 } else { day };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    let sum: u32 = ten
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let d = if i % 2 == 0 { d * 2 } else { d };
            d / 10 + d % 10
        })
        .sum();
    written || sum.is_multiple_of(10)
}

/// For `insyn check`: the warnings about commit messages of the site at
/// `root` (only when it publishes them).
pub fn check(root: &std::path::Path, site: &Site) -> Vec<Diagnostic> {
    if !site.history.messages {
        return Vec::new();
    }
    let source = crate::history::Source::of(root, site.history.repository.as_deref());
    let history = crate::history::read_from(&source);
    let timelines = Timelines {
        withheld: withheld(&history),
        ..Timelines::default()
    };
    warnings(&timelines, site.site.language)
}

/// Warnings for `insyn check`: commit messages left out for personal data.
pub fn warnings(timelines: &Timelines, lang: Language) -> Vec<Diagnostic> {
    timelines
        .withheld
        .iter()
        .map(|(change, found)| {
            let (commit, date) = (&change.commit, &change.date);
            let what = match (lang, *found) {
                (Language::Sv, "personnummer") => "ett personnummer",
                (Language::Sv, "email") => "en e-postadress",
                (Language::Sv, _) => "ett telefonnummer",
                (Language::En, "personnummer") => "a personal identity number",
                (Language::En, "email") => "an e-mail address",
                (Language::En, _) => "a phone number",
            };
            Diagnostic::warning(
                "history-personal-data",
                "register/site.yaml",
                msg!(lang, "Meddelandet till ändringen {commit} ({date}) innehåller {what}. Det publiceras inte.", "The message of the change {commit} ({date}) holds {what}. It is not published."),
            )
            .hint(msg!(lang, "Inget behöver göras för webbplatsen. Skriv en publik kommentar till en ändring i postens fält `change_note`, inte i meddelandet.", "Nothing needs to be done for the site. Write a public note on a change in the record's `change_note` field, not in the message."))
        })
        .collect()
}

/// The label of a field in sentences (`history.fields.<key>` in the theme).
fn field_key(path: &str) -> &str {
    match path {
        "data.personal_data" => "personal_data",
        "data.location" => "location",
        "data.used_for_training" => "used_for_training",
        "data.description" => "data_description",
        "risk.ai_act" => "ai_act",
        "risk.description" => "risk_description",
        other => other,
    }
}

/// Sentences in the site's language: each an object with `text` and, for a
/// text, `old` and `new`.
pub fn sentences(version: &Version, t: &Value) -> Vec<Value> {
    let h = &t["history"];
    let s = |key: &str| h[key].as_str().unwrap_or_default().to_owned();
    let field = |path: &str| {
        h["fields"][field_key(path)]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| path.to_owned())
    };
    let label = |path: &str, v: &Value| -> String {
        let group = VOCABULARY_FIELDS
            .iter()
            .find(|(p, ..)| *p == path)
            .map(|(.., g)| *g);
        let one = |v: &Value| {
            let raw = v.as_str().unwrap_or_default();
            group
                .and_then(|g| t["labels"][g][raw].as_str())
                .unwrap_or(raw)
                .to_owned()
        };
        match v {
            Value::Array(items) => items.iter().map(one).collect::<Vec<_>>().join(", "),
            v => one(v),
        }
    };
    let changes = match &version.what {
        What::Created => return vec![json!({ "text": s("created") })],
        What::Unreadable => return vec![json!({ "text": s("changed") })],
        What::Changed(changes) => changes,
    };
    let mut out = Vec::new();
    let mut seen_other: Vec<String> = Vec::new();
    for c in changes {
        let item = match c {
            FieldChange::Choice { path, old, new } => {
                let f = field(path);
                match (old, new) {
                    (Some(o), Some(n)) => json!({ "text": s("choice")
                        .replace("{field}", &f)
                        .replace("{old}", &label(path, o))
                        .replace("{new}", &label(path, n)) }),
                    (None, Some(n)) => json!({ "text": s("choice_set")
                        .replace("{field}", &f)
                        .replace("{new}", &label(path, n)) }),
                    _ => json!({ "text": s("removed_field").replace("{field}", &f) }),
                }
            }
            FieldChange::Text { path, old, new } => {
                let key = match (old, new) {
                    (None, _) => "text_added",
                    (_, None) => "text_removed",
                    _ => "text",
                };
                json!({
                    "text": s(key).replace("{field}", &h["texts"][field_key(path)].as_str().map(str::to_owned).unwrap_or_else(|| field(path))),
                    "old": old,
                    "new": new,
                })
            }
            FieldChange::Assessment { kind, date, added } => {
                let kind = t["labels"]["assessment"][kind.as_str()]
                    .as_str()
                    .unwrap_or(kind)
                    .to_owned();
                let key = match (added, date) {
                    (true, Some(_)) => "assessment_added",
                    (true, None) => "assessment_added_undated",
                    (false, _) => "assessment_removed",
                };
                json!({ "text": s(key).replace("{kind}", &kind).replace("{date}", date.as_deref().unwrap_or_default()) })
            }
            FieldChange::Other { path } => {
                let f = field(path.split('.').next().unwrap_or(path));
                if seen_other.contains(&f) {
                    continue;
                }
                seen_other.push(f.clone());
                json!({ "text": s("other").replace("{field}", &f) })
            }
        };
        out.push(item);
    }
    if out.is_empty() {
        out.push(json!({ "text": s("changed") }));
    }
    out
}

/// One version in `register.json`: its number, time, the fields it changed
/// and, for fields with a closed list of values, the old and new value.
pub fn export(version: &Version) -> Value {
    let mut fields: Vec<&str> = Vec::new();
    let mut values = serde_json::Map::new();
    if let What::Changed(changes) = &version.what {
        for c in changes {
            if !fields.contains(&c.path()) {
                fields.push(c.path());
            }
            if let FieldChange::Choice { path, old, new } = c {
                values.insert(path.clone(), json!({ "old": old, "new": new }));
            }
        }
    }
    let change = match version.what {
        What::Created => "created",
        What::Changed(_) => "changed",
        What::Unreadable => "changed",
    };
    let mut out = json!({
        "version": version.n,
        "time": version.change.time,
        "date": version.change.date,
        "change": change,
        "fields": fields,
        "values": values,
    });
    if let Some(note) = &version.note {
        out["note"] = json!(note);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personnummer_with_and_without_century_and_either_sign() {
        for text in [
            "Tog bort personnumret 19801212-1235 som Kalle klistrat in",
            "801212-1235",
            "801212+1235",
            "8012121235",
            "198012121235",
            "samordningsnummer 801272-1232",
            "Tog bort 19801212\u{2013}1235 (med tankstreck)",
            "801212\u{2011}1235",
            // Written with a dash and a real day, a wrong check digit still
            // names someone (mistyped): left out too.
            "Tog bort personnumret 19801212-1234 som Kalle klistrat in",
        ] {
            assert_eq!(personal_data(text), Some("personnummer"), "{text}");
        }
        assert!(
            !is_personnummer("8012121234"),
            "no dash: the check digit decides"
        );
        assert!(!is_personnummer("19801312-1234"), "no month 13");
        assert_eq!(personal_data("Status 2026-05-06"), None);
        assert_eq!(personal_data("Ändrade status till används"), None);
        assert_eq!(personal_data("ring 08-123 456 78"), Some("phone"));
        assert_eq!(personal_data("skriv till kalle@exempel.se."), Some("email"));
    }

    #[test]
    fn default_messages_of_git_hosts_are_left_out() {
        for m in [
            "Update chattbot.yaml",
            "Add files via upload",
            "Merge pull request #12 from kommun/patch-1",
            "Create ny-tjanst.yaml",
            "Delete gammal.yaml",
            "",
        ] {
            assert_eq!(public_message(m), Err(None), "{m}");
        }
        assert_eq!(
            public_message("Status: används sedan nämndens beslut"),
            Ok("Status: används sedan nämndens beslut".into())
        );
    }

    #[test]
    fn diff_names_choice_values_texts_and_new_assessments() {
        let old = json!({"status": "pilot", "purpose": "A", "assessments": []});
        let new = json!({"status": "in_use", "purpose": "B", "assessments": [{"type": "dpia", "date": "2026-05-06"}]});
        let d = diff(&old, &new);
        assert_eq!(
            d[0],
            FieldChange::Choice {
                path: "status".into(),
                old: Some(json!("pilot")),
                new: Some(json!("in_use"))
            }
        );
        assert!(d.contains(&FieldChange::Text {
            path: "purpose".into(),
            old: Some("A".into()),
            new: Some("B".into())
        }));
        assert!(d.contains(&FieldChange::Assessment {
            kind: "dpia".into(),
            date: Some("2026-05-06".into()),
            added: true
        }));
    }
}
