//! What the site shows of each record's versions ([`crate::versions`]): the
//! history block of a record's page, a page per earlier version, a page for
//! each removed record at its old address, the "recent changes" page, the
//! feed's entries and the history in `register.json`.

use super::{Plan, TranslationNotes, Writer, localize_system, system_page};
use crate::diagnostic::Diagnostic;
use crate::load;
use crate::model::{System, Vocabulary};
use crate::versions::{Timeline, Version};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::versions::VERSION_PAGES;

/// Versions listed on a record's page (the rest are counted).
const LISTED: usize = 25;

/// Whether version `i` (0-based) of `timeline` has a page of its own: an
/// earlier version (not the last one, which is the current page or the removed
/// record's), among the newest [`VERSION_PAGES`], readable.
fn has_page(timeline: &Timeline, i: usize) -> bool {
    let last = timeline.versions.len().saturating_sub(1);
    i < last && i + VERSION_PAGES >= last && timeline.versions[i].system.is_some()
}

fn entry(w: &Writer, id: &str, v: &Version, page: bool) -> Value {
    json!({
        "id": id,
        "n": v.n,
        "time": v.change.time,
        "date": v.change.date,
        "items": crate::versions::sentences(v, &w.ed.strings),
        "note": v.note,
        "message": v.message,
        "page": page,
        "removed": false,
    })
}

fn removal(w: &Writer, id: &str, timeline: &Timeline) -> Option<Value> {
    let change = timeline.removed.as_ref()?;
    Some(json!({
        "id": id,
        "time": change.time,
        "date": change.date,
        "items": [{ "text": w.ed.strings["history"]["removed"] }],
        "n": null,
        "note": null,
        "message": null,
        "page": false,
        "removed": true,
    }))
}

/// The history of a timeline, newest first.
fn timeline_entries(w: &Writer, id: &str, timeline: &Timeline) -> Value {
    let mut out: Vec<Value> = removal(w, id, timeline).into_iter().collect();
    out.extend(
        timeline
            .versions
            .iter()
            .enumerate()
            .rev()
            .map(|(i, v)| entry(w, id, v, has_page(timeline, i))),
    );
    Value::Array(out)
}

/// The history of the current record `id`, newest first (an array).
pub(super) fn entries(w: &Writer, plan: &Plan, id: &str) -> Value {
    match plan.timelines.current.get(id) {
        Some(t) => timeline_entries(w, id, t),
        None => Value::Array(Vec::new()),
    }
}

/// The entries a record's page lists.
pub(super) fn newest(entries: &Value) -> Vec<Value> {
    entries
        .as_array()
        .map(|a| a.iter().take(LISTED).cloned().collect())
        .unwrap_or_default()
}

/// The history of the current record `id` for `register.json`, oldest first.
pub(super) fn export(plan: &Plan, id: &str) -> Value {
    plan.timelines
        .current
        .get(id)
        .map(|t| t.versions.iter().map(crate::versions::export).collect())
        .unwrap_or_else(|| Value::Array(Vec::new()))
}

/// The removed records that keep an address (an id usable in one).
fn removed<'p>(plan: &'p Plan) -> impl Iterator<Item = (&'p String, &'p Timeline)> {
    plan.timelines
        .removed
        .iter()
        .filter(|(id, t)| crate::slug::is_slug(id) && t.removed.is_some())
}

/// `removed` in `register.json`: each removed record's id, address and when
/// it was removed.
pub(super) fn removed_export(plan: &Plan) -> Value {
    let base = &plan.register.site.site.base_url;
    removed(plan)
        .map(|(id, t)| {
            let change = t.removed.as_ref();
            json!({
                "id": id,
                "url": format!("{base}system/{id}/"),
                "removed": change.map(|c| &c.date),
                "time": change.map(|c| &c.time),
            })
        })
        .collect()
}

/// What every page of a plan's language shares.
struct Shared<'a, 'w, 'p> {
    w: &'a Writer<'w>,
    plan: &'a Plan<'p>,
    notes: &'a TranslationNotes,
    up: &'a str,
}

/// One page showing `s` as it was: an earlier version, or a removed record.
fn render(
    shared: &Shared,
    path: &str,
    s: &Arc<System>,
    history: &Value,
    banner: Value,
) -> Result<(), Diagnostic> {
    let Shared { w, plan, notes, up } = *shared;
    let localized;
    let s: &System = if plan.lang != plan.main && s.translations.contains_key(plan.lang.as_str()) {
        let base = format!("{}{}", plan.register.site.site.base_url, w.ed.prefix);
        localized = localize_system(s, plan.lang, &base);
        &localized
    } else {
        s
    };
    let dept_slug = plan.dept_slug(&s.department);
    let (department, _) = plan.dept_label(&s.department);
    let key = load::fingerprint((
        w.ed.global,
        serde_json::to_string(s).unwrap_or_default(),
        dept_slug,
        department,
        history.to_string(),
        banner.to_string(),
    ));
    w.render_page(path, "system.html", Some(key), || {
        system_page(w, plan, notes, s, path, up, history, Some(banner))
    })
}

