//! Discover and load a register: walk `register/`, read each file safely, turn it
//! into typed records, and check the rules that span records. Every problem in
//! every file is collected, so an editor sees all of them at once.

use crate::diagnostic::Diagnostic;
use crate::fields::{Doc, Fields};
use crate::model::*;
use crate::msg;
use crate::slug::{is_slug, slugify};
use crate::yaml::{self, Node, Pos};
use jiff::civil::Date;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Records read by an earlier build in the same process (`insyn serve`): a file
/// whose size and modification time have not changed is not read again.
#[derive(Default)]
pub struct RecordCache {
    entries: Mutex<HashMap<PathBuf, CachedRecord>>,
    /// Set by a caller that reports every change ([`RecordCache::forget`]): then
    /// an entry is trusted without looking at the file's time stamp again.
    watched: std::sync::atomic::AtomicBool,
    /// While watched: the record files found last time, with what finding them
    /// reported, until a file appears or goes.
    listing: Mutex<Option<(Vec<PathBuf>, Vec<Diagnostic>)>>,
    /// Counts changes reported: what a build read is kept only if no change
    /// came in while it was reading (else it could keep an older text).
    epoch: std::sync::atomic::AtomicU64,
}

impl RecordCache {
    /// From now on, changes are reported with [`RecordCache::forget`].
    pub fn watch(&self) {
        self.watched
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Something changed at `path` (or appeared, or went). A record file is read
    /// again next time; a change of a `systems` folder itself (removed, renamed)
    /// makes every record be read again. Other files in it (an editor's
    /// temporary file or backup, written when saving a record) and changes
    /// elsewhere (pages, theme) leave the records as they are.
    pub fn forget(&self, path: &Path) {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let is_record = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let in_systems = path.components().any(|c| c.as_os_str() == "systems");
        match path.file_name() {
            Some(name) if is_record => entries.retain(|p, _| p.file_name() != Some(name)),
            Some(name) if name == "systems" => entries.clear(),
            _ => {}
        }
        drop(entries);
        // A file that appeared or went (or anything else in a `systems` folder):
        // look at the folder again.
        if in_systems && let Ok(mut listing) = self.listing.lock() {
            // Event paths are absolute, the listing's are not: compare names.
            let known = listing
                .as_ref()
                .is_some_and(|(files, _)| files.iter().any(|f| f.file_name() == path.file_name()));
            if !is_record || known != path.is_file() {
                *listing = None;
            }
        }
    }

    fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Everything is read again next time.
    pub fn clear(&self) {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
        if let Ok(mut listing) = self.listing.lock() {
            *listing = None;
        }
    }

    /// The record files of `register/systems/`: the last listing while nothing
    /// appeared or went (only when watched), else a fresh one.
    fn files(
        &self,
        find: impl FnOnce(&mut Vec<Diagnostic>) -> Vec<PathBuf>,
    ) -> (Vec<PathBuf>, Vec<Diagnostic>) {
        let watched = self.watched.load(std::sync::atomic::Ordering::SeqCst);
        if watched
            && let Ok(listing) = self.listing.lock()
            && let Some(found) = listing.as_ref()
        {
            return found.clone();
        }
        let mut diags = Vec::new();
        let before = self.epoch();
        let files = find(&mut diags);
        if watched
            && let Ok(mut listing) = self.listing.lock()
            && self.epoch() == before
        {
            *listing = Some((files.clone(), diags.clone()));
        }
        (files, diags)
    }
}

struct CachedRecord {
    stamp: (u64, Option<SystemTime>),
    /// What else the result depends on (today, languages, base URL).
    context: u64,
    system: Option<Arc<System>>,
    diags: Vec<Diagnostic>,
    twin: Option<crate::twins::Twin>,
}

/// A quick, stable hash for fingerprints (not for security).
pub fn fingerprint(parts: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// A record or page larger than this is certainly not written by hand; reading it
/// could only waste time and memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Page slugs the site itself uses for its own pages.
pub const RESERVED_SLUGS: &[&str] = &[
    "system",
    "sv",
    "en",
    "sok",
    "search",
    "forvaltning",
    "status",
    "risk",
    "personuppgifter",
    "static",
    "tillganglighet",
    "ordlista",
    "andringar",
    "oppna-data",
    "statistik",
    "schema",
    "klaga",
    "index",
    "404",
    "standards",
];

pub struct Loaded {
    /// The language messages are written in: the site's, or Swedish.
    pub lang: Language,
    /// Present when there are no errors.
    pub register: Option<Register>,
    /// Errors and warnings, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// How many records were read without errors.
    pub checked: usize,
}

/// Today's date for the date rules; `INSYN_TODAY=YYYY-MM-DD` pins it (tests, reproducible CI).
/// A value that is not such a date is ignored here; [`today_checked`] refuses it.
pub fn today() -> Date {
    today_checked(Language::Sv).unwrap_or_else(|_| jiff::Zoned::now().date())
}

/// [`today`], with `INSYN_TODAY` set to something that is not a date an error:
/// a CI job that means to pin the date must not silently run on another day.
/// (Set but empty counts as not set.)
pub fn today_checked(lang: Language) -> Result<Date, Diagnostic> {
    let Some(value) = std::env::var_os("INSYN_TODAY") else {
        return Ok(jiff::Zoned::now().date());
    };
    let text = value.to_string_lossy();
    let text = text.trim();
    if text.is_empty() {
        return Ok(jiff::Zoned::now().date());
    }
    let valid = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    match text.parse::<Date>() {
        Ok(date) if valid => Ok(date),
        _ => Err(Diagnostic::error(
            "invalid-today",
            "INSYN_TODAY",
            msg!(
                lang,
                "Miljövariabeln INSYN_TODAY är inte ett datum som ÅÅÅÅ-MM-DD.",
                "The environment variable INSYN_TODAY is not a date like YYYY-MM-DD."
            ),
        )
        .hint(msg!(
            lang,
            "Sätt den till ett datum som finns, till exempel INSYN_TODAY=2026-11-22, eller ta bort den för att använda dagens datum.",
            "Set it to a date that exists, for example INSYN_TODAY=2026-11-22, or remove it to use today's date."
        ))),
    }
}

/// Path relative to the site root, with `/`, as the editor sees it in their editor.
pub fn display_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads a file as UTF-8 text, refusing what no editor writes: huge files, other
/// encodings, binary content, and anything that is not inside `root` (the
/// site's folder, canonical) once links are followed. A UTF-8 byte order mark is removed.
pub fn read_text(
    root: &Path,
    path: &Path,
    shown: &str,
    lang: Language,
) -> Result<String, Diagnostic> {
    let unreadable = |e: std::io::Error| {
        Diagnostic::error(
            "unreadable",
            shown,
            msg!(
                lang,
                "Filen går inte att läsa: {e}.",
                "The file cannot be read: {e}."
            ),
        )
        .hint(msg!(
            lang,
            "Kontrollera att filen finns och att du har behörighet att läsa den.",
            "Check that the file exists and that you may read it."
        ))
    };
    // Opened without waiting, so that a pipe cannot block the opening itself; asked
    // about through the open file, so that the path is looked up once.
    let mut file = match crate::confine::open_inside(root, path) {
        Ok(file) => file,
        Err(crate::confine::Refused::Outside) => {
            return Err(crate::confine::outside_error(shown, lang));
        }
        Err(crate::confine::Refused::Io(e)) => return Err(unreadable(e)),
    };
    let meta = file.metadata().map_err(unreadable)?;
    // A pipe or device would block the read forever (or never end): only plain files.
    if !meta.is_file() {
        return Err(Diagnostic::error(
            "not-a-file",
            shown,
            msg!(
                lang,
                "Det här är ingen vanlig fil (utan till exempel en mapp, ett rör eller en enhet).",
                "This is not an ordinary file (but, for example, a folder, a pipe or a device)."
            ),
        )
        .hint(msg!(
            lang,
            "Ta bort den, eller ersätt den med en vanlig textfil.",
            "Remove it, or replace it with an ordinary text file."
        )));
    }
    let too_large = |len: u64| {
        Diagnostic::error("file-too-large", shown, {
            let mb = format!("{:.1}", len as f64 / 1_048_576.0);
            msg!(
                lang,
                "Filen är {mb} MB, men en fil i registret får vara högst 1 MB.",
                "The file is {mb} MB, but a file in the register may be at most 1 MB."
            )
        })
        .hint(msg!(
            lang,
            "En post är några sidor text. Kontrollera att det är rätt fil, eller korta den.",
            "A record is a few pages of text. Check that this is the right file, or shorten it."
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    // (At most one byte more than allowed: the file may have grown since.)
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut file, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Diagnostic::error(
            "not-utf8",
            shown,
            msg!(lang, "Filen är sparad som UTF-16, men registret läser bara UTF-8.", "The file is saved as UTF-16, but the register reads only UTF-8."),
        )
        .at(1, 1)
        .hint(msg!(lang, "Spara filen igen med teckenkodningen UTF-8 (i Anteckningar: Spara som → Kodning: UTF-8).", "Save the file again with the UTF-8 encoding (in Notepad: Save as → Encoding: UTF-8).")));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let prefix = String::from_utf8_lossy(valid);
            let line = prefix.matches('\n').count() as u64 + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
            return Err(Diagnostic::error(
                "not-utf8",
                shown,
                msg!(lang, "Filen innehåller tecken som inte är UTF-8 (troligen sparad som Latin-1 eller Windows-1252).", "The file contains characters that are not UTF-8 (probably saved as Latin-1 or Windows-1252)."),
            )
            .at_in(line, column, &prefix)
            .hint(msg!(lang, "Spara filen igen med teckenkodningen UTF-8, och kontrollera sedan å, ä och ö på den här raden.", "Save the file again with the UTF-8 encoding, then check å, ä and ö on this line.")));
        }
    };
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    // One Unicode form (NFC) for all text: `ö` typed as one character or as
    // `o` + a combining mark is the same name, the same slug, the same page.
    let text = match unicode_normalization::is_nfc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => text,
        _ => unicode_normalization::UnicodeNormalization::nfc(text.as_str()).collect(),
    };
    if let Some(idx) = text.find('\0') {
        let prefix = &text[..idx];
        let line = prefix.matches('\n').count() as u64 + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
        return Err(Diagnostic::error(
            "binary-content",
            shown,
            msg!(lang, "Filen innehåller ett NUL-tecken, så den är ingen textfil.", "The file contains a NUL character, so it is not a text file."),
        )
        .at(line, column)
        .hint(msg!(lang, "Kontrollera att det är rätt fil. Kopiera texten till en ny fil i en textredigerare och spara som UTF-8.", "Check that this is the right file. Copy the text into a new file in a text editor and save it as UTF-8.")));
    }
    Ok(text)
}

/// The site's language, read leniently from `register/site.yaml` before anything
/// is validated, so that even a broken site.yaml is explained in the right language.
pub fn site_language(root: &Path) -> Language {
    let path = root.join("register").join("site.yaml");
    let canonical = crate::confine::canonical_root(root);
    let Ok(text) = read_text(&canonical, &path, "register/site.yaml", Language::Sv) else {
        return Language::Sv;
    };
    let Ok(node) = yaml::parse("site.yaml", &text, Language::Sv) else {
        return Language::Sv;
    };
    let find = |node: &Node, key: &str| match node {
        Node::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v.value.clone()),
        _ => None,
    };
    match find(&node.value, "site").and_then(|site| find(&site, "language")) {
        Some(Node::Scalar { text, .. }) => Language::parse(text.trim()).unwrap_or(Language::Sv),
        _ => Language::Sv,
    }
}

