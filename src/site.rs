//! Building the site: one straight list of steps, from the validated register to
//! the files in `public/`. Everything is rendered into a staging folder; only when
//! every step succeeded does it replace the published site.

use crate::diagnostic::Diagnostic;
use crate::history::History;
use crate::versions::Timelines;

mod history_pages;
use crate::load::{self, Loaded};
use crate::markdown;
use crate::model::*;
use crate::output::Staging;
use crate::render::Renderer;
use crate::slug::slugify;
use crate::theme::Theme;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod appeal;
mod combine;

pub struct Built {
    pub output: PathBuf,
    pub pages: usize,
    pub files: usize,
    pub warnings: Vec<Diagnostic>,
}

/// A short row for tables of systems.
#[derive(Serialize, Clone)]
struct Row<'a> {
    /// Changes when anything shown in the row may have changed.
    #[serde(skip)]
    key: u64,
    id: &'a str,
    name: &'a str,
    /// `lang` of the name when it is shown untranslated (else absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    name_lang: Option<&'static str>,
    summary: &'a str,
    status: Status,
    department: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    department_lang: Option<&'static str>,
    dept_slug: &'a str,
    decision_role: DecisionRole,
    personal_data: PersonalData,
    ai_act: AiActClass,
}

/// What `system.html` gets.
#[derive(Serialize)]
struct SystemPage<'a> {
    s: &'a System,
    dept_slug: &'a str,
    department: &'a str,
    department_lang: Option<&'static str>,
    /// Field → the `lang` it is shown in, where untranslated.
    fallback: BTreeMap<&'static str, &'a str>,
    translation_note: Option<&'a String>,
    html: BTreeMap<&'static str, String>,
    /// The record's versions, newest first, as [`history_pages::entries`] makes them.
    history: Vec<serde_json::Value>,
    history_total: usize,
    description: &'a str,
    /// On an earlier version's page or a removed record's: what it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    banner: Option<serde_json::Value>,
    noindex: bool,
}

/// What a page of a table of systems gets: its table's context and its rows.
#[derive(Serialize)]
struct ListingPage<'a> {
    #[serde(flatten)]
    context: &'a serde_json::Value,
    /// The filters shown above every table (the same for all of them).
    facets: &'a serde_json::Value,
    systems: &'a [Row<'a>],
    matching: usize,
    pagination: serde_json::Value,
}

/// A table of systems (see [`Writer::listings`]).
struct Listing<'r> {
    path: String,
    template: &'static str,
    context: serde_json::Value,
    rows: Vec<Row<'r>>,
}

#[derive(Serialize)]
struct FacetOption {
    value: String,
    label: Option<String>,
    /// `lang` of the label when it is shown untranslated.
    label_lang: Option<&'static str>,
    path: String,
    count: usize,
}

#[derive(Serialize)]
struct Facet {
    key: &'static str,
    options: Vec<FacetOption>,
}

/// Rows per page on the start page and the filter pages: long enough to scan,
/// short enough to load fast on a phone (about 35 KB of HTML).
const PAGE_SIZE: usize = 100;

/// With more departments than this, the filter box lists the largest ones and
/// links to the page with all of them (keeps every page's size independent of
/// how many departments there are).
const FILTER_DEPARTMENTS: usize = 12;

/// Everything derived from the register that several pages need.
struct Plan<'r> {
    register: &'r Register,
    history: &'r History,
    /// The versions of each record, current and removed.
    timelines: &'r Timelines,
    /// The language of the pages planned, and the site's main language (what
    /// is shown where a translation is missing).
    lang: Language,
    main: Language,
    /// Original department name → its name in `lang`, and the `lang` attribute
    /// it needs when it has no translation.
    dept_labels: BTreeMap<&'r str, (String, Option<&'static str>)>,
    today: jiff::civil::Date,
    /// id → when the record last changed (RFC 3339): its last commit, or the day
    /// it was last reviewed when there is no git history.
    updated: BTreeMap<&'r str, String>,
    /// department name → its URL slug (unique).
    dept_slugs: BTreeMap<&'r str, String>,
    facets: Vec<Facet>,
    /// The facets as shown in the filter box (departments possibly shortened).
    filter_facets: serde_json::Value,
}

fn facet_path(key: &str, value: &str) -> String {
    let segment = match key {
        "department" => "forvaltning",
        "status" => "status",
        "ai_act" => "risk",
        _ => "personuppgifter",
    };
    format!("{segment}/{}/", value.replace('_', "-"))
}

impl<'r> Plan<'r> {
    fn new(
        register: &'r Register,
        history: &'r History,
        timelines: &'r Timelines,
        today: jiff::civil::Date,
        lang: Language,
    ) -> Self {
        let main = register.site.site.language;
        let updated = register
            .systems
            .iter()
            .map(|s| {
                let from_git = timelines
                    .current
                    .get(&s.id)
                    .and_then(|t| t.versions.last())
                    .map(|v| v.change.time.clone());
                (
                    s.id.as_str(),
                    from_git.unwrap_or_else(|| format!("{}T00:00:00Z", s.reviewed)),
                )
            })
            .collect();
        // Slugs are given in name order, whatever order the records came in, and
        // a slug already taken (also one like `namn-2` that a name `Namn 2`
        // makes) gets the next free number: the same names, the same site.
        let mut dept_slugs: BTreeMap<&str, String> = BTreeMap::new();
        let names: std::collections::BTreeSet<&str> = register
            .systems
            .iter()
            .map(|s| s.department.as_str())
            .collect();
        let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
        for name in names {
            let mut base = slugify(name);
            if base.is_empty() {
                base = "forvaltning".into();
            }
            let mut slug = base.clone();
            let mut n = 1;
            while taken.contains(&slug) {
                n += 1;
                slug = format!("{base}-{n}");
            }
            taken.insert(slug.clone());
            dept_slugs.insert(name, slug);
        }
        let mut dept_counts: BTreeMap<&str, usize> = BTreeMap::new();
        // The name most records of a department give it in `lang` (ties: the
        // first in order), so all its pages agree.
        let mut names: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for s in &register.systems {
            *dept_counts.entry(&s.department).or_default() += 1;
            if lang != main
                && let Some(name) = s
                    .translations
                    .get(lang.as_str())
                    .and_then(|t| t.department.as_deref())
            {
                *names
                    .entry(&s.department)
                    .or_default()
                    .entry(name.trim())
                    .or_default() += 1;
            }
        }
        let dept_labels: BTreeMap<&str, (String, Option<&'static str>)> = dept_counts
            .keys()
            .map(|d| {
                let best = names.get(d).and_then(|n| {
                    n.iter()
                        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                        .map(|(name, _)| (*name).to_owned())
                });
                let label = match best {
                    Some(name) => (name, None),
                    None if lang == main => ((*d).to_owned(), None),
                    None => ((*d).to_owned(), Some(main.as_str())),
                };
                (*d, label)
            })
            .collect();
        let departments = Facet {
            key: "department",
            options: dept_counts
                .iter()
                .map(|(name, count)| {
                    let slug = dept_slugs.get(name).cloned().unwrap_or_default();
                    let (label, label_lang) = dept_labels.get(name).cloned().unwrap_or_default();
                    FacetOption {
                        path: facet_path("department", &slug),
                        value: slug,
                        label: Some(label),
                        label_lang,
                        count: *count,
                    }
                })
                .collect(),
        };
        fn vocab_facet<V: Vocabulary + Ord>(
            key: &'static str,
            systems: &[std::sync::Arc<System>],
            get: impl Fn(&System) -> V,
        ) -> Facet {
            let options = V::ALL
                .iter()
                .map(|v| FacetOption {
                    value: v.as_str().to_owned(),
                    label: None,
                    label_lang: None,
                    path: facet_path(key, v.as_str()),
                    count: systems.iter().filter(|s| get(s) == *v).count(),
                })
                .filter(|o| o.count > 0)
                .collect();
            Facet { key, options }
        }
        let systems = &register.systems;
        let facets = vec![
            departments,
            vocab_facet("status", systems, |s| s.status),
            vocab_facet("ai_act", systems, |s| s.risk.ai_act),
            vocab_facet("personal_data", systems, |s| s.data.personal_data),
        ];
        let filter_facets = filter_facets(&facets);
        Plan {
            register,
            history,
            timelines,
            lang,
            main,
            dept_labels,
            today,
            updated,
            dept_slugs,
            facets,
            filter_facets,
        }
    }

    fn dept_slug(&self, department: &str) -> &str {
        self.dept_slugs
            .get(department)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// A department's name on these pages, with the `lang` it needs.
    fn dept_label<'a>(&'a self, department: &'a str) -> (&'a str, Option<&'static str>) {
        self.dept_labels
            .get(department)
            .map_or((department, None), |(l, lang)| (l.as_str(), *lang))
    }

    /// The fields of `s` shown untranslated on these pages: none in the main
    /// language, all of a record without a translation to this language.
    fn fallback<'s>(&self, s: &'s System) -> &'s [&'static str] {
        if self.lang == self.main {
            &[]
        } else if !s.translations.contains_key(self.lang.as_str()) {
            &TEXT_FIELDS
        } else {
            &s.fallback
        }
    }

    /// The `lang` attribute a field of `s` needs: the main language when it is
    /// shown untranslated on a page in another language.
    fn field_lang(&self, s: &System, field: &str) -> Option<&'static str> {
        self.fallback(s)
            .contains(&field)
            .then_some(self.main.as_str())
    }

    fn row<'s>(&'s self, s: &'s System) -> Row<'s> {
        let dept_slug = self.dept_slug(&s.department);
        let (department, department_lang) = self.dept_label(&s.department);
        Row {
            key: load::fingerprint((s.fingerprint, dept_slug, department)),
            id: &s.id,
            name: &s.name,
            name_lang: self.field_lang(s, "name"),
            summary: &s.summary,
            status: s.status,
            department,
            department_lang,
            dept_slug,
            decision_role: s.decision_role,
            personal_data: s.data.personal_data,
            ai_act: s.risk.ai_act,
        }
    }

    /// Rows for the systems `keep` selects, in Swedish alphabetical order of name.
    fn rows(&self, keep: impl Fn(&System) -> bool) -> Vec<Row<'_>> {
        self.sorted(keep)
            .into_par_iter()
            .map(|s| self.row(s))
            .collect()
    }

    /// The systems `keep` selects, in Swedish alphabetical order of name (the
    /// order of every list, and the record numbers of the search index).
    fn sorted(&self, keep: impl Fn(&System) -> bool) -> Vec<&System> {
        let mut systems: Vec<&System> = self
            .register
            .systems
            .iter()
            .map(|s| &**s)
            .filter(|s| keep(s))
            .collect();
        systems
            .par_sort_unstable_by(|a, b| a.sort_key.cmp(&b.sort_key).then_with(|| a.id.cmp(&b.id)));
        systems
    }
}

