//! `insyn new` and `insyn init`: files an editor starts from. The record template
//! is generated from the same help texts and labels as messages and schema, so it
//! always describes the format the program actually reads.

use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::schema;
use crate::slug::slugify;
use jiff::civil::Date;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How a field is written in the template.
enum Shape {
    Text,
    Markdown,
    Date,
    Choice(&'static str, Vec<&'static str>),
    List,
    Map(Vec<(&'static str, Shape)>),
}

fn choice<V: Vocabulary>(group: &'static str) -> Shape {
    Shape::Choice(group, V::ALL.iter().map(|v| v.as_str()).collect())
}

/// Every field in reading order: (name, required, shape).
fn fields() -> Vec<(&'static str, bool, Shape)> {
    vec![
        ("name", true, Shape::Text),
        ("summary", true, Shape::Text),
        ("status", true, choice::<Status>("status")),
        ("department", true, Shape::Text),
        ("purpose", true, Shape::Markdown),
        (
            "decision_role",
            true,
            choice::<DecisionRole>("decision_role"),
        ),
        ("human_oversight", true, Shape::Markdown),
        (
            "data",
            true,
            Shape::Map(vec![
                ("personal_data", choice::<PersonalData>("personal_data")),
                ("description", Shape::Markdown),
                ("location", choice::<DataLocation>("location")),
            ]),
        ),
        (
            "risk",
            true,
            Shape::Map(vec![
                ("ai_act", choice::<AiActClass>("ai_act")),
                ("description", Shape::Markdown),
            ]),
        ),
        (
            "contact",
            true,
            Shape::Map(vec![("email", Shape::Text), ("phone", Shape::Text)]),
        ),
        ("reviewed", true, Shape::Date),
        ("technique", false, Shape::List),
        ("how_it_works", false, Shape::Markdown),
        ("affected", false, Shape::List),
        ("legal_basis", false, Shape::Markdown),
        ("appeal", false, Shape::Markdown),
        ("disclosure", false, Shape::Markdown),
        ("introduced", false, Shape::Date),
        ("next_review", false, Shape::Date),
        ("environment", false, Shape::Markdown),
        ("tags", false, Shape::List),
        ("change_note", false, Shape::Text),
    ]
}

/// The modeline that makes VS Code (yaml-language-server) complete and check fields.
pub fn schema_modeline() -> String {
    format!(
        "# yaml-language-server: $schema=../../{}",
        schema::published_path()
    )
}

fn comment(out: &mut String, indent: &str, path: &str, extra: &str) {
    let help = field_help(path, Language::Sv);
    let mut chars = help.chars();
    let help = match chars.next() {
        Some(c) => format!("{}{}", c.to_uppercase(), chars.as_str()),
        None => String::new(),
    };
    let _ = writeln!(out, "{indent}# {help}.{extra}");
}

/// A new record: every field with a Swedish comment saying what to write. Text
/// fields are left empty, so `insyn check` lists what remains to fill in.
pub fn record_template(name: &str, today: Date) -> String {
    let labels = crate::theme::Theme::builtin_strings(Language::Sv)
        .map(|s| s["labels"].clone())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "{}", schema_modeline());
    out.push_str(
        "#\n# Ett AI-system i AI-registret. Fyll i fälten och kör `insyn check`, som säger\n\
         # vad som saknas. Rader som börjar med # är hjälptext och syns inte på webbplatsen.\n\
         # Valfria fält står bortkommenterade längst ned: ta bort # för att använda dem.\n\n",
    );
    let choice_help = |group: &str, values: &[&str]| -> String {
        let listed: Vec<String> = values
            .iter()
            .map(|v| match labels[group][*v].as_str() {
                Some(label) => format!("{v} ({label})"),
                None => (*v).to_owned(),
            })
            .collect();
        format!(" Skriv ett av: {}.", listed.join(", "))
    };
    let mut optional_started = false;
    for (field, required, shape) in fields() {
        if !required && !optional_started {
            out.push_str("\n# ----- Valfria fält -----\n\n");
            optional_started = true;
        }
        let prefix = if required { "" } else { "# " };
        match &shape {
            Shape::Choice(group, values) => {
                comment(&mut out, "", field, &choice_help(group, values))
            }
            _ => comment(&mut out, "", field, ""),
        }
        match shape {
            Shape::Text if field == "name" => {
                let quoted = serde_json::to_string(name).unwrap_or_default();
                let _ = writeln!(out, "name: {quoted}");
            }
            Shape::Text | Shape::Choice(..) => {
                let _ = writeln!(out, "{prefix}{field}:");
            }
            Shape::Markdown => {
                let _ = writeln!(out, "{prefix}{field}: |");
                let _ = writeln!(out, "{prefix}  ");
            }
            Shape::Date if field == "reviewed" => {
                let _ = writeln!(out, "reviewed: {today}");
            }
            Shape::Date => {
                let _ = writeln!(out, "{prefix}{field}: {today}");
            }
            Shape::List => {
                let _ = writeln!(out, "{prefix}{field}: []");
            }
            Shape::Map(children) => {
                let _ = writeln!(out, "{prefix}{field}:");
                for (child, shape) in children {
                    let path = format!("{field}.{child}");
                    match &shape {
                        Shape::Choice(group, values) => {
                            comment(&mut out, "  ", &path, &choice_help(group, values))
                        }
                        _ => comment(&mut out, "  ", &path, ""),
                    }
                    match shape {
                        Shape::Markdown => {
                            let _ = writeln!(out, "{prefix}  {child}: |");
                            let _ = writeln!(out, "{prefix}    ");
                        }
                        _ => {
                            let _ = writeln!(out, "{prefix}  {child}:");
                        }
                    }
                }
            }
        }
        out.push('\n');
    }
    out
}

fn exists_error(path: &Path, message: &str, hint: &str) -> Diagnostic {
    Diagnostic::error("exists", path.display().to_string(), message).hint(hint)
}

/// Makes the folder of `path`, which must be inside `root` once links are
/// followed: nothing is written through a link out of the site.
fn make_parent(root: &Path, path: &Path) -> Result<(), Diagnostic> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    std::fs::create_dir_all(parent).map_err(|e| {
        Diagnostic::error(
            "write",
            parent.display().to_string(),
            format!("Mappen kunde inte skapas: {e}. / The folder could not be made: {e}."),
        )
    })?;
    let root = crate::confine::canonical_root(root);
    if !crate::confine::resolves_inside(&root, parent) {
        return Err(Diagnostic::error(
            "link-outside",
            parent.display().to_string(),
            "Mappen är en länk till något utanför webbplatsens mapp, så insyn skriver inget där. / The folder is a link to something outside the site's folder, so insyn writes nothing there.",
        )
        .hint("Ersätt länken med en vanlig mapp. / Replace the link with an ordinary folder."));
    }
    Ok(())
}