/// Loads and validates everything under `root/register`.
pub fn load(root: &Path, today: Date) -> Loaded {
    load_cached(root, today, None)
}

/// [`load`] for `insyn check`: every record is read and checked, but none is
/// kept (the register's `systems` stay empty; [`Loaded::checked`] counts them),
/// which saves a third of the memory and the time it takes to fill it.
pub fn check(root: &Path, today: Date) -> Loaded {
    load_with(root, today, None, false)
}

/// [`load`], reusing the records of earlier builds that `cache` holds.
pub fn load_cached(root: &Path, today: Date, cache: Option<&RecordCache>) -> Loaded {
    load_with(root, today, cache, true)
}

fn load_with(root: &Path, today: Date, cache: Option<&RecordCache>, keep: bool) -> Loaded {
    let mut diags = Vec::new();
    let lang = site_language(root);
    let register_dir = root.join("register");
    if !register_dir.is_dir() {
        diags.push(
            Diagnostic::error(
                "no-register",
                display_path(root, &register_dir),
                {
                    let shown_root = crate::locate::absolute(root);
                    if root == Path::new(".") {
                        msg!(lang, "Det finns ingen mapp `register` i {shown_root} eller i mapparna ovanför.", "There is no `register` folder in {shown_root} or in the folders above it.")
                    } else {
                        msg!(lang, "Det finns ingen mapp `register` i {shown_root}.", "There is no `register` folder in {shown_root}.")
                    }
                },
            )
            .hint(msg!(lang, "Kör kommandot i webbplatsens mapp eller en mapp i den, ange den med `--root MAPP`, eller skapa en ny med `insyn init`.", "Run the command in the site's folder or a folder inside it, name it with `--root FOLDER`, or create a new site with `insyn init`.")),
        );
        return Loaded {
            lang,
            register: None,
            diagnostics: diags,
            checked: 0,
        };
    }
    crate::timing::step("start");
    let site = load_site(root, today, lang, &mut diags);
    // With site.yaml in error, which languages are published is unknown: no
    // translation is then reported as unused (its one error is the news).
    let languages: Vec<Language> = site.as_ref().map_or_else(
        || {
            use crate::model::Vocabulary;
            let mut all = vec![lang];
            all.extend(Language::ALL.iter().filter(|l| **l != lang));
            all
        },
        |s| s.site.languages.clone(),
    );
    let base_url = site
        .as_ref()
        .map(|s| s.site.base_url.clone())
        .unwrap_or_default();
    let canonical = crate::confine::canonical_root(root);
    let read = Reading {
        root,
        canonical: &canonical,
        today,
        lang,
        languages: &languages,
        base_url: &base_url,
        cache,
        keep,
    };
    let (systems, checked) = load_systems(&read, &mut diags);
    let pages = load_pages(root, lang, &languages, &mut diags);
    crate::diagnostic::sort(&mut diags);
    crate::timing::step("pages, ids, warnings");
    let failed = diags.iter().any(Diagnostic::is_error);
    let register = match site {
        Some(site) if !failed => Some(Register {
            site,
            systems,
            pages,
        }),
        _ => None,
    };
    Loaded {
        lang,
        register,
        diagnostics: diags,
        checked,
    }
}