/// The text fields of a record, as [`System::fallback`] names them.
const TEXT_FIELDS: [&str; 12] = [
    "name",
    "summary",
    "purpose",
    "human_oversight",
    "data_description",
    "risk_description",
    "how_it_works",
    "legal_basis",
    "appeal",
    "disclosure",
    "environment",
    "affected",
];

/// The filter box: every status, risk class and data class; the departments
/// too, unless there are many, then the largest few and a link to all.
fn filter_facets(facets: &[Facet]) -> serde_json::Value {
    let shown: Vec<serde_json::Value> = facets
        .iter()
        .map(|f| {
            if f.key == "department" && f.options.len() > FILTER_DEPARTMENTS {
                let mut largest: Vec<&FacetOption> = f.options.iter().collect();
                largest.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                largest.truncate(FILTER_DEPARTMENTS - 2);
                largest.sort_by(|a, b| a.value.cmp(&b.value));
                json!({ "key": f.key, "options": largest, "more": f.options.len() })
            } else {
                json!({ "key": f.key, "options": f.options, "more": null })
            }
        })
        .collect();
    json!(shown)
}

/// Compact page links: first, last, and the pages around the current one.
fn pagination(first_path: &str, current: usize, total: usize) -> serde_json::Value {
    let path = |n: usize| {
        if n == 1 {
            first_path.to_owned()
        } else {
            format!("{first_path}sida/{n}/")
        }
    };
    let mut shown: Vec<serde_json::Value> = Vec::new();
    let mut last = 0;
    for n in 1..=total {
        if n == 1 || n == total || n.abs_diff(current) <= 2 {
            if last + 1 < n {
                shown.push(json!({ "gap": true }));
            }
            shown.push(json!({ "number": n, "path": path(n), "current": n == current }));
            last = n;
        }
    }
    json!({
        "current": current,
        "total": total,
        "pages": shown,
        "previous": (current > 1).then(|| path(current - 1)),
        "next": (current < total).then(|| path(current + 1)),
    })
}

/// `../../` for `system/x/`: the way back to the site root from a page, so that
/// every internal link works under any base path and from disk.
fn root_of(path: &str) -> String {
    match path.matches('/').count() {
        0 => "./".to_owned(),
        depth => "../".repeat(depth),
    }
}

/// The files written after every page (the last step of a build).
const EXPORTS: [&str; 5] = [
    "register.json",
    "register.csv",
    "feed.xml",
    "sitemap.xml",
    "robots.txt",
];

/// Bytes made once and shared: a system's JSON, its CSV row.
type Part = Arc<Vec<u8>>;

/// Something a cache keeps, with the fingerprint of what it was made from.
type Cached<V> = (u64, Arc<V>);

/// What a long-running `insyn serve` keeps between builds, so that a rebuild
/// after one edit reads one file and renders only the pages it changes. Only for
/// a process that owns its output folder: files are written there in place.
#[derive(Default)]
pub struct BuildCache {
    pub records: load::RecordCache,
    /// Output file → the fingerprint of what it was made from (or of its bytes),
    /// and the build that last made it.
    files: Mutex<HashMap<String, (u64, u64)>>,
    /// Counts builds, to tell the files this build made from older ones.
    generation: std::sync::atomic::AtomicU64,
    /// Parts of the exports (a system's JSON, its CSV row) by name, with the
    /// fingerprint they were made from.
    parts: Mutex<HashMap<String, Cached<Vec<u8>>>>,
    /// The words of each record for the search index, by language and id.
    words: Mutex<HashMap<(Language, String), Cached<crate::search::Words>>>,
    /// The change history, and the commit it was read at.
    history: Mutex<Option<(String, Arc<History>)>>,
    /// Set by `insyn serve` when files changed during a build: the build stops
    /// after its pages (the next one writes the exports and the index).
    pub superseded: std::sync::atomic::AtomicBool,
}

impl BuildCache {
    /// The change history: read again only when HEAD moved (or cannot be told).
    fn history(&self, source: &crate::history::Source) -> Arc<History> {
        use crate::history::Head;
        let commit = match crate::history::head_of_source(source) {
            Head::NoRepository => return Arc::new(History::default()),
            Head::Unknown => return Arc::new(crate::history::read_from(source)),
            Head::Commit(commit) => commit,
        };
        if let Ok(known) = self.history.lock()
            && let Some((at, history)) = known.as_ref()
            && *at == commit
        {
            return history.clone();
        }
        let history = Arc::new(crate::history::read_from(source));
        if let Ok(mut known) = self.history.lock() {
            *known = Some((commit, history.clone()));
        }
        history
    }
}

/// The value `map` holds for `name` if it was made from `key`; else `make`'s,
/// kept for next time.
fn reuse<K: std::hash::Hash + Eq, V>(
    map: &Mutex<HashMap<K, Cached<V>>>,
    name: K,
    key: u64,
    make: impl FnOnce() -> V,
) -> Arc<V> {
    if let Ok(known) = map.lock()
        && let Some((k, value)) = known.get(&name)
        && *k == key
    {
        return value.clone();
    }
    let value = Arc::new(make());
    if let Ok(mut known) = map.lock() {
        known.insert(name, (key, value.clone()));
    }
    value
}

/// The site in one of its languages: the pages under `prefix` (`""` for the
/// main language, `en/` for English beside Swedish), with their own strings.
struct Edition {
    lang: Language,
    prefix: String,
    renderer: Renderer,
    glossary: markdown::Glossary,
    strings: serde_json::Value,
    /// Fingerprint of everything every page depends on (site, theme, strings).
    global: u64,
}

struct Writer<'a> {
    staging: &'a Staging,
    theme: &'a Theme,
    /// The language whose pages are being written.
    ed: &'a Edition,
    pages: Vec<String>,
    files: usize,
    cache: Option<&'a BuildCache>,
    /// This build's number (with a cache): files it made carry it, older ones are stale.
    generation: u64,
    /// Called once every page is written, before the exports.
    ready: Option<&'a (dyn Fn() + Sync)>,
}

