//! The page "Så klagar du eller begär ny prövning" (`klaga/`): what a resident
//! can do about a decision made or supported by AI, then every system that
//! makes or supports decisions about people, each with its own `appeal` text.
//! Split into pages of [`PER_PAGE`] systems, so that no page grows with the
//! register.

use super::{Plan, Writer, pagination, root_of};
use crate::diagnostic::Diagnostic;
use crate::markdown;
use crate::model::{DecisionRole, System};
use serde::Serialize;

/// The page's address in every language (under the language's prefix).
pub(super) const PATH: &str = "klaga/";

/// Systems per page: each has a text of its own, so fewer than in a table.
const PER_PAGE: usize = 20;

#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    name: &'a str,
    name_lang: Option<&'static str>,
    department: &'a str,
    department_lang: Option<&'static str>,
    dept_slug: &'a str,
    decision_role: DecisionRole,
    /// The system's own `appeal` text as HTML, if it has one.
    appeal: Option<String>,
    contact: &'a crate::model::Contact,
}

#[derive(Serialize)]
struct Context<'a> {
    systems: Vec<Entry<'a>>,
    matching: usize,
    pagination: serde_json::Value,
}

/// Whether a system's page and the complaint page say how to complain about a
/// decision it was part of.
pub(super) fn decides(s: &System) -> bool {
    s.decision_role != DecisionRole::None
}

/// Writes `klaga/` (and `klaga/sida/N/` when there are many systems).
pub(super) fn write(w: &mut Writer, plan: &Plan, up: &str) -> Result<(), Diagnostic> {
    let systems = plan.sorted(decides);
    let total = systems.len().div_ceil(PER_PAGE).max(1);
    for n in 1..=total {
        let at = if n == 1 {
            PATH.to_owned()
        } else {
            format!("{PATH}sida/{n}/")
        };
        let chunk = systems.chunks(PER_PAGE).nth(n - 1).unwrap_or(&[]);
        let prefix = format!("{}ordlista/#", root_of(&at));
        let mut linked = markdown::Linked::new();
        let entries = chunk
            .iter()
            .map(|s| {
                let (department, department_lang) = plan.dept_label(&s.department);
                let appeal = s.appeal.as_ref().map(|t| {
                    let html =
                        markdown::render_in(t, 4, Some((&w.ed.glossary, &prefix, &mut linked)), up);
                    match plan.field_lang(s, "appeal") {
                        Some(lang) => format!("<div lang=\"{lang}\">\n{html}</div>\n"),
                        None => html,
                    }
                });
                Entry {
                    id: &s.id,
                    name: &s.name,
                    name_lang: plan.field_lang(s, "name"),
                    department,
                    department_lang,
                    dept_slug: plan.dept_slug(&s.department),
                    decision_role: s.decision_role,
                    appeal,
                    contact: &s.contact,
                }
            })
            .collect();
        let context = Context {
            systems: entries,
            matching: systems.len(),
            pagination: pagination(PATH, n, total),
        };
        w.render_page(&at, "appeal.html", None, || context)?;
        w.listed(&at);
    }
    Ok(())
}