/// Parses a whole YAML file into its top node, or records why it could not.
fn parse_file(
    canonical: &Path,
    path: &Path,
    shown: &str,
    lang: Language,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, yaml::Spanned<Node>)> {
    let text = match read_text(canonical, path, shown, lang) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    match yaml::parse(shown, &text, lang) {
        Ok(node) if matches!(node.value, Node::Null) => {
            diags.push(
                Diagnostic::error("empty-file", shown, msg!(lang, "Filen är tom.", "The file is empty."))
                    .at(1, 1)
                    .hint(msg!(lang, "Fyll i fälten, till exempel genom att skapa posten med `insyn new \"Namn\"`, eller ta bort filen.", "Fill in the fields, for example by creating the record with `insyn new \"Name\"`, or remove the file.")),
            );
            None
        }
        Ok(node) => Some((text, node)),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

fn read_contact(doc: &mut Doc, mut f: Fields) -> Option<Contact> {
    let email_node = f.get("email");
    let phone_node = f.get("phone");
    let url_node = f.get("url");
    let written = email_node.is_some() || phone_node.is_some() || url_node.is_some();
    let email = email_node.and_then(|n| doc.email(&f.path("email"), n));
    let phone = phone_node.and_then(|n| doc.phone(&f.path("phone"), n));
    let url = url_node.and_then(|n| doc.url(&f.path("url"), n));
    let pos = f.pos();
    f.finish(doc);
    if !written {
        doc.error(
            "missing-contact",
            pos,
            msg!(doc.lang, "Kontaktuppgifterna saknar både `email`, `phone` och `url`.", "The contact details have none of `email`, `phone` and `url`."),
            msg!(doc.lang, "Ange minst ett sätt att nå er, till exempel `email: ai@kommun.se` indraget under `contact:`.", "Give at least one way to reach you, for example `email: ai@municipality.se` indented under `contact:`."),
        );
        return None;
    }
    Some(Contact { email, phone, url })
}

fn load_site(
    root: &Path,
    today: Date,
    lang: Language,
    diags: &mut Vec<Diagnostic>,
) -> Option<Site> {
    let path = root.join("register").join("site.yaml");
    let shown = display_path(root, &path);
    if !path.exists() {
        diags.push(
            Diagnostic::error("missing-site", &shown, msg!(lang, "Filen `register/site.yaml` saknas.", "The file `register/site.yaml` is missing."))
                .hint(msg!(lang, "Den beskriver organisationen och webbplatsen. Skapa en ny webbplats med `insyn init` och kopiera dess site.yaml.", "It describes the organisation and the site. Create a new site with `insyn init` and copy its site.yaml.")),
        );
        return None;
    }
    let canonical = crate::confine::canonical_root(root);
    let (text, node) = parse_file(&canonical, &path, &shown, lang, diags)?;
    let mut doc = Doc::new(&shown, &text, today, lang);
    let site = read_site(&mut doc, &node, root);
    diags.append(&mut doc.diags);
    site
}

/// The title of a site that does not set one, in `lang`.
fn default_title(lang: Language, organisation: &str) -> String {
    match lang {
        Language::Sv => format!("AI-registret – {organisation}"),
        Language::En => format!("AI register – {organisation}"),
    }
}

fn read_site(doc: &mut Doc, node: &yaml::Spanned<Node>, root: &Path) -> Option<Site> {
    let mut top = Fields::of(doc, "", node)?;
    let organisation = top.map(doc, "organisation", true, |doc, mut f| {
        let name = f.req_text(doc, "name");
        let url = f.opt_url(doc, "url");
        let contact = f.map(doc, "contact", true, read_contact);
        f.finish(doc);
        Some(Organisation {
            name: name?,
            url,
            contact: contact?,
        })
    });
    let org_name = organisation.as_ref().map(|o| o.name.clone());
    let mut title_given = false;
    let site = top.map(doc, "site", true, |doc, mut f| {
        let title = f.opt_text(doc, "title");
        title_given = title.is_some();
        let license = f.opt_url(doc, "license");
        let base_url = f.require(doc, "base_url").and_then(|n| {
            let url = doc.url("site.base_url", n)?;
            // Every page's address is made by adding to it: a `?` or `#` would
            // swallow the rest.
            if url.contains(['?', '#']) {
                doc.error(
                    "base-url-query",
                    n.pos,
                    msg!(doc.lang, "`site.base_url` har en del efter `?` eller `#`. Sidornas adresser byggs på den, så den måste sluta med sökvägen.", "`site.base_url` has a part after `?` or `#`. The pages' addresses are built on it, so it must end with the path."),
                    msg!(doc.lang, "Ta bort allt från `?` eller `#`, till exempel `base_url: https://ai.kommun.se/`.", "Remove everything from `?` or `#`, for example `base_url: https://ai.municipality.se/`."),
                );
                return None;
            }
            Some(url)
        });
        let language = f
            .get("language")
            .and_then(|n| doc.choice::<Language>("site.language", n));
        let languages_node = f.get("languages");
        let mut languages: Vec<Language> = match languages_node {
            Some(n) => doc
                .list("site.languages", n)
                .into_iter()
                .filter_map(|item| doc.choice::<Language>("site.languages", item))
                .collect(),
            None => Vec::new(),
        };
        let language = language.or(languages.first().copied()).unwrap_or(Language::Sv);
        if languages.is_empty() {
            languages.push(language);
        } else if languages.first() != Some(&language)
            && let Some(n) = languages_node {
                doc.error(
                    "language-order",
                    n.pos,
                    {
                        let main = language.as_str();
                        msg!(doc.lang, "`site.languages` ska börja med webbplatsens huvudspråk `{main}`.", "`site.languages` should start with the site's main language `{main}`.")
                    },
                    msg!(doc.lang, "Sätt huvudspråket först i listan, till exempel `languages: [sv, en]`.", "Put the main language first in the list, for example `languages: [sv, en]`."),
                );
            }
        languages.dedup();
        let theme = match f.get("theme") {
            Some(n) => doc.text("site.theme", n).and_then(|t| {
                let t = t.trim().to_owned();
                if !is_slug(&t) {
                    // A name, never a path: `../../etc` or `/srv` would read a theme outside the site.
                    doc.error(
                        "invalid-theme",
                        n.pos,
                        msg!(doc.lang, "`site.theme` är namnet på en mapp i `themes/`, inte en sökväg: bara små bokstäver a–z, siffror och bindestreck.", "`site.theme` is the name of a folder in `themes/`, not a path: only lower-case letters a–z, digits and hyphens."),
                        msg!(doc.lang, "Skriv bara mappens namn, till exempel `theme: kommunen` för `themes/kommunen/`, eller ta bort raden för det inbyggda temat.", "Write only the folder's name, for example `theme: kommunen` for `themes/kommunen/`, or remove the line for the built-in theme."),
                    );
                    None
                } else if t == "default" || root.join("themes").join(&t).is_dir() {
                    Some(t)
                } else {
                    doc.error(
                        "missing-theme",
                        n.pos,
                        msg!(doc.lang, "Temat `{t}` finns inte: mappen `themes/{t}/` saknas.", "The theme `{t}` does not exist: the folder `themes/{t}/` is missing."),
                        msg!(doc.lang, "Skapa mappen, eller ta bort raden `theme:` för att använda det inbyggda temat.", "Create the folder, or remove the `theme:` line to use the built-in theme."),
                    );
                    None
                }
            }),
            None => Some("default".to_owned()),
        };
        f.finish(doc);
        let mut base_url = base_url?;
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        Some(SiteSettings {
            license: license.unwrap_or_else(|| "http://creativecommons.org/publicdomain/zero/1.0/".to_owned()),
            title: title.unwrap_or_else(|| default_title(language, org_name.as_deref().unwrap_or_default())),
            base_url,
            language,
            languages,
            theme: theme?,
            translations: BTreeMap::new(),
        })
    });
    let accessibility = top.map(doc, "accessibility", true, |doc, mut f| {
        let compliance = f.req_choice::<Compliance>(doc, "compliance");
        let assessed = f.req_date(doc, "assessed");
        let method = f.req_text(doc, "method");
        let known_issues = known_issues(doc, &mut f, true);
        let first_published = f.opt_date(doc, "first_published");
        let response_time = f.opt_text(doc, "response_time");
        let updated = f.opt_date(doc, "updated");
        let at = f.pos();
        let contact = f.map(doc, "contact", false, read_contact);
        f.finish(doc);
        let (assessed, assessed_pos) = assessed?;
        if assessed.0 > doc.today {
            doc.error(
                "date-in-future",
                assessed_pos,
                msg!(doc.lang, "`accessibility.assessed` ({assessed}) ligger i framtiden.", "`accessibility.assessed` ({assessed}) is in the future."),
                msg!(doc.lang, "Ange datumet då tillgängligheten faktiskt bedömdes.", "Give the date the accessibility was actually assessed."),
            );
        }
        if compliance == Some(Compliance::Partial) && known_issues.is_empty() {
            doc.warning(
                "no-known-issues",
                assessed_pos,
                msg!(doc.lang, "Webbplatsen anges vara delvis tillgänglig, men `accessibility.known_issues` listar inga brister.", "The site is said to be partially accessible, but `accessibility.known_issues` lists no problems."),
                msg!(doc.lang, "Lagen kräver att redogörelsen beskriver innehåll som inte är tillgängligt. Lägg till `known_issues:` med en punkt per brist.", "The law requires the statement to describe content that is not accessible. Add `known_issues:` with one item per problem."),
            );
        }
        if first_published.is_none() {
            doc.warning(
                "statement-incomplete",
                at,
                msg!(doc.lang, "Tillgänglighetsredogörelsen saknar datumet då den först upprättades.", "The accessibility statement lacks the date it was first made."),
                msg!(doc.lang, "Digg kräver datumet (MDFFS 2019:2). Lägg till en rad under `accessibility:`, till exempel:\n  first_published: {assessed}", "Digg requires the date (MDFFS 2019:2). Add a line under `accessibility:`, for example:\n  first_published: {assessed}"),
            );
        }
        if response_time.is_none() {
            doc.warning(
                "statement-incomplete",
                at,
                msg!(doc.lang, "Tillgänglighetsredogörelsen säger inte hur lång tid det tar att få svar när man rapporterar en brist.", "The accessibility statement does not say how long it takes to get an answer when someone reports a problem."),
                msg!(doc.lang, "Digg kräver uppgiften (MDFFS 2019:2). Lägg till en rad under `accessibility:`, till exempel:\n  response_time: fem arbetsdagar", "Digg requires it (MDFFS 2019:2). Add a line under `accessibility:`, for example:\n  response_time: five working days"),
            );
        }
        Some(Accessibility {
            compliance: compliance?,
            assessed,
            method: method?,
            known_issues,
            first_published: first_published.map(|(d, _)| d),
            response_time,
            updated: updated.map(|(d, _)| d).unwrap_or(assessed),
            contact: contact.unwrap_or_default(),
        })
    });
    let policies = top.map_list(doc, "policies", |doc, mut f| {
        let title = f.req_text(doc, "title");
        let url = f
            .require(doc, "url")
            .and_then(|n| doc.url("policies.url", n));
        f.finish(doc);
        Some(Policy {
            title: title?,
            url: url?,
        })
    });
    let history = top
        .map(doc, "history", false, crate::versions::read_settings)
        .unwrap_or_default();
    let mut translations = top
        .map(doc, "translations", false, |doc, mut f| {
            let mut out = BTreeMap::new();
            for l in Language::ALL {
                let read = |doc: &mut Doc, mut g: Fields| {
                    let title = g.opt_text(doc, "title");
                    let known_issues = known_issues(doc, &mut g, false);
                    let response_time = g.opt_text(doc, "response_time");
                    g.finish(doc);
                    Some(SiteTranslation {
                        title,
                        known_issues,
                        response_time,
                    })
                };
                if let Some(t) = f.map(doc, l.as_str(), false, read) {
                    out.insert(*l, t);
                }
            }
            f.finish(doc);
            Some(out)
        })
        .unwrap_or_default();
    top.finish(doc);
    let mut site = site?;
    // Without a title of its own, each language gets the default title in it.
    for l in site.languages.clone() {
        let t = translations.entry(l).or_default();
        if t.title.is_none() && !title_given {
            t.title = Some(default_title(l, org_name.as_deref().unwrap_or_default()));
        }
    }
    site.translations = translations;
    let mut accessibility = accessibility?;
    let organisation = organisation?;
    if accessibility.contact.email.is_none()
        && accessibility.contact.phone.is_none()
        && accessibility.contact.url.is_none()
    {
        accessibility.contact = organisation.contact.clone();
    }
    Some(Site {
        organisation,
        site,
        accessibility,
        policies,
        history,
    })
}

/// `known_issues:` of the accessibility statement: each item a plain string or
/// `{text, criterion, reason}`. In the main language (`check`), an issue
/// without its WCAG criterion or its reason is warned about: the statement
/// must give both (MDFFS 2019:2).
fn known_issues(doc: &mut Doc, f: &mut Fields, check: bool) -> Vec<KnownIssue> {
    let Some(node) = f.get("known_issues") else {
        return Vec::new();
    };
    let path = f.path("known_issues");
    let mut out = Vec::new();
    for item in doc.list(&path, node) {
        let issue = if let Node::Map(_) = &item.value {
            let Some(mut g) = Fields::of(doc, &path, item) else {
                continue;
            };
            let text = g.req_text(doc, "text");
            let criterion = g.opt_text(doc, "criterion");
            let reason = g
                .get("reason")
                .and_then(|n| doc.choice(&format!("{path}.reason"), n));
            g.finish(doc);
            let Some(text) = text else {
                continue;
            };
            KnownIssue {
                text,
                criterion,
                reason,
            }
        } else {
            let Some(text) = doc.text(&path, item) else {
                continue;
            };
            KnownIssue {
                text,
                criterion: None,
                reason: None,
            }
        };
        if check && (issue.criterion.is_none() || issue.reason.is_none()) {
            let shown: String = issue.text.chars().take(60).collect();
            let text = &issue.text;
            doc.warning(
                "statement-incomplete",
                item.pos,
                msg!(doc.lang, "Bristen ”{shown}” saknar vilket WCAG-kriterium den gäller eller varför den finns kvar.", "The problem “{shown}” lacks which WCAG criterion it concerns or why it remains."),
                msg!(doc.lang, "Digg kräver båda (MDFFS 2019:2). Skriv bristen så här:\n  - text: {text}\n    criterion: 1.4.10 Anpassning till skärmstorlek\n    reason: not_compliant\n`reason` är not_compliant (uppfyller inte kraven), disproportionate_burden (oskälig belastning) eller out_of_scope (omfattas inte av lagen).", "Digg requires both (MDFFS 2019:2). Write the problem like this:\n  - text: {text}\n    criterion: 1.4.10 Reflow\n    reason: not_compliant\n`reason` is not_compliant, disproportionate_burden or out_of_scope (not covered by the law)."),
            );
        }
        out.push(issue);
    }
    out
}

/// A file or folder in `register/systems/` that cannot be read.
fn unreadable_entry(shown: String, e: &dyn std::fmt::Display, lang: Language) -> Diagnostic {
    Diagnostic::error(
        "unreadable",
        shown,
        msg!(
            lang,
            "Filen eller mappen går inte att läsa: {e}.",
            "The file or folder cannot be read: {e}."
        ),
    )
    .hint(msg!(
        lang,
        "Kontrollera att du har behörighet att läsa den.",
        "Check that you may read it."
    ))
}

fn link_loop(shown: String, lang: Language) -> Diagnostic {
    Diagnostic::error(
        "symlink-loop",
        shown,
        msg!(
            lang,
            "Länken pekar i en cirkel tillbaka till en mapp ovanför sig själv.",
            "The link points in a circle back to a folder above itself."
        ),
    )
    .hint(msg!(
        lang,
        "Ta bort länken; poster ska vara vanliga filer i `register/systems/`.",
        "Remove the link; records are ordinary files in `register/systems/`."
    ))
}

/// Every `.yaml`/`.yml` file directly in `register/systems/`, sorted by name.
/// Editor leftovers (hidden files, `~` backups) are skipped silently; anything
/// else unexpected gets a warning so nobody wonders why a record is missing.
fn discover_systems(root: &Path, lang: Language, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let dir = root.join("register").join("systems");
    if !dir.is_dir() {
        diags.push(
            Diagnostic::warning(
                "no-systems",
                display_path(root, &dir),
                msg!(
                    lang,
                    "Mappen `register/systems` saknas, så registret har inga system.",
                    "The folder `register/systems` is missing, so the register has no systems."
                ),
            )
            .hint(msg!(
                lang,
                "Skapa mappen och lägg till en post med `insyn new \"Systemets namn\"`.",
                "Create the folder and add a record with `insyn new \"Name of the system\"`."
            )),
        );
        return Vec::new();
    }
    // A folder that is a link out of the site is not even listed: the names of
    // somebody's files do not belong in a build log either.
    if !crate::confine::resolves_inside(&crate::confine::canonical_root(root), &dir) {
        diags.push(crate::confine::outside_error(
            &display_path(root, &dir),
            lang,
        ));
        return Vec::new();
    }
    let mut found = Vec::new();
    // Links are not followed by the walk (which would look up every file once more
    // than the listing does); the few there are are looked up below.
    let walker = walkdir::WalkDir::new(&dir).min_depth(1).max_depth(1);
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let shown = e
                    .path()
                    .map(|p| display_path(root, p))
                    .unwrap_or_else(|| display_path(root, &dir));
                // (Links are not followed by the walk: a circle is found below.)
                diags.push(unreadable_entry(shown, &e, lang));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        let shown = || display_path(root, entry.path());
        if name.starts_with('.') || name.ends_with('~') || name.starts_with('#') {
            continue;
        }
        let is_dir = if entry.path_is_symlink() {
            match std::fs::metadata(entry.path()) {
                Ok(meta) if meta.is_dir() => {
                    // A link to the folder itself or one above it would be a circle.
                    let target = std::fs::canonicalize(entry.path());
                    let here = std::fs::canonicalize(&dir);
                    if let (Ok(target), Ok(here)) = (target, here)
                        && here.starts_with(&target)
                    {
                        diags.push(link_loop(shown(), lang));
                        continue;
                    }
                    true
                }
                Ok(_) => false,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    diags.push(
                        Diagnostic::error(
                            "unreadable",
                            shown(),
                            msg!(
                                lang,
                                "Länken pekar på en fil eller mapp som inte finns.",
                                "The link points to a file or folder that does not exist."
                            ),
                        )
                        .hint(msg!(
                            lang,
                            "Ta bort länken, eller lägg posten här som en vanlig fil.",
                            "Remove the link, or put the record here as an ordinary file."
                        )),
                    );
                    continue;
                }
                Err(e) => {
                    diags.push(unreadable_entry(shown(), &e, lang));
                    continue;
                }
            }
        } else {
            entry.file_type().is_dir()
        };
        if is_dir {
            diags.push(
                Diagnostic::warning(
                    "ignored",
                    shown(),
                    msg!(
                        lang,
                        "Mappen läses inte: poster ska ligga direkt i `register/systems/`.",
                        "The folder is not read: records belong directly in `register/systems/`."
                    ),
                )
                .hint(msg!(
                    lang,
                    "Flytta filerna upp en nivå om de ska vara med i registret.",
                    "Move the files up one level if they belong in the register."
                )),
            );
            continue;
        }
        let ext = entry
            .path()
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase());
        match ext.as_deref() {
            Some("yaml" | "yml") => found.push(entry.into_path()),
            Some("swp" | "swo" | "tmp" | "bak") => {}
            _ => diags.push(
                Diagnostic::warning(
                    "ignored",
                    shown(),
                    msg!(lang, "Filen läses inte: bara filer som slutar på `.yaml` blir poster.", "The file is not read: only files ending in `.yaml` become records."),
                )
                .hint(
                    msg!(lang, "Byt filändelse till `.yaml` om filen är en post, annars flytta den härifrån.", "Change the extension to `.yaml` if the file is a record, otherwise move it elsewhere."),
                ),
            ),
        }
    }
    // In name order (one folder: the paths differ only in their names). Sorted
    // here as bytes, not by the walk, which takes each name apart at every comparison.
    found.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    found
}