impl Writer<'_> {
    /// With a cache: whether files changed since this build began, so that
    /// what follows the pages can be left to the next build.
    fn superseded(&self) -> bool {
        self.cache
            .is_some_and(|c| c.superseded.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// With a cache: whether `rel` was last made from `key`; if so, notes
    /// that this build made it too (one lock, no copy of the name).
    fn known(&self, rel: &str, key: u64) -> bool {
        self.cache.is_some_and(|cache| {
            cache
                .files
                .lock()
                .is_ok_and(|mut files| match files.get_mut(rel) {
                    Some(entry) if entry.0 == key => {
                        entry.1 = self.generation;
                        true
                    }
                    _ => false,
                })
        })
    }

    /// With a cache: notes that this build made `rel` from `key`.
    fn remember(&self, rel: &str, key: u64) {
        if let Some(cache) = self.cache
            && let Ok(mut files) = cache.files.lock()
        {
            files.insert(rel.to_owned(), (key, self.generation));
        }
    }

    /// Writes `rel` with the bytes `make` returns. With a cache, `make` is not
    /// even called when `key` (the fingerprint of its inputs) is the one the file
    /// was last made from; without a key the bytes themselves are compared.
    fn put(
        &self,
        rel: &str,
        key: Option<u64>,
        make: impl FnOnce() -> Result<Vec<u8>, Diagnostic>,
    ) -> Result<(), Diagnostic> {
        if self.cache.is_none() {
            return self.staging.write(rel, &make()?);
        }
        if key.is_some_and(|key| self.known(rel, key)) {
            return Ok(());
        }
        let bytes = make()?;
        let key = key.unwrap_or_else(|| load::fingerprint(&bytes));
        if self.known(rel, key) {
            return Ok(());
        }
        self.staging.write(rel, &bytes)?;
        self.remember(rel, key);
        Ok(())
    }

    /// [`Writer::put`] for a large file, written as `fill` makes it.
    fn put_with(
        &self,
        rel: &str,
        key: u64,
        fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), Diagnostic> {
        if self.known(rel, key) {
            return Ok(());
        }
        self.staging.write_with(rel, fill)?;
        self.remember(rel, key);
        Ok(())
    }

    /// With a cache: removes the files of earlier builds that this one did not
    /// make (`except`: files it has yet to write, or folders ending in `/`).
    fn remove_stale(&self, except: &[&str]) {
        let Some(cache) = self.cache else {
            return;
        };
        if let Ok(mut known) = cache.files.lock() {
            known.retain(|rel, (_, generation)| {
                let keep = *generation == self.generation
                    || except
                        .iter()
                        .any(|e| rel == e || (e.ends_with('/') && rel.starts_with(e)));
                if !keep {
                    let _ = std::fs::remove_file(self.staging.dir().join(rel));
                }
                keep
            });
        }
    }

    /// A record's words for the search index, found again only when `key`
    /// changed (with a cache).
    fn words(
        &self,
        lang: Language,
        id: &str,
        key: u64,
        make: impl FnOnce() -> crate::search::Words,
    ) -> Arc<crate::search::Words> {
        match self.cache {
            Some(cache) => reuse(&cache.words, (lang, id.to_owned()), key, make),
            None => Arc::new(make()),
        }
    }

    /// A part of an export, remade only when `key` changed (with a cache).
    fn part(&self, name: String, key: u64, make: impl FnOnce() -> Vec<u8>) -> Arc<Vec<u8>> {
        // Kept until the export is written: no spare capacity.
        let make = || {
            let mut bytes = make();
            bytes.shrink_to_fit();
            bytes
        };
        match self.cache {
            Some(cache) => reuse(&cache.parts, name, key, make),
            None => Arc::new(make()),
        }
    }

    /// Renders and writes one page of the current language (`path` within it);
    /// safe to call from many threads at once. Templates get `root` (the way to
    /// this language's start page), `site_root` (to the shared files) and `path`.
    fn render_page<C: Serialize>(
        &self,
        path: &str,
        template: &str,
        key: Option<u64>,
        context: impl FnOnce() -> C,
    ) -> Result<(), Diagnostic> {
        /// A page's own context with the ways back to the roots.
        #[derive(Serialize)]
        struct Page<'p, C> {
            #[serde(flatten)]
            context: C,
            root: String,
            site_root: String,
            path: &'p str,
        }
        let full = format!("{}{path}", self.ed.prefix);
        self.put(&format!("{full}index.html"), key, || {
            let page = Page {
                context: context(),
                root: root_of(path),
                site_root: root_of(&full),
                path,
            };
            Ok(self
                .ed
                .renderer
                .render(self.theme, template, &page)?
                .into_bytes())
        })
    }

    /// Notes a page of the current language for the sitemap.
    fn listed(&mut self, path: &str) {
        self.pages.push(format!("{}{path}", self.ed.prefix));
        self.files += 1;
    }

    /// Tables of systems, each split into pages of [`PAGE_SIZE`]: its `path`,
    /// then `path` + `sida/2/`, …; its `context` gets the rows, the count and
    /// the page links. Every page of every table is rendered on every core.
    fn listings(
        &mut self,
        lists: &[Listing],
        facets: &serde_json::Value,
    ) -> Result<(), Diagnostic> {
        // With a cache: what every page of a table shares, as one fingerprint.
        let facets_key = self.cache.map(|_| load::fingerprint(facets.to_string()));
        let pages: Vec<(&Listing, Option<u64>, usize, usize, String)> = lists
            .iter()
            .flat_map(|list| {
                let total = list.rows.len().div_ceil(PAGE_SIZE).max(1);
                let shared = facets_key.map(|f| load::fingerprint((list.context.to_string(), f)));
                (1..=total).map(move |n| {
                    let at = if n == 1 {
                        list.path.clone()
                    } else {
                        format!("{}sida/{n}/", list.path)
                    };
                    (list, shared, n, total, at)
                })
            })
            .collect();
        let this = &*self;
        pages
            .par_iter()
            .try_for_each(|(list, shared, n, total, at)| {
                let chunk = list.rows.chunks(PAGE_SIZE).nth(n - 1).unwrap_or(&[]);
                let key = shared.as_ref().map(|shared| {
                    let rows: Vec<u64> = chunk.iter().map(|r| r.key).collect();
                    load::fingerprint((this.ed.global, list.template, at, shared, rows, n, total))
                });
                this.render_page(at, list.template, key, || ListingPage {
                    context: &list.context,
                    facets,
                    systems: chunk,
                    matching: list.rows.len(),
                    pagination: pagination(&list.path, *n, *total),
                })
            })?;
        for (.., at) in &pages {
            self.listed(at);
        }
        Ok(())
    }

    fn page(
        &mut self,
        path: &str,
        template: &str,
        context: serde_json::Value,
    ) -> Result<(), Diagnostic> {
        self.render_page(path, template, None, || context)?;
        self.listed(path);
        Ok(())
    }

    fn file(&mut self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.files += 1;
        self.put(rel, None, || Ok(bytes.to_vec()))
    }
}

/// What a page in another language says where a text has no translation.
struct TranslationNotes {
    /// At a field of a partly translated record.
    field: String,
    /// At the top of a record with no translation at all.
    record_missing: String,
    /// At the top of a partly translated record.
    record_partial: String,
    /// At the top of an untranslated Markdown page.
    page_missing: String,
}

fn translation_notes(strings: &serde_json::Value, main: Language) -> TranslationNotes {
    let language = strings["language_names"][main.as_str()]
        .as_str()
        .unwrap_or(main.as_str());
    let text = |key: &str| {
        strings["translation"][key]
            .as_str()
            .unwrap_or_default()
            .replace("{language}", language)
    };
    TranslationNotes {
        field: text("field"),
        record_missing: text("record_missing"),
        record_partial: text("record_partial"),
        page_missing: text("page_missing"),
    }
}

