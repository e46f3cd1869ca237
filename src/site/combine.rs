//! Filters that combine without JavaScript: each department's page offers the
//! other filters (status, risk class, personal data) within that department,
//! with that department's counts, and each choice has a page of its own:
//! `forvaltning/<department>/status/<value>/` and so on.
//!
//! Only department × one other filter gets pages, never every combination: a
//! department has at most 4 + 3 + 3 = 10 such pages (fewer when a value has no
//! system), so the number of pages grows with the number of departments, not
//! with the number of combinations. Combinations beyond that are the search
//! page's and the start page's (with JavaScript) to make.

use super::{Listing, Row, facet_path};
use crate::model::Vocabulary;
use crate::model::{AiActClass, PersonalData, Status};
use serde_json::json;

/// The other filters, in the order the filter box shows them.
const WITHIN: [&str; 3] = ["status", "ai_act", "personal_data"];

fn value_of(key: &str, row: &Row) -> &'static str {
    match key {
        "status" => row.status.as_str(),
        "ai_act" => row.ai_act.as_str(),
        _ => row.personal_data.as_str(),
    }
}

fn values_of(key: &str) -> Vec<&'static str> {
    fn all<V: Vocabulary>() -> Vec<&'static str> {
        V::ALL.iter().map(|v| v.as_str()).collect()
    }
    match key {
        "status" => all::<Status>(),
        "ai_act" => all::<AiActClass>(),
        _ => all::<PersonalData>(),
    }
}

/// A department's own listing and one listing per other filter value present
/// in it. `context` is the department listing's context (facet, value, label…);
/// `rows` its systems, in order.
pub(super) fn department_lists<'r>(
    path: &str,
    context: serde_json::Value,
    rows: Vec<Row<'r>>,
) -> Vec<Listing<'r>> {
    let mut lists = Vec::new();
    let mut facets = Vec::new();
    for key in WITHIN {
        let mut options = Vec::new();
        for value in values_of(key) {
            let chosen: Vec<Row> = rows
                .iter()
                .filter(|r| value_of(key, r) == value)
                .cloned()
                .collect();
            if chosen.is_empty() {
                continue;
            }
            let sub_path = format!("{path}{}", facet_path(key, value));
            options.push(json!({ "value": value, "path": sub_path, "count": chosen.len() }));
            lists.push((sub_path, key, value, chosen));
        }
        facets.push(json!({ "key": key, "options": options }));
    }
    let within = json!({ "path": path, "count": rows.len(), "facets": facets });
    let with = |extra: serde_json::Value| {
        let mut c = context.clone();
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        c
    };
    let mut out = vec![Listing {
        path: path.to_owned(),
        template: "list.html",
        context: with(json!({ "within": within })),
        rows,
    }];
    for (sub_path, key, value, chosen) in lists {
        out.push(Listing {
            path: sub_path,
            template: "list.html",
            context: with(json!({
                "within": within,
                "sub": { "facet": key, "value": value },
            })),
            rows: chosen,
        });
    }
    out
}