/// What reading the records needs to know.
struct Reading<'a> {
    root: &'a Path,
    /// `root` with every link resolved: nothing outside it is read.
    canonical: &'a Path,
    today: Date,
    lang: Language,
    languages: &'a [Language],
    base_url: &'a str,
    cache: Option<&'a RecordCache>,
    /// Whether the records are kept (not for `insyn check`).
    keep: bool,
}

/// The records that were read without errors (none when not `keep`ing them),
/// and how many there were.
fn load_systems(read: &Reading, diags: &mut Vec<Diagnostic>) -> (Vec<Arc<System>>, usize) {
    let Reading {
        root,
        canonical,
        today,
        lang,
        languages,
        base_url,
        cache,
        keep,
    } = *read;
    let files = match cache {
        Some(cache) => {
            let (files, mut found) = cache.files(|d| find_records(root, lang, d));
            diags.append(&mut found);
            files
        }
        None => find_records(root, lang, diags),
    };
    let context = fingerprint((today, lang, languages, base_url));
    // Changes reported after this are not kept from this build's reading.
    let epoch = cache.map_or(0, RecordCache::epoch);
    crate::timing::step("find records");
    let mut systems = Vec::new();
    // Reading and checking records is independent per file: use every core, then
    // gather the results in file order so the output stays the same every time.
    // (Each record's department and file go along, kept or not, for the
    // look-alike names check; its twin key for the same-record-twice check.)
    type Dept = Option<(String, String)>;
    type Read = (
        Option<Arc<System>>,
        Dept,
        Vec<Diagnostic>,
        Option<crate::twins::Twin>,
    );
    let read: Vec<Read> = files
        .par_iter()
        .map(|path| {
            let watched =
                cache.is_some_and(|c| c.watched.load(std::sync::atomic::Ordering::Relaxed));
            // (Only a cache needs the stamp: one path lookup less per record without.)
            let stamp = if watched || cache.is_none() {
                (0, None)
            } else {
                std::fs::metadata(path)
                    .map(|m| (m.len(), m.modified().ok()))
                    .unwrap_or((0, None))
            };
            if let Some(cache) = cache
                && let Ok(entries) = cache.entries.lock()
                && let Some(c) = entries.get(path)
                && c.context == context
                && (watched || (c.stamp == stamp && stamp.1.is_some()))
            {
                let dept = c
                    .system
                    .as_ref()
                    .map(|s| (s.department.clone(), s.source.clone()));
                return (
                    c.system.clone().filter(|_| keep),
                    dept,
                    c.diags.clone(),
                    c.twin.clone(),
                );
            }
            let shown = display_path(root, path);
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut found = Vec::new();
            let Some((text, node)) = parse_file(canonical, path, &shown, lang, &mut found) else {
                return (None, None, found, None);
            };
            let twin = crate::twins::key(&text, &node);
            let mut doc = Doc::new(&shown, &text, today, lang);
            crate::lint::record(&mut doc, &node);
            let system = read_system(&mut doc, &node, &stem, languages);
            let ok = !doc.has_errors();
            found.append(&mut doc.diags);
            let system = system.filter(|_| ok).map(|mut s| {
                s.url = format!("{base_url}system/{}/", s.id);
                s.fingerprint = fingerprint((&text, context));
                s.sort_key = swedish_sort_key(&s.name);
                Arc::new(s)
            });
            if let Some(cache) = cache
                && let Ok(mut entries) = cache.entries.lock()
                && cache.epoch() == epoch
            {
                entries.insert(
                    path.clone(),
                    CachedRecord {
                        stamp,
                        context,
                        system: system.clone(),
                        diags: found.clone(),
                        twin: twin.clone(),
                    },
                );
            }
            // (Not kept: freed here, on every core, rather than at the end.)
            let dept = system
                .as_ref()
                .map(|s| (s.department.clone(), s.source.clone()));
            (system.filter(|_| keep), dept, found, twin)
        })
        .collect();
    crate::timing::step("read and check records");
    let mut checked = 0;
    let mut twins = Vec::new();
    let mut departments = Vec::new();
    for ((system, dept, mut found, twin), path) in read.into_iter().zip(&files) {
        let ok = dept.is_some();
        diags.append(&mut found);
        checked += usize::from(ok);
        departments.extend(dept);
        systems.extend(system);
        // (Records with errors are fixed first; their copies are found then.)
        twins.extend(twin.filter(|_| ok).map(|t| (display_path(root, path), t)));
    }
    crate::twins::report(&twins, lang, diags);
    diags.extend(crate::names::lookalike_departments(&departments, lang));
    systems.sort_by(|a, b| a.id.cmp(&b.id));
    (systems, checked)
}

