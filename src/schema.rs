//! The JSON Schema (draft-07) of a record, for editors' autocompletion
//! (yaml-language-server). Generated from the same types the loader fills and the
//! exports serialise; descriptions come from the same help texts as the messages,
//! and the allowed values carry the same Swedish labels residents see.

use crate::model::{Language, SCHEMA_VERSION, System, Vocabulary, field_help};
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

/// Where the schema is published inside the built site, versioned by the major
/// version of the format.
pub fn published_path() -> String {
    let major = SCHEMA_VERSION.split('.').next().unwrap_or("1");
    format!("schema/record-v{major}.json")
}

/// Where the schema of `register.json` is published.
pub fn register_schema_path() -> String {
    let major = SCHEMA_VERSION.split('.').next().unwrap_or("1");
    format!("schema/register-v{major}.json")
}

/// The schema of `register.json`: the organisation, and every system as in its
/// record plus `id`, `url` and `updated`.
pub fn register_schema() -> Value {
    let record = record_schema();
    let mut definitions = record["definitions"].clone();
    let organisation = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<crate::model::Organisation>()
        .to_value();
    if let (Some(defs), Some(more)) = (
        definitions.as_object_mut(),
        organisation["definitions"].as_object(),
    ) {
        for (k, v) in more {
            defs.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let mut system = record.clone();
    if let Some(map) = system.as_object_mut() {
        for key in ["$schema", "$id", "definitions", "title", "description"] {
            map.remove(key);
        }
    }
    system["properties"]["id"] = json!({ "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "description": "Postens id: filnamnet utan .yaml." });
    system["properties"]["url"] = json!({ "type": "string", "format": "uri", "description": "Adressen till systemets sida." });
    system["properties"]["updated"] = json!({ "type": "string", "format": "date-time", "description": "När posten senast ändrades." });
    system["properties"]["history"] = json!({
        "type": "array",
        "description": "Postens versioner, äldst först: när, vilka fält som ändrades och, för fält med fasta värden, gammalt och nytt värde.",
        "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "time", "date", "change", "fields", "values"],
            "properties": {
                "version": { "type": "integer", "minimum": 1 },
                "time": { "type": "string", "format": "date-time" },
                "date": { "type": "string", "format": "date" },
                "change": { "enum": ["created", "changed"] },
                "fields": { "type": "array", "items": { "type": "string" } },
                "values": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["old", "new"],
                        "properties": { "old": {}, "new": {} },
                    },
                },
                "note": { "type": "string" },
            },
        },
    });
    if let Some(required) = system["required"].as_array_mut() {
        required.extend([
            json!("id"),
            json!("url"),
            json!("updated"),
            json!("history"),
        ]);
    }
    let mut organisation_root = organisation;
    if let Some(map) = organisation_root.as_object_mut() {
        for key in ["$schema", "definitions", "title"] {
            map.remove(key);
        }
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": format!("https://insyn.example/{}", register_schema_path()),
        "title": "AI-registret (register.json)",
        "type": "object",
        "additionalProperties": false,
        "required": ["schema_version", "organisation", "systems", "removed"],
        "properties": {
            "schema_version": { "type": "string", "const": SCHEMA_VERSION },
            "organisation": organisation_root,
            "removed": {
                "type": "array",
                "description": "System som tagits bort ur registret: id, adress och när.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["id", "url", "removed", "time"],
                    "properties": {
                        "id": { "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$" },
                        "url": { "type": "string", "format": "uri" },
                        "removed": { "type": "string", "format": "date" },
                        "time": { "type": "string", "format": "date-time" },
                    },
                },
            },
            "systems": { "type": "array", "items": system },
        },
        "definitions": definitions,
    })
}

/// The path prefix of the fields of each definition, for looking up help texts.
const DEFINITION_PATHS: &[(&str, &str)] = &[
    ("Data", "data."),
    ("Risk", "risk."),
    ("Contact", "contact."),
    ("Supplier", "supplier."),
    ("Assessment", "assessments."),
    ("Link", "links."),
];