/// The context of `system.html` for `s` at `path`: the current record
/// (`banner` None) or an earlier version or removed record (with its banner,
/// kept out of search engines).
#[allow(clippy::too_many_arguments)]
fn system_page<'a>(
    w: &'a Writer,
    plan: &'a Plan,
    notes: &'a TranslationNotes,
    s: &'a System,
    path: &str,
    up: &str,
    history: &serde_json::Value,
    banner: Option<serde_json::Value>,
) -> SystemPage<'a> {
    let main_lang = plan.main.as_str();
    let translated = plan.lang != plan.main;
    let (department, department_lang) = plan.dept_label(&s.department);
    // Untranslated: say so once for the page, and, when only some fields lack
    // a translation, at each of them.
    let untranslated = !s.translations.contains_key(w.ed.lang.as_str());
    let field_note = (!untranslated).then_some(notes.field.as_str());
    let fields = plan.fallback(s);
    SystemPage {
        s,
        dept_slug: plan.dept_slug(&s.department),
        department,
        department_lang,
        fallback: fields.iter().map(|f| (*f, main_lang)).collect(),
        translation_note: if !translated || fields.is_empty() {
            None
        } else if untranslated {
            Some(&notes.record_missing)
        } else {
            Some(&notes.record_partial)
        },
        html: system_html(s, w.ed, &root_of(path), field_note, main_lang, up, fields),
        history_total: history.as_array().map_or(0, Vec::len),
        history: history_pages::newest(history),
        description: &s.summary,
        noindex: banner.is_some(),
        banner,
    }
}

/// The markdown fields of a system, rendered in reading order. Headings inside
/// fields start at h3, under the page's own h2 questions; each glossary term is
/// linked once per page. A field shown untranslated gets `lang` (and `note`).
fn system_html(
    s: &System,
    ed: &Edition,
    root: &str,
    note: Option<&str>,
    main_lang: &str,
    up: &str,
    fallback: &[&str],
) -> BTreeMap<&'static str, String> {
    let prefix = format!("{root}ordlista/#");
    let mut linked = markdown::Linked::new();
    let mut html = BTreeMap::new();
    // The theme's explanations, linked in the order the page shows them, so
    // that a term is linked where it is first used.
    let glossary = &ed.glossary;
    let explain = &ed.strings["explain"];
    let explain_personal_data = explain["personal_data"][s.data.personal_data.as_str()]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let explain_ai_act = [
        explain["ai_act_class"][s.risk.ai_act.as_str()].as_str(),
        explain["ai_act"].as_str(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let fields = [
        ("purpose", Some(&s.purpose)),
        ("how_it_works", s.how_it_works.as_ref()),
        ("human_oversight", Some(&s.human_oversight)),
        ("explain_personal_data", Some(&explain_personal_data)),
        ("data_description", Some(&s.data.description)),
        ("explain_ai_act", Some(&explain_ai_act)),
        ("risk_description", Some(&s.risk.description)),
        ("disclosure", s.disclosure.as_ref()),
        ("legal_basis", s.legal_basis.as_ref()),
        ("appeal", s.appeal.as_ref()),
        ("environment", s.environment.as_ref()),
    ];
    for (key, text) in fields {
        if let Some(t) = text {
            if key.starts_with("explain_") {
                html.insert(key, glossary.link_plain(t, &prefix, &mut linked));
                continue;
            }
            let mut rendered =
                markdown::render_in(t, 3, Some((glossary, &prefix, &mut linked)), up);
            if fallback.contains(&key) {
                let note = note.map_or(String::new(), |n| {
                    format!(
                        "<p class=\"untranslated-note\">{}</p>\n",
                        crate::render::escape_html(n)
                    )
                });
                rendered = format!("{note}<div lang=\"{main_lang}\">\n{rendered}</div>\n");
            }
            html.insert(key, rendered);
        }
    }
    html
}

/// Validates and builds the site under `root` into `output`.
pub fn build(
    root: &Path,
    output: &Path,
    today: jiff::civil::Date,
) -> Result<Built, Vec<Diagnostic>> {
    build_cached(root, output, today, None, None)
}

/// [`build`]; with a cache (`insyn serve`), `output` is updated in place and
/// only what changed since the previous build is read, rendered and written.
/// `ready` is called as soon as every page is written (before the exports).
pub fn build_cached(
    root: &Path,
    output: &Path,
    today: jiff::civil::Date,
    cache: Option<&BuildCache>,
    ready: Option<&(dyn Fn() + Sync)>,
) -> Result<Built, Vec<Diagnostic>> {
    let Loaded {
        register,
        diagnostics,
        ..
    } = load::load_cached(root, today, cache.map(|c| &c.records));
    let Some(register) = register else {
        return Err(diagnostics);
    };
    let mut warnings = diagnostics;
    let base_url = register.site.site.base_url.clone();
    let site = &register.site;
    let main = site.site.language;

    let theme = Theme::new(root, &site.site.theme);
    let unusable = theme.problems(main);
    if !unusable.is_empty() {
        return Err(unusable);
    }
    // Everything each page depends on besides its own record.
    let mut theme_files = Vec::new();
    for dir in ["templates", "static", "i18n"] {
        for rel in theme.files_under(dir) {
            theme_files.push((theme.file(&rel).map(|b| b.into_owned()), rel));
        }
    }
    let theme_key = load::fingerprint((theme_files, today, &base_url));
    let main_strings = theme.strings(main).map_err(|d| vec![d])?;
    let mut editions = Vec::new();
    for &lang in &site.site.languages {
        let strings = if lang == main {
            main_strings.clone()
        } else {
            let strings = theme.strings(lang).map_err(|d| vec![d])?;
            theme.check_same_keys(main, &main_strings, lang, &strings)?;
            strings
        };
        editions.push(edition(&register, &theme, lang, strings, theme_key)?);
    }
    let source = crate::history::Source::of(root, site.history.repository.as_deref());
    let history = match cache {
        Some(cache) => cache.history(&source),
        None => Arc::new(crate::history::read_from(&source)),
    };
    crate::timing::step("git history");
    let timelines = crate::versions::plan(
        &history,
        &register,
        &crate::versions::Reader {
            today,
            lang: main,
            languages: &site.site.languages,
            base_url: &base_url,
        },
    );
    warnings.extend(crate::versions::warnings(&timelines, main));
    crate::timing::step("versions");
    // The register as each language shows it: the main language as written,
    // the others with each record's translations in place.
    let localized: Vec<Register> = site
        .site
        .languages
        .iter()
        .filter(|l| **l != main)
        .map(|&l| localize(&register, l))
        .collect();
    let mut plans = vec![Plan::new(&register, &history, &timelines, today, main)];
    plans.extend(
        localized
            .iter()
            .zip(site.site.languages.iter().filter(|l| **l != main))
            .map(|(r, &l)| Plan::new(r, &history, &timelines, today, l)),
    );
    crate::timing::step("plan");
    let staging = match cache {
        Some(_) => Staging::in_place(output),
        None => Staging::begin(output, root, main),
    }
    .map_err(|d| vec![d])?;
    crate::timing::step("prepare output folder");
    let mut w = Writer {
        staging: &staging,
        theme: &theme,
        ed: &editions[0],
        pages: Vec::new(),
        files: 0,
        cache,
        generation: cache.map_or(0, |c| {
            c.generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                .wrapping_add(1)
        }),
        ready,
    };
    write_site(&mut w, &editions, &plans).map_err(|d| vec![d])?;
    let pages = w.pages.len();
    let files = w.files;
    let output = staging.commit().map_err(|d| vec![d])?;
    crate::timing::step("publish");
    Ok(Built {
        output,
        pages,
        files,
        warnings,
    })
}

/// How each language names itself, for the language switcher.
fn endonym(lang: Language) -> &'static str {
    match lang {
        Language::Sv => "Svenska",
        Language::En => "English",
    }
}

/// The path prefix of a language's pages: none for the main language.
fn prefix_of(site: &SiteSettings, lang: Language) -> String {
    if lang == site.language {
        String::new()
    } else {
        format!("{}/", lang.as_str())
    }
}

/// The site title in `lang`.
fn title_in(site: &SiteSettings, lang: Language) -> &str {
    site.translations
        .get(&lang)
        .and_then(|t| t.title.as_deref())
        .unwrap_or(&site.title)
}

/// Sets up one language of the site: its globals, templates and glossary.
fn edition(
    register: &Register,
    theme: &Theme,
    lang: Language,
    strings: serde_json::Value,
    theme_key: u64,
) -> Result<Edition, Vec<Diagnostic>> {
    let site = &register.site;
    let main = site.site.language;
    let languages: Vec<serde_json::Value> = site
        .site
        .languages
        .iter()
        .map(|&l| json!({ "code": l.as_str(), "name": endonym(l), "prefix": prefix_of(&site.site, l) }))
        .collect();
    let pages: Vec<serde_json::Value> = register
        .pages
        .iter()
        .map(|p| match p.translations.get(&lang) {
            Some(t) if lang != main => json!({ "slug": p.slug, "title": t.title, "lang": null }),
            _ => json!({
                "slug": p.slug,
                "title": p.title,
                "lang": (lang != main).then_some(main.as_str()),
            }),
        })
        .collect();
    let globals = json!({
        "site": {
            "title": title_in(&site.site, lang),
            "base_url": site.site.base_url,
            "lang": lang.as_str(),
            "main_lang": main.as_str(),
            "languages": languages,
            "organisation": site.organisation,
            "policies": site.policies,
            "pages": pages,
        },
        "t": strings,
    });
    let glossary = markdown::Glossary::from_strings(&strings["glossary"]);
    let renderer = Renderer::new(theme, &globals, glossary.clone())?;
    Ok(Edition {
        lang,
        prefix: prefix_of(&site.site, lang),
        renderer,
        glossary,
        global: load::fingerprint((globals.to_string(), theme_key)),
        strings,
    })
}