/// Reads a record from `text` (an earlier version of the file `shown`, from
/// the history) as the loader would; `None` when it has errors.
pub fn record_from_text(
    shown: &str,
    text: &str,
    id: &str,
    today: Date,
    lang: Language,
    languages: &[Language],
) -> Option<System> {
    let node = yaml::parse(shown, text, lang).ok()?;
    let mut doc = Doc::new(shown, text, today, lang);
    let system = read_system(&mut doc, &node, id, languages)?;
    (!doc.has_errors()).then_some(system)
}

/// The record files of `register/systems/`, with what is wrong with their names:
/// not usable as an id, or the same id as another file. Depends on the names
/// only, so `insyn serve` keeps the result until a file appears or goes.
fn find_records(root: &Path, lang: Language, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let files = discover_systems(root, lang, diags);
    let mut by_id: BTreeMap<String, Vec<&Path>> = BTreeMap::new();
    for path in &files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !is_slug(&stem) {
            let shown = display_path(root, path);
            let suggestion = slugify(&stem);
            diags.push(
                Diagnostic::error(
                    "invalid-id",
                    &shown,
                    msg!(lang, "Filnamnet `{stem}` går inte att använda som id i webbadresser.", "The file name `{stem}` cannot be used as an id in web addresses."),
                )
                .hint(if suggestion.is_empty() {
                    msg!(lang, "Döp om filen så att namnet bara har små bokstäver a–z, siffror och bindestreck.", "Rename the file so that the name has only lower-case letters a–z, digits and hyphens.")
                } else {
                    msg!(lang, "Döp om filen till `{suggestion}.yaml`: bara små bokstäver a–z, siffror och bindestreck (å, ä och ö skrivs a, a och o).", "Rename the file to `{suggestion}.yaml`: only lower-case letters a–z, digits and hyphens (å, ä and ö are written a, a and o).")
                }),
            );
        }
        by_id.entry(stem.to_lowercase()).or_default().push(path);
    }
    for (id, paths) in by_id {
        if paths.len() > 1 {
            let files: Vec<String> = paths.iter().map(|p| display_path(root, p)).collect();
            for file in &files {
                let others: Vec<_> = files.iter().filter(|f| *f != file).cloned().collect();
                diags.push(
                    Diagnostic::error(
                        "duplicate-id",
                        file,
                        {
                            let others = others.join(", ");
                            msg!(lang, "Id:t `{id}` används av flera filer: även {others}.", "The id `{id}` is used by more than one file: also {others}.")
                        },
                    )
                    .hint(msg!(lang, "Varje system ska ha en egen fil med ett eget namn. Ta bort dubbletten eller döp om den ena filen.", "Each system has a file of its own with a name of its own. Remove the duplicate or rename one of the files.")),
                );
            }
        }
    }
    files
}

fn read_translation(doc: &mut Doc, mut f: Fields) -> Option<Translation> {
    let description = |doc: &mut Doc, f: &mut Fields, key: &'static str| {
        f.map(doc, key, false, |doc, mut g| {
            let description = g.opt_text(doc, "description");
            g.finish(doc);
            description.map(|description| TranslatedDescription { description })
        })
    };
    let t = Translation {
        name: f.opt_text(doc, "name"),
        summary: f.opt_text(doc, "summary"),
        department: f.opt_text(doc, "department"),
        purpose: f.opt_text(doc, "purpose"),
        human_oversight: f.opt_text(doc, "human_oversight"),
        how_it_works: f.opt_text(doc, "how_it_works"),
        legal_basis: f.opt_text(doc, "legal_basis"),
        appeal: f.opt_text(doc, "appeal"),
        disclosure: f.opt_text(doc, "disclosure"),
        environment: f.opt_text(doc, "environment"),
        affected: f.text_list(doc, "affected"),
        data: description(doc, &mut f, "data"),
        risk: description(doc, &mut f, "risk"),
    };
    f.finish(doc);
    Some(t)
}

