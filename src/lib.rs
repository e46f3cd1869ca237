//! insyn turns a register of AI systems — one YAML file per system — into an
//! accessible public website with open data.
//!
//! The data flows one way, one module per step:
//! [`load`] (discover, [`yaml`] parse, [`fields`] read, validate) → [`model::Register`]
//! → [`site`] (plan, [`render`] templates, [`markdown`]) → [`output`] (atomic write).

// A `Diagnostic` is the error of every fallible step; it is built once per
// problem, never on a hot path, so its size in `Result` does not matter.
#![allow(clippy::result_large_err)]

pub mod confine;
pub mod diagnostic;
pub mod fields;
pub mod hints;
pub mod history;
pub mod labels;
pub mod lint;
pub mod load;
pub mod locate;
pub mod markdown;
pub mod model;
pub mod names;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod theme;
pub mod timing;
pub mod twins;
pub mod versions;
pub mod yaml;