/// The pages of earlier versions and of removed records, in this plan's
/// language. Returns the number of pages.
pub(super) fn write(
    w: &Writer,
    plan: &Plan,
    notes: &TranslationNotes,
    up: &str,
) -> Result<usize, Diagnostic> {
    let mut jobs: Vec<(&str, &Timeline, bool)> = plan
        .timelines
        .current
        .iter()
        .map(|(id, t)| (id.as_str(), t, false))
        .collect();
    jobs.extend(removed(plan).map(|(id, t)| (id.as_str(), t, true)));
    jobs.sort_by_key(|j| j.0);
    let shared = Shared { w, plan, notes, up };
    jobs.par_iter()
        .map(|&(id, timeline, is_removed)| {
            let history = timeline_entries(w, id, timeline);
            let mut pages = 0;
            for (i, v) in timeline.versions.iter().enumerate() {
                let Some(s) = v.system.as_ref().filter(|_| has_page(timeline, i)) else {
                    continue;
                };
                let until = timeline.until(i + 1);
                let banner = json!({
                    "kind": "version",
                    "id": id,
                    "n": v.n,
                    "from": v.change.date,
                    "to": until.map(|c| &c.date),
                    "removed": is_removed,
                });
                let path = format!("system/{id}/version/{}/", v.n);
                render(&shared, &path, s, &history, banner)?;
                pages += 1;
            }
            if is_removed
                && let (Some(last), Some(change)) = (timeline.versions.last(), &timeline.removed)
            {
                let banner = json!({
                    "kind": "removed",
                    "id": id,
                    "n": last.n,
                    "from": last.change.date,
                    "to": change.date,
                    "removed": true,
                    "readable": last.system.is_some(),
                });
                let path = format!("system/{id}/");
                match &last.system {
                    Some(s) => render(&shared, &path, s, &history, banner)?,
                    None => w.render_page(&path, "removed.html", None, || {
                        json!({ "banner": banner, "history": newest(&history), "noindex": true })
                    })?,
                }
                pages += 1;
            }
            Ok(pages)
        })
        .sum()
}

/// The "recent changes" page: the newest versions and removals across the
/// register, or, without git, the records in the order they were last reviewed.
pub(super) fn changes(w: &Writer, plan: &Plan) -> Value {
    let mut all: Vec<(jiff::Timestamp, Value)> = Vec::new();
    let name =
        |s: &System| json!({ "id": s.id, "name": s.name, "name_lang": plan.field_lang(s, "name") });
    for s in &plan.register.systems {
        if let Some(t) = plan.timelines.current.get(&s.id) {
            for (i, v) in t.versions.iter().enumerate() {
                let mut e = entry(w, &s.id, v, has_page(t, i));
                e["system"] = name(s);
                all.push((super::instant(&v.change.time), e));
            }
        }
    }
    for (id, t) in removed(plan) {
        let last_name = t
            .versions
            .iter()
            .rev()
            .find_map(|v| v.system.as_ref().map(|s| s.name.clone()))
            .unwrap_or_else(|| id.clone());
        if let Some(mut e) = removal(w, id, t) {
            e["system"] = json!({ "id": id, "name": last_name, "removed": true });
            all.push((super::instant(e["time"].as_str().unwrap_or_default()), e));
        }
    }
    all.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1["id"].as_str().cmp(&b.1["id"].as_str()))
            .then_with(|| b.1["n"].as_u64().cmp(&a.1["n"].as_u64()))
    });
    let changes: Vec<Value> = all.into_iter().take(100).map(|(_, e)| e).collect();
    let mut reviewed: Vec<&System> = plan.register.systems.iter().map(|s| &**s).collect();
    reviewed.sort_by(|a, b| b.reviewed.cmp(&a.reviewed).then_with(|| a.id.cmp(&b.id)));
    let reviewed: Vec<Value> = reviewed
        .iter()
        .take(100)
        .map(|s| json!({ "id": s.id, "name": s.name, "name_lang": plan.field_lang(s, "name"), "reviewed": s.reviewed }))
        .collect();
    json!({ "changes": changes, "reviewed": reviewed })
}

/// The feed's entries, unsorted: one per version of each record (its summary
/// of what changed as the entry's text), one per removal, and one for each
/// record without a history (when it was last reviewed).
pub(super) fn feed_entries(w: &Writer, plan: &Plan) -> Vec<(jiff::Timestamp, Value)> {
    let text = |items: &Value| {
        items
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["text"].as_str())
                    .collect::<Vec<_>>()
                    .join(". ")
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for s in &plan.register.systems {
        match plan.timelines.current.get(&s.id) {
            Some(t) if !t.versions.is_empty() => {
                for v in &t.versions {
                    let items = crate::versions::sentences(v, &w.ed.strings);
                    out.push((
                        super::instant(&v.change.time),
                        json!({
                            "id": format!("{}#version-{}", s.url, v.n),
                            "name": s.name,
                            "url": s.url,
                            "summary": format!("{}.", text(&Value::Array(items))),
                            "updated": v.change.time,
                        }),
                    ));
                }
            }
            _ => {
                let updated = plan.updated.get(s.id.as_str()).cloned().unwrap_or_default();
                out.push((
                    super::instant(&updated),
                    json!({
                        "id": s.url,
                        "name": s.name,
                        "url": s.url,
                        "summary": s.summary,
                        "updated": updated,
                    }),
                ));
            }
        }
    }
    let base = &plan.register.site.site.base_url;
    for (id, t) in removed(plan) {
        let Some(change) = &t.removed else { continue };
        let name = t
            .versions
            .iter()
            .rev()
            .find_map(|v| v.system.as_ref().map(|s| s.name.clone()))
            .unwrap_or_else(|| id.clone());
        let url = format!("{base}system/{id}/");
        out.push((
            super::instant(&change.time),
            json!({
                "id": format!("{url}#removed"),
                "name": name,
                "url": url,
                "summary": format!("{}.", w.ed.strings["history"]["removed"].as_str().unwrap_or_default()),
                "updated": change.time,
            }),
        ));
    }
    out
}