fn read_system(
    doc: &mut Doc,
    node: &yaml::Spanned<Node>,
    id: &str,
    languages: &[Language],
) -> Option<System> {
    let mut f = Fields::of(doc, "", node)?;
    let name = f.req_text(doc, "name");
    let summary_node = f.require(doc, "summary");
    let summary = summary_node.and_then(|n| doc.text("summary", n));
    if let (Some(s), Some(n)) = (&summary, summary_node) {
        let count = s.trim().chars().count();
        if count > 300 {
            doc.error(
                "summary-too-long",
                n.pos,
                msg!(doc.lang, "Sammanfattningen i `summary` är {count} tecken, men får vara högst 300.", "The `summary` is {count} characters long, but may be at most 300."),
                msg!(doc.lang, "Korta den till en eller två meningar. Längre förklaringar passar i `purpose` eller `how_it_works`.", "Shorten it to one or two sentences. Longer explanations belong in `purpose` or `how_it_works`."),
            );
        }
    }
    let status = f.req_choice::<Status>(doc, "status");
    let department = f.req_text(doc, "department");
    let purpose = f.req_text(doc, "purpose");
    let decision_role_at = f.req_choice_at::<DecisionRole>(doc, "decision_role");
    let decision_role = decision_role_at.map(|(v, _)| v);
    let human_oversight = f.req_text(doc, "human_oversight");
    let data_at = f.map(doc, "data", true, |doc, mut g| {
        let personal_data = g.req_choice_at::<PersonalData>(doc, "personal_data");
        let description = g.req_text(doc, "description");
        let location = g.req_choice_at::<DataLocation>(doc, "location");
        let used_for_training = g.opt_bool(doc, "used_for_training");
        g.finish(doc);
        let ((personal_data, personal_pos), (location, location_pos)) = (personal_data?, location?);
        let data = Data {
            personal_data,
            description: description?,
            location,
            used_for_training,
        };
        Some((data, personal_pos, location_pos))
    });
    let data = data_at.as_ref().map(|(d, ..)| d.clone());
    let mut risk_pos = Pos::default();
    let risk = f.map(doc, "risk", true, |doc, mut g| {
        let ai_act = match g.require(doc, "ai_act") {
            Some(n) => match doc.text("risk.ai_act", n).as_deref().map(str::trim) {
                Some("prohibited" | "unacceptable" | "forbidden" | "förbjuden") => {
                    doc.error(
                        "prohibited-ai",
                        n.pos,
                        msg!(doc.lang, "Förbjudna AI-tillämpningar (AI-förordningen artikel 5) får inte användas och kan därför inte registreras.", "Prohibited AI practices (AI Act article 5) may not be used and therefore cannot be registered."),
                        msg!(doc.lang, "Om systemet verkligen är förbjudet ska det avvecklas; kontakta ert dataskyddsombud eller en jurist. Annars: välj `minimal`, `limited` eller `high`.", "If the system really is prohibited it must be retired; contact your data protection officer or a lawyer. Otherwise choose `minimal`, `limited` or `high`."),
                    );
                    None
                }
                Some(_) => doc.choice::<AiActClass>("risk.ai_act", n).map(|v| (v, n.pos)),
                None => None,
            },
            None => None,
        };
        let description = g.req_text(doc, "description");
        g.finish(doc);
        let (ai_act, ai_act_pos) = ai_act?;
        Some((
            Risk {
                ai_act,
                description: description?,
            },
            ai_act_pos,
        ))
    });
    let risk = risk.map(|(r, pos)| {
        risk_pos = pos;
        r
    });
    let contact = f.map(doc, "contact", true, read_contact);
    let reviewed = f.req_date(doc, "reviewed");
    let technique = f.choice_list::<Technique>(doc, "technique");
    let how_it_works = f.opt_text(doc, "how_it_works");
    let affected = f.text_list(doc, "affected");
    let legal_basis = f.opt_text(doc, "legal_basis");
    let appeal = f.opt_text(doc, "appeal");
    let disclosure = f.opt_text(doc, "disclosure");
    let supplier = f.map(doc, "supplier", false, |doc, mut g| {
        let supplier = Supplier {
            name: g.opt_text(doc, "name"),
            product: g.opt_text(doc, "product"),
            url: g.opt_url(doc, "url"),
            in_house: g.opt_bool(doc, "in_house"),
        };
        let pos = g.pos();
        g.finish(doc);
        if supplier.name.is_none() && supplier.in_house != Some(true) {
            doc.error(
                "supplier-name",
                pos,
                msg!(doc.lang, "`supplier` anger varken leverantörens namn (`name`) eller `in_house: true`.", "`supplier` gives neither the supplier's `name` nor `in_house: true`."),
                msg!(doc.lang, "Skriv leverantörens namn under `supplier:`, eller `in_house: true` om ni har byggt systemet själva.", "Write the supplier's name under `supplier:`, or `in_house: true` if you built the system yourselves."),
            );
        }
        Some(supplier)
    });
    let assessments = f.map_list(doc, "assessments", |doc, mut g| {
        let kind = g.req_choice::<AssessmentType>(doc, "type");
        let date = g.opt_date(doc, "date");
        let summary = g.opt_text(doc, "summary");
        let url = g.opt_url(doc, "url");
        g.finish(doc);
        if let Some((d, pos)) = date
            && d.0 > doc.today {
                doc.error(
                    "date-in-future",
                    pos,
                    msg!(doc.lang, "Bedömningens datum {d} ligger i framtiden.", "The assessment's date {d} is in the future."),
                    msg!(doc.lang, "Ange datumet då bedömningen gjordes. Planerade bedömningar kan nämnas i `risk.description`.", "Give the date the assessment was made. Planned assessments can be mentioned in `risk.description`."),
                );
            }
        Some(Assessment {
            kind: kind?,
            date: date.map(|(d, _)| d),
            summary,
            url,
        })
    });
    let introduced = f.opt_date(doc, "introduced");
    let retired = f.opt_date(doc, "retired");
    let next_review = f.opt_date(doc, "next_review");
    let environment = f.opt_text(doc, "environment");
    let links = f.map_list(doc, "links", |doc, mut g| {
        let title = g.req_text(doc, "title");
        let url = g.require(doc, "url").and_then(|n| doc.url("links.url", n));
        g.finish(doc);
        Some(Link {
            title: title?,
            url: url?,
        })
    });
    let tags = f.text_list(doc, "tags");
    let change_note = f.opt_text(doc, "change_note");
    let previous_ids = f.text_list(doc, "previous_ids");
    let translations = match f.get("translations") {
        Some(n) => read_translations(doc, n, languages),
        None => BTreeMap::new(),
    };
    let top_pos = f.pos();
    f.finish(doc);

    // Rules between fields.
    if let Some((reviewed, pos)) = reviewed
        && reviewed.0 > doc.today
    {
        doc.error(
            "date-in-future",
            pos,
            msg!(doc.lang, "`reviewed` ({reviewed}) ligger i framtiden.", "`reviewed` ({reviewed}) is in the future."),
            {
                let today = doc.today;
                msg!(doc.lang, "Ange dagen då uppgifterna faktiskt kontrollerades, senast i dag ({today}).", "Give the day the information was actually checked, today ({today}) at the latest.")
            },
        );
    }
    if let Some((next, pos)) = next_review
        && next.0 < doc.today
    {
        doc.warning(
                "review-overdue",
                pos,
                msg!(doc.lang, "Posten skulle ha granskats senast {next} (`next_review`).", "The record was due for review on {next} (`next_review`)."),
                msg!(doc.lang, "Kontrollera att uppgifterna stämmer, uppdatera `reviewed` till dagens datum och sätt ett nytt `next_review`.", "Check that the information is right, set `reviewed` to today's date and set a new `next_review`."),
            );
    }
    match (status, retired) {
        (Some(Status::Retired), None) => doc.error(
            "missing-field",
            top_pos,
            msg!(
                doc.lang,
                "Fältet `retired` saknas: det krävs när `status: retired`.",
                "The field `retired` is missing: it is required with `status: retired`."
            ),
            msg!(
                doc.lang,
                "Lägg till `retired:` med datumet då systemet slutade användas, som ÅÅÅÅ-MM-DD.",
                "Add `retired:` with the date the system stopped being used, as YYYY-MM-DD."
            ),
        ),
        (Some(s), Some((_, pos))) if s != Status::Retired => doc.warning(
            "retired-date-without-status",
            pos,
            msg!(
                doc.lang,
                "Posten har ett datum i `retired` men `status` är inte `retired`.",
                "The record has a `retired` date but its `status` is not `retired`."
            ),
            msg!(
                doc.lang,
                "Sätt `status: retired` om systemet har avvecklats, annars ta bort `retired`.",
                "Set `status: retired` if the system has been retired, otherwise remove `retired`."
            ),
        ),
        _ => {}
    }
    if let (Some((start, _)), Some((end, pos))) = (introduced, retired)
        && end < start
    {
        doc.error(
            "date-order",
            pos,
            msg!(
                doc.lang,
                "Systemet avvecklades ({end}) före det infördes ({start}).",
                "The system was retired ({end}) before it was introduced ({start})."
            ),
            msg!(
                doc.lang,
                "Kontrollera datumen i `introduced` och `retired`.",
                "Check the dates in `introduced` and `retired`."
            ),
        );
    }

    if let (Some(status), Some((reviewed, pos))) = (status, reviewed)
        && status != Status::Retired
        && reviewed.0.saturating_add(jiff::Span::new().years(1)) < doc.today
    {
        doc.warning(
            "review-old",
            pos,
            msg!(doc.lang, "Uppgifterna kontrollerades senast {reviewed}, för mer än ett år sedan.", "The information was last checked on {reviewed}, more than a year ago."),
            msg!(doc.lang, "Invånare ska kunna lita på att registret stämmer: kontrollera posten och sätt `reviewed` till dagens datum.", "Residents must be able to trust the register: check the record and set `reviewed` to today's date."),
        );
    }
    let check_policies = matches!(status, Some(Status::Pilot | Status::InUse));
    if let (Some((DecisionRole::Automated, pos)), true) =
        (decision_role_at, status != Some(Status::Retired))
    {
        // A person decided about by a machine must be told how to have the
        // decision looked at again: without `appeal` the record is not published.
        if appeal.is_none() {
            doc.error(
                "automated-without-appeal",
                pos,
                msg!(doc.lang, "Systemet fattar beslut om enskilda utan att en människa granskar dem, men posten saknar `appeal`: invånarna får inte veta hur de klagar.", "The system makes decisions about individuals without a person reviewing them, but the record has no `appeal`: residents are not told how to complain."),
                msg!(doc.lang, "Lägg till `appeal:` med hur man begär att ärendet prövas på nytt och hur man överklagar, till exempel:\n  appeal: Du kan be att en handläggare prövar ärendet på nytt. Kontakta förvaltningen. Hur du överklagar står i beslutet.", "Add `appeal:` saying how to ask for the case to be looked at again and how to appeal, for example:\n  appeal: You can ask for a caseworker to look at your case again. Contact the department. The decision says how to appeal."),
            );
        }
        if legal_basis.is_none() {
            doc.warning(
                "automated-without-safeguards",
                pos,
                msg!(doc.lang, "Systemet fattar beslut utan granskning, men posten saknar `legal_basis`.", "The system makes decisions without review, but the record has no `legal_basis`."),
                msg!(doc.lang, "Automatiserade beslut kräver stöd i lag (förvaltningslagen 28 §); beskriv den rättsliga grunden i `legal_basis`.", "Automated decisions need a basis in law (Swedish Administrative Procedure Act, section 28); describe the legal basis in `legal_basis`."),
            );
        }
    }
    let has = |kind: AssessmentType| assessments.iter().any(|a| a.kind == kind);
    if let Some((d, personal_pos, location_pos)) = &data_at
        && d.personal_data != PersonalData::None
        && status != Some(Status::Retired)
    {
        if check_policies && !has(AssessmentType::Dpia) {
            doc.warning(
                "no-dpia",
                *personal_pos,
                msg!(doc.lang, "Systemet behandlar personuppgifter, men posten anger ingen konsekvensbedömning för dataskydd (`type: dpia`).", "The system processes personal data, but the record lists no data protection impact assessment (`type: dpia`)."),
                msg!(doc.lang, "Dataskyddsförordningen artikel 35 kräver en konsekvensbedömning när behandlingen kan innebära hög risk; lägg till den under `assessments`, eller förklara i `risk.description` varför den inte behövs.", "GDPR article 35 requires an impact assessment when processing may involve a high risk; add it under `assessments`, or explain in `risk.description` why it is not needed."),
            );
        }
        if d.location == DataLocation::OutsideEu {
            doc.warning(
                "personal-data-outside-eu",
                *location_pos,
                msg!(doc.lang, "Personuppgifter behandlas utanför EU.", "Personal data is processed outside the EU."),
                msg!(doc.lang, "Överföring av personuppgifter utanför EU kräver särskilda skyddsåtgärder (dataskyddsförordningen kapitel V); beskriv dem i `data.description` eller `risk.description`.", "Transfers of personal data outside the EU need specific safeguards (GDPR chapter V); describe them in `data.description` or `risk.description`."),
            );
        }
    }
    if let Some(r) = &risk
        && r.ai_act == AiActClass::High
        && check_policies
        && !has(AssessmentType::Fria)
    {
        doc.warning(
            "no-fria",
            risk_pos,
            msg!(doc.lang, "Systemet har hög risk enligt AI-förordningen, men posten anger ingen konsekvensbedömning för grundläggande rättigheter (`type: fria`).", "The system is high-risk under the AI Act, but the record lists no fundamental rights impact assessment (`type: fria`)."),
            msg!(doc.lang, "Offentliga verksamheter som använder AI med hög risk ska göra en sådan bedömning innan systemet används (AI-förordningen artikel 27); lägg till den under `assessments`.", "Public bodies deploying high-risk AI must make such an assessment before use (AI Act article 27); add it under `assessments`."),
        );
    }

    Some(System {
        id: id.to_owned(),
        url: String::new(),
        name: name?,
        summary: summary?.trim().to_owned(),
        status: status?,
        department: department?.trim().to_owned(),
        purpose: purpose?,
        decision_role: decision_role?,
        human_oversight: human_oversight?,
        data: data?,
        risk: risk?,
        contact: contact?,
        reviewed: reviewed?.0,
        technique,
        how_it_works,
        affected,
        legal_basis,
        appeal,
        disclosure,
        supplier,
        assessments,
        introduced: introduced.map(|(d, _)| d),
        retired: retired.map(|(d, _)| d),
        next_review: next_review.map(|(d, _)| d),
        environment,
        links,
        tags,
        translations,
        change_note,
        previous_ids,
        source: doc.file.to_owned(),
        fingerprint: 0,
        fallback: Vec::new(),
        sort_key: Vec::new(),
    })
}