/// The register as shown in `lang`: each record with its translation to `lang`
/// in place, and the fields without one marked (they keep the main language).
fn localize(register: &Register, lang: Language) -> Register {
    let base_url = &register.site.site.base_url;
    let prefix = prefix_of(&register.site.site, lang);
    let systems = register
        .systems
        .par_iter()
        .map(|s| {
            // A record without a translation is shown as it is (see Plan::fallback).
            if s.translations.contains_key(lang.as_str()) {
                Arc::new(localize_system(s, lang, &format!("{base_url}{prefix}")))
            } else {
                Arc::clone(s)
            }
        })
        .collect();
    Register {
        site: register.site.clone(),
        systems,
        pages: register.pages.clone(),
    }
}

fn localize_system(s: &System, lang: Language, base: &str) -> System {
    let mut out = s.clone();
    out.url = format!("{base}system/{}/", s.id);
    let empty = Translation::default();
    let t = s.translations.get(lang.as_str()).unwrap_or(&empty);
    let mut fallback = Vec::new();
    let mut required = |field: &'static str, slot: &mut String, from: &Option<String>| match from {
        Some(text) => *slot = text.trim().to_owned(),
        None => fallback.push(field),
    };
    required("name", &mut out.name, &t.name);
    out.sort_key = swedish_sort_key(&out.name);
    required("summary", &mut out.summary, &t.summary);
    required("purpose", &mut out.purpose, &t.purpose);
    required(
        "human_oversight",
        &mut out.human_oversight,
        &t.human_oversight,
    );
    let data = t.data.as_ref().map(|d| d.description.clone());
    required("data_description", &mut out.data.description, &data);
    let risk = t.risk.as_ref().map(|d| d.description.clone());
    required("risk_description", &mut out.risk.description, &risk);
    let optional = [
        ("how_it_works", &mut out.how_it_works, &t.how_it_works),
        ("legal_basis", &mut out.legal_basis, &t.legal_basis),
        ("appeal", &mut out.appeal, &t.appeal),
        ("disclosure", &mut out.disclosure, &t.disclosure),
        ("environment", &mut out.environment, &t.environment),
    ];
    for (field, slot, from) in optional {
        match (slot.is_some(), from) {
            (true, Some(text)) => *slot = Some(text.clone()),
            (true, None) => fallback.push(field),
            (false, _) => {}
        }
    }
    if !s.affected.is_empty() {
        if t.affected.is_empty() {
            fallback.push("affected");
        } else {
            out.affected = t.affected.clone();
        }
    }
    out.fallback = fallback;
    out
}

fn write_site<'a>(
    w: &mut Writer<'a>,
    editions: &'a [Edition],
    plans: &[Plan],
) -> Result<(), Diagnostic> {
    for (ed, plan) in editions.iter().zip(plans) {
        w.ed = ed;
        write_pages(w, plan)?;
    }
    let (Some(main_edition), Some(main_plan)) = (editions.first(), plans.first()) else {
        return Ok(());
    };
    w.ed = main_edition;
    // The one not-found page says it in every language the site has.
    let also: Vec<serde_json::Value> = editions
        .iter()
        .skip(1)
        .map(|ed| {
            let t = &ed.strings["not_found"];
            json!({ "lang": ed.lang.as_str(), "prefix": ed.prefix, "title": t["title"], "text": t["text"], "home": t["home"] })
        })
        .collect();
    write_shared(w, main_plan, &also)?;
    // Last, side by side: the exports and the search index of each language.
    let this = &*w;
    let (exports, searches) = rayon::join(
        || write_exports(this, main_plan),
        || {
            plans
                .par_iter()
                .map(|plan| write_search(this, plan))
                .sum::<Result<usize, Diagnostic>>()
        },
    );
    w.files += exports? + searches?;
    crate::timing::step("exports and search index");
    if !w.superseded() {
        w.remove_stale(&[]);
    }
    Ok(())
}

/// The search index of one language (see [`crate::search`]), under
/// `search/<lang>/`. Records are numbered in the order of the start page.
/// Returns the number of files.
fn write_search(w: &Writer, plan: &Plan) -> Result<usize, Diagnostic> {
    if w.superseded() {
        return Ok(0);
    }
    let systems = plan.sorted(|_| true);
    let docs: Vec<crate::search::Doc> = systems
        .iter()
        .map(|s| {
            let (department, department_lang) = plan.dept_label(&s.department);
            crate::search::Doc {
                id: &s.id,
                name: &s.name,
                summary: &s.summary,
                department,
                name_lang: plan.field_lang(s, "name").unwrap_or(""),
                department_lang: department_lang.unwrap_or(""),
            }
        })
        .collect();
    // A record's words are found when the index takes them in, a slice at a time:
    // not every record's words at once (a cache keeps them for `insyn serve`).
    let words = |n: usize| {
        let (s, department) = (&systems[n], docs[n].department);
        let mut fields: Vec<(&str, u8)> = vec![
            (&s.name, 8),
            (&s.summary, 4),
            (department, 4),
            (&s.department, 2),
            (&s.purpose, 1),
            (&s.human_oversight, 1),
            (&s.data.description, 1),
            (&s.risk.description, 1),
        ];
        for text in [
            &s.how_it_works,
            &s.legal_basis,
            &s.appeal,
            &s.disclosure,
            &s.environment,
        ]
        .into_iter()
        .flatten()
        {
            fields.push((text, 1));
        }
        fields.extend(s.tags.iter().map(|t| (t.as_str(), 4)));
        fields.extend(s.affected.iter().map(|t| (t.as_str(), 2)));
        if let Some(supplier) = &s.supplier {
            fields.extend(supplier.name.iter().map(|t| (t.as_str(), 4)));
            fields.extend(supplier.product.iter().map(|t| (t.as_str(), 4)));
        }
        let key = load::fingerprint((s.fingerprint, department, plan.lang));
        w.words(plan.lang, &s.id, key, || crate::search::words_of(&fields))
    };
    let dir = format!("search/{}/", plan.lang.as_str());
    let files = crate::search::build(&docs, words, || w.superseded());
    if w.superseded() {
        return Ok(0);
    }
    for (name, bytes) in &files {
        w.put(&format!("{dir}{name}"), None, || Ok(bytes.clone()))?;
    }
    let facets = combine::facets_json(plan, &systems, &w.ed.strings["labels"]);
    w.put(&format!("{dir}facets.json"), None, || Ok(facets))?;
    Ok(files.len() + 1)
}