fn sentence(help: &str) -> String {
    let mut chars = help.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Adds a description to every property; a `$ref` is wrapped in `allOf`, since
/// draft-07 ignores keywords beside `$ref`.
fn describe(properties: &mut Value, prefix: &str) {
    let Some(map) = properties.as_object_mut() else {
        return;
    };
    for (key, property) in map.iter_mut() {
        let help = field_help(&format!("{prefix}{key}"), Language::Sv);
        if help.is_empty() {
            continue;
        }
        if let Some(reference) = property.get("$ref").cloned() {
            *property = json!({ "allOf": [{ "$ref": reference }] });
        }
        property["description"] = json!(sentence(help));
    }
}

pub fn record_schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<System>().to_value();
    let labels = crate::theme::Theme::builtin_strings(Language::Sv)
        .map(|s| s["labels"].clone())
        .unwrap_or(Value::Null);

    schema["$id"] = json!(format!("https://insyn.example/{}", published_path()));
    schema["description"] = json!(format!(
        "En post i AI-registret: ett AI-system som organisationen använder. Format {SCHEMA_VERSION}."
    ));
    describe(&mut schema["properties"], "");
    if let Some(definitions) = schema["definitions"].as_object_mut() {
        for (name, prefix) in DEFINITION_PATHS {
            if let Some(def) = definitions.get_mut(*name) {
                describe(&mut def["properties"], prefix);
            }
        }
        for (_, name, group) in crate::model::VOCABULARY_FIELDS {
            if let Some(def) = definitions.get_mut(*name) {
                let values: Vec<String> = def["enum"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let described: Vec<Value> = values
                    .iter()
                    .map(|v| json!(labels[*group][v].as_str().unwrap_or(v)))
                    .collect();
                // Shown by VS Code's YAML and JSON support on hover and completion.
                def["enumDescriptions"] = json!(described);
            }
        }
        // At least one way to reach the organisation.
        if let Some(contact) = definitions.get_mut("Contact") {
            contact["anyOf"] = json!([
                { "required": ["email"] },
                { "required": ["phone"] },
                { "required": ["url"] },
            ]);
            contact["properties"]["email"]["format"] = json!("email");
            contact["properties"]["url"]["pattern"] = json!("^https?://");
        }
        for def in ["Supplier", "Assessment", "Link"] {
            if let Some(url) = definitions
                .get_mut(def)
                .and_then(|d| d["properties"].get_mut("url"))
            {
                url["pattern"] = json!("^https?://");
            }
        }
    }
    // A retired system says when it was retired.
    schema["if"] =
        json!({ "properties": { "status": { "const": "retired" } }, "required": ["status"] });
    schema["then"] = json!({ "required": ["retired"] });
    // Translations are keyed by language code.
    schema["properties"]["translations"]["propertyNames"] = json!({
        "enum": Language::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>()
    });
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_described_and_enums_carry_labels() {
        let schema = record_schema();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], false);
        for (key, property) in schema["properties"].as_object().unwrap() {
            assert!(
                property["description"].is_string(),
                "{key} has no description"
            );
        }
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for field in [
            "name",
            "summary",
            "status",
            "department",
            "purpose",
            "decision_role",
            "human_oversight",
            "data",
            "risk",
            "contact",
            "reviewed",
        ] {
            assert!(required.contains(&field), "{field} is not required");
        }
        assert!(!required.contains(&"tags"));
        assert_eq!(schema["properties"]["summary"]["maxLength"], 300);
        let status = &schema["definitions"]["Status"];
        assert_eq!(
            status["enum"],
            json!(["planned", "pilot", "in_use", "retired"])
        );
        assert_eq!(status["enumDescriptions"][2], "Används");
        assert!(
            schema["properties"]["status"]["description"]
                .as_str()
                .unwrap()
                .starts_with("Var i livscykeln")
        );
    }
}