fn write_failed(path: &Path, e: &std::io::Error) -> Diagnostic {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        return exists_error(
            path,
            "Det finns redan en fil (eller en länk) med det här namnet; den skrivs inte över. / There is already a file (or a link) with this name; it is not written over.",
            "Ta bort eller döp om den, eller välj ett annat namn. / Remove or rename it, or choose another name.",
        );
    }
    Diagnostic::error(
        "write",
        path.display().to_string(),
        format!("Filen kunde inte skrivas: {e}. / The file could not be written: {e}."),
    )
}

/// Creates `path` (inside `root`) with `text`; never over an existing file,
/// and never through a link, not even one that points nowhere yet.
fn write_new(root: &Path, path: &Path, text: &str) -> Result<(), Diagnostic> {
    make_parent(root, path)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| write_failed(path, &e))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| write_failed(path, &e))
}

/// Writes `schema/record-vN.json` under `root` (what the template's modeline points at).
/// A newer text replaces the file by a rename, so a link there is replaced, not written through.
pub fn write_schema(root: &Path) -> Result<PathBuf, Diagnostic> {
    let path = root.join(schema::published_path());
    let text = serde_json::to_string_pretty(&schema::record_schema()).unwrap_or_default() + "\n";
    let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        return Err(write_failed(
            &path,
            &std::io::ErrorKind::AlreadyExists.into(),
        ));
    }
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = path.with_file_name(format!(".{name}.insyn-{}", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        write_new(root, &temporary, &text)?;
        std::fs::rename(&temporary, &path).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            write_failed(&path, &e)
        })?;
    }
    Ok(path)
}

/// `insyn new "<name>"`: a new record from the template; never overwrites.
pub fn new_record(root: &Path, name: &str, today: Date) -> Result<PathBuf, Diagnostic> {
    let id = slugify(name);
    if id.is_empty() {
        return Err(Diagnostic::error(
            "invalid-id",
            "insyn new",
            format!("Det går inte att göra ett id av namnet \"{name}\"."),
        )
        .hint("Ange ett namn med bokstäver eller siffror, till exempel insyn new \"Chattbot på webbplatsen\"."));
    }
    let systems = root.join("register").join("systems");
    if !root.join("register").is_dir() {
        return Err(Diagnostic::error(
            "no-register",
            root.join("register").display().to_string(),
            "Det finns ingen mapp `register` här.",
        )
        .hint("Kör kommandot i webbplatsens mapp, ange den med --root, eller skapa en ny webbplats med `insyn init`."));
    }
    for ext in ["yaml", "yml"] {
        let existing = systems.join(format!("{id}.{ext}"));
        // (A link counts as there, even one that points nowhere.)
        if std::fs::symlink_metadata(&existing).is_ok() {
            return Err(exists_error(
                &existing,
                &format!("Det finns redan en post med id `{id}`; den skrivs inte över."),
                "Öppna den befintliga filen, eller välj ett annat namn.",
            ));
        }
    }
    let path = systems.join(format!("{id}.yaml"));
    write_new(root, &path, &record_template(name, today))?;
    write_schema(root)?;
    Ok(path)
}