/// The pages of one language; with the main language's, each system's JSON.
fn write_pages(w: &mut Writer, plan: &Plan) -> Result<(), Diagnostic> {
    let register = plan.register;
    let site = &register.site;
    let translated = plan.lang != plan.main;
    let main_lang = plan.main.as_str();

    // Start page. Every listing below is a part of this one sorted list.
    let all_rows = plan.rows(|_| true);
    w.listings(
        &[Listing {
            path: String::new(),
            template: "index.html",
            context: json!({ "total": register.systems.len() }),
            rows: all_rows.clone(),
        }],
        &plan.filter_facets,
    )?;

    crate::timing::step("start page");
    // One page per system, rendered on every core, and (in the main language)
    // each system's JSON file; `register.json` makes the JSON again, 1,024 at a time.
    let notes = translation_notes(&w.ed.strings, plan.main);
    // Relative links in editors' Markdown are written from the main language's
    // pages: one level further up from the others.
    let up = "../".repeat(w.ed.prefix.matches('/').count());
    let rendered: Result<Vec<(String, bool)>, Diagnostic> = register
        .systems
        .par_iter()
        .map(|s| {
            let path = format!("system/{}/", s.id);
            let dept_slug = plan.dept_slug(&s.department);
            let (department, _) = plan.dept_label(&s.department);
            let history = history_pages::entries(w, plan, &s.id);
            let page_key = load::fingerprint((
                w.ed.global,
                s.fingerprint,
                dept_slug,
                department,
                history.to_string(),
            ));
            w.render_page(&path, "system.html", Some(page_key), || {
                system_page(w, plan, &notes, s, &path, &up, &history, None)
            })?;
            if translated {
                return Ok((path, false));
            }
            let (json_key, json) = system_json(w, plan, s);
            w.put(&format!("system/{}.json", s.id), Some(json_key), || {
                let mut bytes = Vec::with_capacity(json.len() + 1);
                bytes.extend_from_slice(&json);
                bytes.push(b'\n');
                Ok(bytes)
            })?;
            Ok((path, true))
        })
        .collect();
    crate::timing::step("system pages and JSON");
    for (path, json) in rendered? {
        w.listed(&path);
        w.files += usize::from(json);
    }
    // Earlier versions and removed records: not in the sitemap.
    w.files += history_pages::write(w, plan, &notes, &up)?;
    crate::timing::step("earlier versions and removed records");

    // Filter pages: one per department, status, risk class and personal-data class.
    let mut lists = Vec::new();
    for facet in &plan.facets {
        // The rows of each option, in one pass and still in order.
        let mut groups: std::collections::HashMap<&str, Vec<Row>> = Default::default();
        for row in &all_rows {
            let value = match facet.key {
                "department" => row.dept_slug,
                "status" => row.status.as_str(),
                "ai_act" => row.ai_act.as_str(),
                _ => row.personal_data.as_str(),
            };
            groups.entry(value).or_default().push(row.clone());
        }
        for option in &facet.options {
            let context = json!({
                "facet": facet.key,
                "value": option.value,
                "label": option.label,
                "label_lang": option.label_lang,
                "total": register.systems.len(),
            });
            let rows = groups.remove(option.value.as_str()).unwrap_or_default();
            if facet.key == "department" {
                lists.extend(combine::department_lists(&option.path, context, rows));
            } else {
                lists.push(Listing {
                    path: option.path.clone(),
                    template: "list.html",
                    context,
                    rows,
                });
            }
        }
    }
    w.listings(&lists, &plan.filter_facets)?;
    crate::timing::step("listings");
    w.page(
        "forvaltning/",
        "departments.html",
        json!({ "departments": plan.facets.first().map(|f| &f.options) }),
    )?;

    // Markdown pages (translated, or in the main language with a note), the
    // glossary and the accessibility statement.
    for p in &register.pages {
        let path = format!("{}/", p.slug);
        let prefix = format!("{}ordlista/#", root_of(&path));
        let (shown, fallback_lang) = match p.translations.get(&plan.lang) {
            Some(t) if translated => (t, None),
            _ => (p, translated.then_some(main_lang)),
        };
        let body = markdown::render_in(
            &shown.body,
            2,
            Some((&w.ed.glossary, &prefix, &mut markdown::Linked::new())),
            &up,
        );
        w.page(
            &path,
            "page.html",
            json!({
                "title": shown.title,
                "body": body,
                "fallback_lang": fallback_lang,
                "translation_note": fallback_lang.map(|_| &notes.page_missing),
            }),
        )?;
    }
    appeal::write(w, plan, &up)?;
    w.page("ordlista/", "glossary.html", json!({}))?;
    let issues = site
        .site
        .translations
        .get(&plan.lang)
        .map(|t| &t.known_issues)
        .filter(|issues| translated && !issues.is_empty());
    // A translated issue keeps the criterion and reason of the main language's
    // issue in the same place, unless it gives its own.
    let known_issues: Vec<KnownIssue> = match issues {
        Some(issues) => issues
            .iter()
            .zip(
                site.accessibility
                    .known_issues
                    .iter()
                    .map(Some)
                    .chain(std::iter::repeat(None)),
            )
            .map(|(t, main)| KnownIssue {
                text: t.text.clone(),
                criterion: t
                    .criterion
                    .clone()
                    .or_else(|| main.and_then(|m| m.criterion.clone())),
                reason: t.reason.or_else(|| main.and_then(|m| m.reason)),
            })
            .collect(),
        None => site.accessibility.known_issues.clone(),
    };
    let response_time = site
        .site
        .translations
        .get(&plan.lang)
        .and_then(|t| t.response_time.as_ref())
        .filter(|_| translated);
    w.page(
        "tillganglighet/",
        "accessibility.html",
        json!({
            "a": site.accessibility,
            "response_time": response_time.or(site.accessibility.response_time.as_ref()),
            "response_lang": (translated && response_time.is_none()).then_some(main_lang),
            "known_issues": known_issues,
            "issues_lang": (translated && issues.is_none()).then_some(main_lang),
        }),
    )?;

    // Recent changes across the register, statistics, the open-data page.
    w.page(
        "andringar/",
        "changes.html",
        history_pages::changes(w, plan),
    )?;
    w.page("statistik/", "statistics.html", statistics(plan))?;
    w.page("sok/", "search.html", json!({}))?;
    w.page("oppna-data/", "open-data.html", open_data_fields(plan.lang))?;
    crate::timing::step("other pages");
    Ok(())
}

/// The files the languages share: the not-found page, the theme's static
/// files, the schemas and every export.
fn write_shared(w: &mut Writer, plan: &Plan, also: &[serde_json::Value]) -> Result<(), Diagnostic> {
    let register = plan.register;
    let site = &register.site;
    let base_path = url::Url::parse(&site.site.base_url)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| "/".into());
    let not_found = w.ed.renderer.render(
        w.theme,
        "404.html",
        &json!({ "root": base_path, "site_root": base_path, "path": "404.html", "also": also }),
    )?;
    w.file("404.html", not_found.as_bytes())?;

    // Static files of the theme.
    for rel in w.theme.files_under("static") {
        if let Some(bytes) = w.theme.file(&rel) {
            w.file(&rel, &bytes)?;
        }
    }

    // The record format, for editors' tools and anyone reusing the data.
    let schema =
        serde_json::to_string_pretty(&crate::schema::record_schema()).unwrap_or_default() + "\n";
    w.file(&crate::schema::published_path(), schema.as_bytes())?;

    // Open data and machine-readable files.
    let register_schema =
        serde_json::to_string_pretty(&crate::schema::register_schema()).unwrap_or_default() + "\n";
    w.file(
        &crate::schema::register_schema_path(),
        register_schema.as_bytes(),
    )?;
    let mut dcat = serde_json::to_vec_pretty(&dcat(plan)).unwrap_or_default();
    dcat.push(b'\n');
    w.file("dcat.jsonld", &dcat)?;
    // Every page is in place: a browser may reload now (`insyn serve`); the
    // exports below follow.
    let mut later = EXPORTS.to_vec();
    later.push("search/");
    w.remove_stale(&later);
    if let Some(ready) = w.ready {
        ready();
    }
    let sitemap = w.ed.renderer.render(
        w.theme,
        "sitemap.xml",
        &json!({ "paths": w.pages, "base_url": site.site.base_url }),
    )?;
    w.file("sitemap.xml", sitemap.as_bytes())?;
    let robots = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}sitemap.xml\n",
        site.site.base_url
    );
    w.file("robots.txt", robots.as_bytes())
}

/// `register.json`, `register.csv` and `feed.xml`, one after another; what is
/// left is left to the next build once a newer one is due. Returns the number
/// of files.
fn write_exports(w: &Writer, plan: &Plan) -> Result<usize, Diagnostic> {
    let register = plan.register;
    if w.superseded() {
        return Ok(0);
    }
    let all_systems = load::fingerprint((
        w.ed.global,
        &plan.updated,
        &plan.history.commits,
        register
            .systems
            .iter()
            .map(|s| s.fingerprint)
            .collect::<Vec<_>>(),
    ));
    // (An export stopped because the build was superseded is not an error.)
    let stopped = |result: Result<(), Diagnostic>| match result {
        Err(_) if w.superseded() => Ok(true),
        other => other.map(|()| w.superseded()),
    };
    if stopped(w.put_with("register.json", all_systems, |out| {
        register_json(out, w, plan)
    }))? {
        return Ok(1);
    }
    if stopped(w.put_with("register.csv", all_systems, |out| {
        register_csv(out, w, register)
    }))? {
        return Ok(2);
    }
    let feed_key = load::fingerprint((
        w.ed.global,
        register
            .systems
            .iter()
            .map(|s| (&s.name, &s.url, &s.summary, plan.updated.get(s.id.as_str())))
            .collect::<Vec<_>>(),
        &plan.history.commits,
    ));
    w.put("feed.xml", Some(feed_key), || {
        Ok(feed(w, plan)?.into_bytes())
    })?;
    Ok(3)
}