fn read_translations(
    doc: &mut Doc,
    node: &yaml::Spanned<Node>,
    languages: &[Language],
) -> BTreeMap<String, Translation> {
    let mut out = BTreeMap::new();
    let Node::Map(entries) = &node.value else {
        doc.error(
            "wrong-type",
            node.pos,
            msg!(doc.lang, "Fältet `translations` ska innehålla en språkkod per rad, till exempel `en:`, med fälten indragna under.", "The field `translations` should hold one language code per line, for example `en:`, with the fields indented below."),
            msg!(doc.lang, "Skriv till exempel:\ntranslations:\n  en:\n    name: Chatbot", "Write for example:\ntranslations:\n  en:\n    name: Chatbot"),
        );
        return out;
    };
    for (lang, value) in entries {
        let code = lang.value.trim();
        match Language::parse(code) {
            None => {
                doc.error(
                    "invalid-language",
                    lang.pos,
                    msg!(doc.lang, "`{code}` är ingen språkkod som insyn stöder.", "`{code}` is not a language code insyn supports."),
                    {
                        let allowed = Language::allowed();
                        msg!(doc.lang, "Använd en av {allowed}.", "Use one of {allowed}.")
                    },
                );
                continue;
            }
            Some(l) if !languages.contains(&l) => doc.warning(
                "unused-translation",
                lang.pos,
                msg!(doc.lang, "Översättningen till `{code}` visas inte, eftersom webbplatsen inte publiceras på det språket.", "The `{code}` translation is not shown, because the site is not published in that language."),
                msg!(doc.lang, "Lägg till `{code}` i `site.languages` i register/site.yaml för att publicera den.", "Add `{code}` to `site.languages` in register/site.yaml to publish it."),
            ),
            Some(_) => {}
        }
        let path = format!("translations.{code}");
        if let Some(t) = Fields::of(doc, &path, value).and_then(|f| read_translation(doc, f)) {
            out.insert(code.to_owned(), t);
        }
    }
    out
}

