//! insyn turns a register of AI systems — one YAML file per system — into an
//! accessible public website with open data.
//!
//! The data flows one way, one module per step:
//! [`load`] (discover, [`yaml`] parse, [`fields`] read, validate) → [`model::Register`]
//! → [`site`] (plan, [`render`] templates, [`markdown`]) → [`output`] (atomic write).

pub mod diagnostic;
pub mod fields;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod site;
pub mod slug;
pub mod theme;
pub mod yaml;