/// A system's JSON (pretty-printed, as in `system/<id>.json`), with the
/// fingerprint it is made from.
fn system_json(w: &Writer, plan: &Plan, s: &System) -> (u64, Part) {
    let updated = plan.updated.get(s.id.as_str());
    let history = history_pages::export(plan, &s.id);
    let key = load::fingerprint((w.ed.global, s.fingerprint, updated, history.to_string()));
    let json = w.part(format!("json:{}", s.id), key, || {
        let mut value = system_value(plan, s);
        if let Some(map) = value.as_object_mut() {
            map.insert("history".into(), history);
        }
        serde_json::to_vec_pretty(&value).unwrap_or_default()
    });
    (key, json)
}

/// A system as exported: every field as in its YAML, plus `id`, `url` and
/// `updated` (when the record last changed).
fn system_value(plan: &Plan, s: &System) -> serde_json::Value {
    let mut value = serde_json::to_value(s).unwrap_or_default();
    if let (Some(map), Some(updated)) = (value.as_object_mut(), plan.updated.get(s.id.as_str())) {
        map.insert("updated".into(), json!(updated));
    }
    value
}

/// `register.json`, pretty-printed like `serde_json` would print the whole
/// document (keys in order), assembled from the systems' own JSON.
fn register_json(out: &mut dyn std::io::Write, w: &Writer, plan: &Plan) -> std::io::Result<()> {
    fn indented(out: &mut dyn std::io::Write, json: &[u8], by: &[u8]) -> std::io::Result<()> {
        for (i, line) in json.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
                out.write_all(by)?;
            }
            out.write_all(line)?;
        }
        Ok(())
    }
    out.write_all(b"{\n  \"organisation\": ")?;
    let organisation =
        serde_json::to_vec_pretty(&json!(plan.register.site.organisation)).unwrap_or_default();
    indented(out, &organisation, b"  ")?;
    out.write_all(b",\n  \"removed\": ")?;
    let removed =
        serde_json::to_vec_pretty(&history_pages::removed_export(plan)).unwrap_or_default();
    indented(out, &removed, b"  ")?;
    write!(
        out,
        ",\n  \"schema_version\": {},\n  \"systems\": [",
        json!(SCHEMA_VERSION)
    )?;
    // Made again, not held since the system pages (a cache keeps them).
    let systems = &plan.register.systems;
    let mut first = true;
    each_part(
        w,
        systems,
        |s| system_json(w, plan, s).1,
        |system| {
            out.write_all(if first { b"\n    " } else { b",\n    " })?;
            first = false;
            indented(out, system, b"    ")
        },
    )?;
    if !systems.is_empty() {
        out.write_all(b"\n  ")?;
    }
    out.write_all(b"]\n}\n")
}

/// The columns of `register.csv`.
fn csv_header() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let header = [
            "id",
            "url",
            "name",
            "summary",
            "status",
            "department",
            "purpose",
            "decision_role",
            "human_oversight",
            "data.personal_data",
            "data.description",
            "data.location",
            "data.used_for_training",
            "risk.ai_act",
            "risk.description",
            "contact.email",
            "contact.phone",
            "contact.url",
            "reviewed",
            "technique",
            "how_it_works",
            "affected",
            "legal_basis",
            "appeal",
            "disclosure",
            "supplier.name",
            "supplier.product",
            "supplier.url",
            "supplier.in_house",
            "introduced",
            "retired",
            "next_review",
            "environment",
            "tags",
        ];
        let _ = csv.write_record(header);
        let _ = csv.flush();
    }
    out
}

/// One system's row of `register.csv`.
fn csv_row(s: &System) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .buffer_capacity(1024)
            .from_writer(&mut out);
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let day = |d: &Option<Day>| d.map(|d| d.to_string()).unwrap_or_default();
        let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
        let supplier = s.supplier.clone().unwrap_or_default();
        let row = vec![
            s.id.clone(),
            s.url.clone(),
            s.name.clone(),
            s.summary.clone(),
            s.status.as_str().into(),
            s.department.clone(),
            s.purpose.clone(),
            s.decision_role.as_str().into(),
            s.human_oversight.clone(),
            s.data.personal_data.as_str().into(),
            s.data.description.clone(),
            s.data.location.as_str().into(),
            flag(s.data.used_for_training),
            s.risk.ai_act.as_str().into(),
            s.risk.description.clone(),
            opt(&s.contact.email),
            opt(&s.contact.phone),
            opt(&s.contact.url),
            s.reviewed.to_string(),
            s.technique
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            opt(&s.how_it_works),
            s.affected.join("; "),
            opt(&s.legal_basis),
            opt(&s.appeal),
            opt(&s.disclosure),
            opt(&supplier.name),
            opt(&supplier.product),
            opt(&supplier.url),
            flag(supplier.in_house),
            day(&s.introduced),
            day(&s.retired),
            day(&s.next_review),
            opt(&s.environment),
            s.tags.join("; "),
        ];
        let _ = csv.write_record(row.into_iter().map(spreadsheet_safe));
        let _ = csv.flush();
    }
    out
}

/// A cell a spreadsheet shows as text, never runs as a formula (OWASP's advice
/// on CSV injection): one starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a `'` in front, which Excel and LibreOffice read as "text" and do
/// not show (`'+46 8 123 45 67` shows as +46 8 123 45 67). A cell starting with
/// `'` gets one more, so a reader removes exactly one leading `'` from any cell
/// that has one and has the exact text (as in `register.json`).
fn spreadsheet_safe(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// One row per system, every scalar field; lists joined with `; `. UTF-8 with a
/// byte order mark so that Excel shows å, ä and ö.
fn register_csv(
    out: &mut dyn std::io::Write,
    w: &Writer,
    register: &Register,
) -> std::io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    out.write_all(&csv_header())?;
    each_part(
        w,
        &register.systems,
        |s| {
            let key = load::fingerprint((w.ed.global, s.fingerprint));
            w.part(format!("csv:{}", s.id), key, || csv_row(s))
        },
        |row| out.write_all(row),
    )
}

/// Each system's part of an export (`make`), made on every core a slice at a
/// time and handed to `write` in order, so that only one slice of parts is in
/// memory (besides those a cache keeps). Stops between slices when the build
/// is superseded (`insyn serve`: the next build writes the file again).
fn each_part(
    w: &Writer,
    systems: &[Arc<System>],
    make: impl Fn(&System) -> Part + Sync,
    mut write: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    for slice in systems.chunks(1024) {
        if w.superseded() {
            return Err(std::io::Error::other("superseded"));
        }
        let parts: Vec<Part> = slice.par_iter().map(|s| make(s)).collect();
        for part in &parts {
            write(part)?;
        }
    }
    Ok(())
}

/// An RFC 3339 time as an instant, for comparing times written in different zones.
fn instant(time: &str) -> jiff::Timestamp {
    time.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Atom feed: one entry per system, newest change first; `updated` is when the
/// record last changed (its last commit, or when it was last reviewed).
fn feed(w: &Writer, plan: &Plan) -> Result<String, Diagnostic> {
    let register = plan.register;
    let mut entries = history_pages::feed_entries(w, plan);
    entries.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1["id"].as_str().cmp(&b.1["id"].as_str()))
    });
    let updated = entries
        .first()
        .map(|(_, e)| e["updated"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| format!("{}T00:00:00Z", register.site.accessibility.assessed));
    let entries: Vec<_> = entries.into_iter().map(|(_, e)| e).collect();
    w.ed.renderer.render(
        w.theme,
        "feed.xml",
        &json!({ "entries": entries, "updated": updated, "base_url": register.site.site.base_url }),
    )
}

/// Bars shown per chart; the rest of the departments are one bar.
const CHART_BARS: usize = 10;