fn load_pages(
    root: &Path,
    lang: Language,
    languages: &[Language],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Page> {
    let dir = root.join("register").join("pages");
    if !dir.is_dir() {
        return Vec::new();
    }
    let mut pages = Vec::new();
    let canonical = crate::confine::canonical_root(root);
    if !crate::confine::resolves_inside(&canonical, &dir) {
        diags.push(crate::confine::outside_error(
            &display_path(root, &dir),
            lang,
        ));
        return Vec::new();
    }
    // A few files: links are followed, and the order (the menu's) is the names'.
    let walker = walkdir::WalkDir::new(&dir)
        .min_depth(1)
        .max_depth(1)
        .follow_links(true)
        .sort_by_file_name();
    for entry in walker.into_iter().filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        // (Anything but a folder is looked at: a pipe or device named `.md` is
        // refused by the reading, never waited on.)
        if crate::confine::is_leftover(&name) || entry.file_type().is_dir() {
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let shown = display_path(root, path);
        let slug = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let slug_part = page_language(&slug).map_or(slug.as_str(), |(s, _)| s);
        if !is_slug(slug_part) {
            diags.push(
                Diagnostic::error(
                    "invalid-id",
                    &shown,
                    msg!(
                        lang,
                        "Filnamnet `{slug}` går inte att använda i en webbadress.",
                        "The file name `{slug}` cannot be used in a web address."
                    ),
                )
                .hint({
                    let suggestion = slugify(&slug);
                    msg!(
                        lang,
                        "Döp om filen till `{suggestion}.md`.",
                        "Rename the file to `{suggestion}.md`."
                    )
                }),
            );
            continue;
        }
        if RESERVED_SLUGS.contains(&slug_part) {
            diags.push(
                Diagnostic::error(
                    "reserved-page",
                    &shown,
                    msg!(
                        lang,
                        "Sidnamnet `{slug}` används redan av webbplatsen själv.",
                        "The page name `{slug}` is already used by the site itself."
                    ),
                )
                .hint(msg!(
                    lang,
                    "Döp om filen, till exempel till `om-{slug}.md`.",
                    "Rename the file, for example to `about-{slug}.md`."
                )),
            );
            continue;
        }
        let text = match read_text(&canonical, path, &shown, lang) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match page_title(&text) {
            Some((title, body)) => pages.push(Page {
                slug,
                title,
                body,
                source: shown,
                translations: BTreeMap::new(),
            }),
            None => {
                diags.push(
                    Diagnostic::error("page-title", &shown, msg!(lang, "Sidan saknar rubrik.", "The page has no title."))
                        .at_in(1, 1, &text)
                        .hint(msg!(lang, "Börja filen med en rad som `# Om AI-registret`; den blir sidans rubrik.", "Start the file with a line like `# About the AI register`; it becomes the page's title.")),
                );
            }
        }
    }
    attach_page_translations(pages, languages, lang, diags)
}

/// A page's title and the text after it: the first line that is not empty, as
/// a heading `# Titel` or underlined with `=` (`Titel` and then `=====`).
fn page_title(text: &str) -> Option<(String, String)> {
    let mut lines = text.split_inclusive('\n');
    let mut first = lines.next()?;
    while first.trim().is_empty() {
        first = lines.next()?;
    }
    let after = |line: &str| -> String {
        let at = line.as_ptr() as usize - text.as_ptr() as usize + line.len();
        text[at..].to_owned()
    };
    if let Some(title) = first.trim().strip_prefix("# ") {
        return Some((title.trim().to_owned(), after(first)));
    }
    let under = lines.next()?;
    let line = under.trim();
    // (An underline is at most three spaces in, like every Markdown block.)
    let indent = under.len() - under.trim_start().len();
    if !line.is_empty() && indent < 4 && line.bytes().all(|b| b == b'=') {
        let title = first.trim();
        if !title.is_empty() && !first.starts_with("    ") {
            return Some((title.to_owned(), after(under)));
        }
    }
    None
}

/// `om.en.md` is the English text of `om.md`: moves such pages into the
/// translations of their page. A translation without its page, or in a language
/// the site is not published in, gets a message.
fn attach_page_translations(
    pages: Vec<Page>,
    languages: &[Language],
    lang: Language,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Page> {
    let (translated, mut own): (Vec<Page>, Vec<Page>) = pages
        .into_iter()
        .partition(|p| page_language(&p.slug).is_some());
    for page in translated {
        let Some((slug, code)) = page_language(&page.slug) else {
            continue;
        };
        let (slug, shown) = (slug.to_owned(), page.source.clone());
        let name = code.as_str();
        // `om.sv.md` beside `om.md` on a Swedish site: two texts for one page,
        // and nothing would say which one is published.
        if languages.first() == Some(&code) && own.iter().any(|p| p.slug == slug) {
            diags.push(
                Diagnostic::error(
                    "duplicate-page",
                    &shown,
                    msg!(lang, "Sidan `{slug}` finns två gånger på huvudspråket: i `{slug}.md` och i den här filen.", "The page `{slug}` is there twice in the main language: in `{slug}.md` and in this file."),
                )
                .hint(msg!(lang, "Behåll en av filerna: flytta texten till `{slug}.md` och ta bort den här, eller döp om den.", "Keep one of the files: move the text to `{slug}.md` and remove this one, or rename it.")),
            );
            continue;
        }
        if !languages.contains(&code) {
            diags.push(
                Diagnostic::warning(
                    "unused-translation",
                    &shown,
                    msg!(lang, "Översättningen till `{name}` visas inte, eftersom webbplatsen inte publiceras på det språket.", "The `{name}` translation is not shown, because the site is not published in that language."),
                )
                .hint(msg!(lang, "Lägg till `{name}` i `site.languages` i register/site.yaml för att publicera den.", "Add `{name}` to `site.languages` in register/site.yaml to publish it.")),
            );
            continue;
        }
        match own.iter_mut().find(|p| p.slug == slug) {
            Some(main) => {
                main.translations.insert(code, Page { slug, ..page });
            }
            None => diags.push(
                Diagnostic::error(
                    "orphan-translation",
                    &shown,
                    msg!(lang, "Sidan `{slug}.md` som den här filen översätter finns inte.", "The page `{slug}.md` that this file translates does not exist."),
                )
                .hint(msg!(lang, "Skapa `register/pages/{slug}.md` på huvudspråket, eller rätta filnamnet.", "Create `register/pages/{slug}.md` in the main language, or correct the file name.")),
            ),
        }
    }
    own
}

/// `om.en` → (`om`, English): a page file named for a language.
fn page_language(stem: &str) -> Option<(&str, Language)> {
    let (slug, code) = stem.rsplit_once('.')?;
    Some((slug, Language::parse(code)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_read_through_links_and_in_the_order_of_their_names() {
        let site = tempfile::tempdir().unwrap();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("register");
        let register = site.path().join("register");
        for dir in ["", "systems", "pages"] {
            std::fs::create_dir_all(register.join(dir)).unwrap();
        }
        std::fs::copy(example.join("site.yaml"), register.join("site.yaml")).unwrap();
        let pages = register.join("pages");
        // Made in the opposite order of their names.
        for slug in ["c-sidan", "b-sidan"] {
            std::fs::write(
                pages.join(format!("{slug}.md")),
                format!("# {slug}\n\nText.\n"),
            )
            .unwrap();
        }
        std::fs::write(site.path().join("a.md"), "# a-sidan\n\nText.\n").unwrap();
        std::os::unix::fs::symlink(site.path().join("a.md"), pages.join("a-sidan.md")).unwrap();
        let loaded = load(site.path(), "2026-11-22".parse().unwrap());
        let register = loaded.register.expect("no errors");
        let slugs: Vec<&str> = register.pages.iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs, ["a-sidan", "b-sidan", "c-sidan"]);
    }

    #[test]
    fn an_editors_temporary_file_does_not_make_every_record_be_read_again() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let systems = root.join("register/systems");
        let cache = RecordCache::default();
        cache.watch();
        let today: Date = "2026-11-22".parse().unwrap();
        let loaded = load_cached(root, today, Some(&cache));
        let kept = |cache: &RecordCache| cache.entries.lock().unwrap().len();
        let all = loaded.checked;
        assert!(all > 1);
        assert_eq!(kept(&cache), all);
        // Saving a record through a temporary file (sed -i, gedit, JetBrains):
        // only the record itself is read again.
        cache.forget(&systems.join("sedX1b2c3"));
        cache.forget(&systems.join(".chattbot-webbplatsen.yaml.swp"));
        assert_eq!(kept(&cache), all);
        cache.forget(&systems.join("chattbot-webbplatsen.yaml"));
        assert_eq!(kept(&cache), all - 1);
        // The folder itself went or moved: everything is read again.
        cache.forget(&systems);
        assert_eq!(kept(&cache), 0);
    }
}
