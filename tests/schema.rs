//! `insyn schema`: the JSON Schema accepts every record insyn accepts (the example
//! register) and rejects the mistakes insyn rejects, as an editor's tooling sees them.

mod common;
use common::*;

fn yaml_to_json(text: &str) -> serde_json::Value {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options).expect("the record parses")
}

fn schema() -> serde_json::Value {
    let run = insyn(&["schema"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("insyn schema prints JSON")
}

#[test]
fn the_example_register_validates_against_the_schema() {
    let validator = jsonschema::draft7::new(&schema()).expect("a valid draft-07 schema");
    let mut count = 0;
    for entry in std::fs::read_dir(repo().join("register/systems")).unwrap() {
        let path = entry.unwrap().path();
        let record = yaml_to_json(&read(&path));
        let errors: Vec<String> = validator
            .iter_errors(&record)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        count += 1;
    }
    assert!(count >= 12);
    let minimal = yaml_to_json(&read(
        &fixture("contract-only").join("register/systems/kallelser.yaml"),
    ));
    assert!(validator.is_valid(&minimal));
}

#[test]
fn the_schema_rejects_what_insyn_rejects() {
    let validator = jsonschema::draft7::new(&schema()).unwrap();
    let good = yaml_to_json(&read(
        &fixture("contract-only").join("register/systems/kallelser.yaml"),
    ));
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        v
    };
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("typo", broken(&|v| v["sumary"] = "x".into())),
        ("bad status", broken(&|v| v["status"] = "active".into())),
        (
            "missing purpose",
            broken(&|v| {
                v.as_object_mut().unwrap().remove("purpose");
            }),
        ),
        (
            "long summary",
            broken(&|v| v["summary"] = "x".repeat(301).into()),
        ),
        (
            "no contact channel",
            broken(&|v| v["contact"] = serde_json::json!({})),
        ),
        (
            "retired without date",
            broken(&|v| v["status"] = "retired".into()),
        ),
        (
            "nested typo",
            broken(&|v| v["data"]["locaton"] = "eu".into()),
        ),
        (
            "bad date",
            broken(&|v| v["reviewed"] = "15 maj 2026".into()),
        ),
        (
            "unknown translation",
            broken(&|v| v["translations"] = serde_json::json!({"de": {"name": "x"}})),
        ),
    ];
    for (what, record) in cases {
        assert!(!validator.is_valid(&record), "the schema accepts: {what}");
    }
}
