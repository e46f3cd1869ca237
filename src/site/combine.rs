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

/// `search/<lang>/facets.json`, what the start page's script needs to combine
/// the filters at once: the departments (slug, name, `lang`), for each closed
/// list its values and their labels, and for every record, in the order of the
/// search index's rows, five numbers: its department, status, AI's role,
/// personal data and risk class (positions in those lists). About 12 bytes a
/// record; fetched only when a resident first chooses a filter.
pub(super) fn facets_json(
    plan: &super::Plan,
    systems: &[&crate::model::System],
    labels: &serde_json::Value,
) -> Vec<u8> {
    use crate::model::DecisionRole;
    fn position<V: Vocabulary + PartialEq>(v: V) -> usize {
        V::ALL.iter().position(|x| *x == v).unwrap_or(0)
    }
    fn list<V: Vocabulary>(labels: &serde_json::Value, group: &str) -> serde_json::Value {
        V::ALL
            .iter()
            .map(|v| json!([v.as_str(), labels[group][v.as_str()]]))
            .collect()
    }
    let departments: Vec<&super::FacetOption> = plan
        .facets
        .iter()
        .find(|f| f.key == "department")
        .map(|f| f.options.iter().collect())
        .unwrap_or_default();
    let index: std::collections::HashMap<&str, usize> = departments
        .iter()
        .enumerate()
        .map(|(n, o)| (o.value.as_str(), n))
        .collect();
    let mut records = Vec::with_capacity(systems.len() * 5);
    for s in systems {
        records.extend([
            index
                .get(plan.dept_slug(&s.department))
                .copied()
                .unwrap_or(0),
            position(s.status),
            position(s.decision_role),
            position(s.data.personal_data),
            position(s.risk.ai_act),
        ]);
    }
    let value = json!({
        "departments": departments
            .iter()
            .map(|o| json!([o.value, o.label, o.label_lang]))
            .collect::<Vec<_>>(),
        "status": list::<Status>(labels, "status"),
        "decision_role": list::<DecisionRole>(labels, "decision_role_short"),
        "personal_data": list::<PersonalData>(labels, "personal_data"),
        "ai_act": list::<AiActClass>(labels, "ai_act"),
        "records": records,
    });
    let mut bytes = value.to_string().into_bytes();
    bytes.push(b'\n');
    bytes
}