const SITE_YAML: &str = "# Organisationen och webbplatsen. Ändra till era egna uppgifter.
organisation:
  # Organisationens namn som invånarna känner det.
  name: Min kommun
  url: https://www.kommun.example
  # Vart invånare vänder sig med frågor om registret: email, phone och/eller url.
  contact:
    email: ai-registret@kommun.example
site:
  title: AI-registret
  # Adressen där webbplatsen publiceras; behövs för flöde och webbplatskarta.
  base_url: https://ai.kommun.example/
  # sv eller en
  language: sv
# Underlag till tillgänglighetsredogörelsen (lagen om tillgänglighet till digital offentlig service).
accessibility:
  # full, partial eller none
  compliance: partial
  # Dagen då redogörelsen först upprättades.
  first_published: {today}
  assessed: {today}
  method: self-assessment
  # Hur lång tid det tar att få svar när någon rapporterar en brist.
  response_time: fem arbetsdagar
  # En punkt per brist: vad, vilket WCAG-kriterium, och varför
  # (not_compliant, disproportionate_burden eller out_of_scope).
  known_issues:
    - text: Webbplatsen är ny och har ännu inte granskats i sin helhet.
      criterion: 4.1.2 Namn, roll, värde
      reason: not_compliant
policies: []
";

const ABOUT_MD: &str = "# Om AI-registret

Här berättar vi var vi använder artificiell intelligens (AI), varför, vem som
ansvarar och hur en människa kontrollerar det AI:n gör.

Frågor om registret skickar du till
[ai-registret@kommun.example](mailto:ai-registret@kommun.example).
";

const SAMPLE_RECORD: &str = "name: Chattbot på kommunens webbplats
summary: En chattbot svarar på vanliga frågor om kommunens service dygnet runt och hänvisar till kontaktcenter när den inte kan svara.
status: pilot
department: Kommunledningsförvaltningen
purpose: |
  Chattboten svarar på vanliga frågor när kontaktcenter är stängt, så att
  handläggarna får mer tid för frågor som kräver en människa.
decision_role: none
human_oversight: |
  Chattboten fattar inga beslut. Kontaktcenter läser ett urval av samtalen varje
  vecka och rättar svar som är fel.
data:
  personal_data: personal
  description: Det du skriver i chatten. Samtalen sparas i 30 dagar.
  location: eu
  used_for_training: false
risk:
  ai_act: limited
  description: Chattboten kan svara fel. Den svarar bara utifrån texter som kontaktcenter har godkänt.
contact:
  email: kontaktcenter@kommun.example
reviewed: {today}
technique: [generative]
disclosure: Det står i chattfönstret att du pratar med en AI.
assessments:
  - type: dpia
    date: {today}
";

/// `insyn init [DIR]`: a new site that builds at once.
pub fn init(dir: &Path, today: Date) -> Result<Vec<PathBuf>, Diagnostic> {
    if dir.join("register").exists() {
        return Err(exists_error(
            &dir.join("register"),
            "Här finns redan ett register; inget skrivs över.",
            "Välj en tom mapp, till exempel `insyn init mitt-register`.",
        ));
    }
    let today = today.to_string();
    let files = [
        ("register/site.yaml", SITE_YAML.replace("{today}", &today)),
        (
            "register/systems/chattbot-webbplatsen.yaml",
            SAMPLE_RECORD.replace("{today}", &today),
        ),
        ("register/pages/om-registret.md", ABOUT_MD.to_owned()),
        (".gitignore", "/public\n/.public.insyn-*\n".to_owned()),
        (
            ".github/workflows/ai-registret.yml",
            include_str!("../scaffold/github-workflow.yml")
                .replace("{insyn_version}", env!("CARGO_PKG_VERSION")),
        ),
        (
            ".gitlab-ci.yml",
            include_str!("../scaffold/gitlab-ci.yml")
                .replace("{insyn_version}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        // Never overwrite what a repository already has.
        if std::fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        write_new(dir, &path, &text)?;
        written.push(path);
    }
    written.push(write_schema(dir)?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_comments_every_field_and_lists_labelled_values() {
        let text = record_template("Röstbrevlåda", "2026-11-22".parse().unwrap());
        assert!(text.starts_with("# yaml-language-server: $schema=../../schema/record-v1.json\n"));
        assert!(text.contains("name: \"Röstbrevlåda\"\n"));
        assert!(text.contains("in_use (Används)"));
        assert!(text.contains("# Vem som kontrollerar det AI:n gör"));
        assert!(text.contains("reviewed: 2026-11-22\n"));
        // Every uncommented line is preceded by a comment.
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let key = line.trim_start();
            if key.is_empty() || key.starts_with('#') || !key.contains(':') {
                continue;
            }
            assert!(
                lines[i - 1].trim_start().starts_with('#'),
                "no comment above `{line}`"
            );
        }
    }
}