/// A bar: its value, label (and the label's `lang` when untranslated), the
/// filter page it links to, and its count.
type ChartRow = (
    String,
    Option<(String, Option<&'static str>)>,
    Option<String>,
    usize,
);

/// One chart of the statistics page: rows with their counts and the geometry of
/// a horizontal bar chart (an SVG 320 units wide, one row every 36 units), so
/// the template only places what is computed here.
fn chart(key: &str, rows: Vec<ChartRow>, total: usize) -> serde_json::Value {
    let max = rows.iter().map(|r| r.3).max().unwrap_or(0).max(1);
    let rows: Vec<serde_json::Value> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (value, label, path, count))| {
            let (label, lang) = label.map_or((None, None), |(l, lang)| (Some(l), lang));
            // Whole units; at least a sliver, so a bar is never invisible.
            let bar = if count == 0 {
                0
            } else {
                (count * 250 / max).max(2)
            };
            // Short enough for the chart; the table below has the full name.
            let short = label.as_ref().map(|l| {
                if l.chars().count() > 38 {
                    format!("{}…", l.chars().take(37).collect::<String>().trim_end())
                } else {
                    l.clone()
                }
            });
            json!({
                "value": value,
                "label": label,
                "lang": lang,
                "short": short,
                "path": path,
                "count": count,
                "percent": (count * 100 + total / 2).checked_div(total).unwrap_or(0),
                "y": i * 36,
                "bar": bar,
            })
        })
        .collect();
    json!({ "key": key, "height": rows.len() * 36 + 4, "rows": rows })
}

/// The register at a glance: systems by status, department, risk class,
/// decision role and personal data, and how many are overdue for review.
fn statistics(plan: &Plan) -> serde_json::Value {
    let systems = &plan.register.systems;
    let total = systems.len();
    fn vocab<V: Vocabulary + PartialEq + Copy>(
        key: &str,
        systems: &[Arc<System>],
        get: impl Fn(&System) -> V,
        facet: bool,
    ) -> serde_json::Value {
        let rows = V::ALL
            .iter()
            .map(|v| {
                let count = systems.iter().filter(|s| get(s) == *v).count();
                let path = (facet && count > 0).then(|| facet_path(key, v.as_str()));
                (v.as_str().to_owned(), None, path, count)
            })
            .collect();
        chart(key, rows, systems.len())
    }
    let mut departments: Vec<&FacetOption> = plan
        .facets
        .first()
        .map(|f| f.options.iter().collect())
        .unwrap_or_default();
    departments.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    let dept_row = |o: &FacetOption| {
        (
            o.value.clone(),
            o.label.clone().map(|l| (l, o.label_lang)),
            Some(o.path.clone()),
            o.count,
        )
    };
    let mut shown: Vec<_> = departments
        .iter()
        .take(CHART_BARS)
        .map(|o| dept_row(o))
        .collect();
    let others = departments.len().saturating_sub(CHART_BARS);
    if others > 0 {
        let rest: usize = departments.iter().skip(CHART_BARS).map(|o| o.count).sum();
        shown.push(("others".into(), None, Some("forvaltning/".into()), rest));
    }
    let all_departments = chart(
        "department",
        departments.iter().map(|o| dept_row(o)).collect(),
        total,
    );
    let today = plan.today;
    let overdue: Vec<&System> = systems
        .iter()
        .map(|s| &**s)
        .filter(|s| s.status != Status::Retired)
        .filter(|s| {
            s.next_review.is_some_and(|d| d.0 < today)
                || s.reviewed.0.saturating_add(jiff::Span::new().years(1)) < today
        })
        .collect();
    let active = systems
        .iter()
        .filter(|s| s.status != Status::Retired)
        .count();
    let review = chart(
        "review",
        vec![
            ("on_time".into(), None, None, active - overdue.len()),
            ("overdue".into(), None, None, overdue.len()),
        ],
        active,
    );
    json!({
        "total": total,
        "active": active,
        "charts": [
            vocab("status", systems, |s| s.status, true),
            chart("department", shown, total),
            vocab("ai_act", systems, |s| s.risk.ai_act, true),
            vocab("decision_role", systems, |s| s.decision_role, false),
            vocab("personal_data", systems, |s| s.data.personal_data, true),
        ],
        "departments": all_departments,
        "other_departments": others,
        "review": review,
        "overdue": overdue.iter().map(|s| json!({"id": s.id, "name": s.name, "name_lang": plan.field_lang(s, "name"), "reviewed": s.reviewed, "next_review": s.next_review})).collect::<Vec<_>>(),
    })
}

/// Every field of a record explained for the open-data page, with its values.
fn open_data_fields(lang: Language) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = FIELD_HELP
        .iter()
        .map(|(path, sv, en)| {
            json!({
                "path": path,
                "help": if lang == Language::Sv { sv } else { en },
                "group": label_group(path),
            })
        })
        .collect();
    json!({ "fields": fields, "schema_version": SCHEMA_VERSION })
}

/// The theme's label group for a field with a closed list of values.
fn label_group(path: &str) -> Option<&'static str> {
    VOCABULARY_FIELDS
        .iter()
        .find(|(p, ..)| *p == path)
        .map(|(.., group)| *group)
}

/// DCAT-AP (as JSON-LD) describing the register as a dataset with its JSON and
/// CSV distributions, for harvesting by the national data portal.
fn dcat(plan: &Plan) -> serde_json::Value {
    let site = &plan.register.site;
    let base = &site.site.base_url;
    let lang = site.site.language;
    let language = match lang {
        Language::Sv => "SWE",
        Language::En => "ENG",
    };
    let publisher = json!({
        "@id": site.organisation.url.clone().unwrap_or_else(|| format!("{base}#publisher")),
        "@type": "foaf:Agent",
        "foaf:name": site.organisation.name,
    });
    let mut contact = json!({ "@type": "vcard:Organization", "vcard:fn": site.organisation.name });
    if let Some(email) = &site.organisation.contact.email {
        contact["vcard:hasEmail"] = json!({ "@id": format!("mailto:{email}") });
    }
    if let Some(url) = &site.organisation.contact.url {
        contact["vcard:hasURL"] = json!({ "@id": url });
    }
    let modified = plan
        .updated
        .values()
        .map(|t| instant(t))
        .max()
        .map(|t| t.to_string()[..10].to_owned())
        .unwrap_or_else(|| site.accessibility.assessed.to_string());
    let text = |value: &str| json!({ "@value": value, "@language": lang.as_str() });
    let (description, json_title, csv_title) = match lang {
        Language::Sv => (
            format!(
                "Förteckning över de AI-system som {} använder: syfte, ansvar, mänsklig kontroll, uppgifter och risker.",
                site.organisation.name
            ),
            "Hela registret som JSON",
            "Hela registret som CSV",
        ),
        Language::En => (
            format!(
                "The AI systems {} uses: purpose, responsibility, human oversight, data and risks.",
                site.organisation.name
            ),
            "The whole register as JSON",
            "The whole register as CSV",
        ),
    };
    let distribution = |file: &str, title: &str, media: &str, format: &str| {
        json!({
            "@id": format!("{base}{file}"),
            "@type": "dcat:Distribution",
            "dcterms:title": text(title),
            "dcat:accessURL": { "@id": format!("{base}{file}") },
            "dcat:downloadURL": { "@id": format!("{base}{file}") },
            "dcat:mediaType": { "@id": format!("http://www.iana.org/assignments/media-types/{media}") },
            "dcterms:format": { "@id": format!("http://publications.europa.eu/resource/authority/file-type/{format}") },
            "dcterms:license": { "@id": site.site.license },
        })
    };
    let mut json_distribution =
        distribution("register.json", json_title, "application/json", "JSON");
    json_distribution["dcterms:conformsTo"] =
        json!({ "@id": format!("{base}{}", crate::schema::register_schema_path()) });
    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dcterms": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": format!("{base}dcat.jsonld#catalog"),
        "@type": "dcat:Catalog",
        "dcterms:title": text(&site.site.title),
        "dcterms:description": text(&description),
        "dcterms:publisher": publisher.clone(),
        "dcterms:language": { "@id": format!("http://publications.europa.eu/resource/authority/language/{language}") },
        "foaf:homepage": { "@id": base },
        "dcat:dataset": {
            "@id": format!("{base}dcat.jsonld#dataset"),
            "@type": "dcat:Dataset",
            "dcterms:title": text(&site.site.title),
            "dcterms:description": text(&description),
            "dcterms:publisher": publisher,
            "dcterms:modified": { "@value": modified, "@type": "xsd:date" },
            "dcterms:language": { "@id": format!("http://publications.europa.eu/resource/authority/language/{language}") },
            "dcat:theme": { "@id": "http://publications.europa.eu/resource/authority/data-theme/GOVE" },
            "dcat:keyword": ["AI", "artificiell intelligens", "algoritmregister", "AI-register"],
            "dcat:contactPoint": contact,
            "dcat:landingPage": { "@id": format!("{base}oppna-data/") },
            "dcat:distribution": [
                json_distribution,
                distribution("register.csv", csv_title, "text/csv", "CSV"),
            ],
        },
    })
}
