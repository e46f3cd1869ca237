//! The register as insyn understands it: the single source of truth for the
//! record format (what the loader accepts), the exports (what `register.json`
//! contains, field for field as in the YAML) and the pages.

use jiff::civil::Date;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Bumped when the shape of `register.json` changes in a way consumers must notice.
pub const SCHEMA_VERSION: &str = "1.0";

/// A closed list of values an editor chooses from. Defined once; the loader, the
/// exports and the theme's labels all use the same list.
pub trait Vocabulary: Sized + Copy + 'static {
    /// The field name, for messages.
    const FIELD: &'static str;
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
    fn allowed() -> String {
        Self::ALL
            .iter()
            .map(|v| format!("`{}`", v.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident = $field:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }
        impl Vocabulary for $name {
            const FIELD: &'static str = $field;
            const ALL: &'static [$name] = &[$($name::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "enum": [$($text),+] })
            }
        }
    };
}

vocabulary!(
    /// Lifecycle state of a system.
    Status = "status" { Planned = "planned", Pilot = "pilot", InUse = "in_use", Retired = "retired" }
);
vocabulary!(
    /// What the AI output does with respect to decisions about people.
    DecisionRole = "decision_role" {
        None = "none",
        Support = "support",
        AutomatedWithReview = "automated_with_review",
        Automated = "automated",
    }
);
vocabulary!(
    PersonalData = "data.personal_data" { None = "none", Personal = "personal", Sensitive = "sensitive" }
);
vocabulary!(
    DataLocation = "data.location" { Sweden = "sweden", Eu = "eu", OutsideEu = "outside_eu" }
);
vocabulary!(
    /// Risk class under the EU AI Act. Prohibited practices cannot be registered.
    AiActClass = "risk.ai_act" { Minimal = "minimal", Limited = "limited", High = "high" }
);
vocabulary!(
    Technique = "technique" {
        Generative = "generative",
        Prediction = "prediction",
        Classification = "classification",
        Recognition = "recognition",
        Recommendation = "recommendation",
        Optimisation = "optimisation",
        Other = "other",
    }
);
vocabulary!(
    AssessmentType = "assessments.type" {
        Dpia = "dpia",
        Fria = "fria",
        Risk = "risk",
        Security = "security",
        Other = "other",
    }
);
vocabulary!(
    Compliance = "accessibility.compliance" { Full = "full", Partial = "partial", None = "none" }
);
vocabulary!(
    IssueReason = "accessibility.known_issues.reason" {
        NotCompliant = "not_compliant",
        Disproportionate = "disproportionate_burden",
        OutOfScope = "out_of_scope",
    }
);
vocabulary!(
    Language = "site.language" { Sv = "sv", En = "en" }
);

/// Fields with a closed list of values: (field path, vocabulary type, the theme's
/// label group). Used wherever values are explained: the schema and the open-data page.
pub const VOCABULARY_FIELDS: &[(&str, &str, &str)] = &[
    ("status", "Status", "status"),
    ("decision_role", "DecisionRole", "decision_role"),
    ("data.personal_data", "PersonalData", "personal_data"),
    ("data.location", "DataLocation", "location"),
    ("risk.ai_act", "AiActClass", "ai_act"),
    ("technique", "Technique", "technique"),
    ("assessments.type", "AssessmentType", "assessment"),
];

/// A calendar date, exported as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub Date);

impl JsonSchema for Day {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        })
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Data {
    pub personal_data: PersonalData,
    pub description: String,
    pub location: DataLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_for_training: Option<bool>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Risk {
    pub ai_act: AiActClass,
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Supplier {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_house: Option<bool>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Assessment {
    #[serde(rename = "type")]
    pub kind: AssessmentType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// The `description` of `data` or `risk`, in a translation.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TranslatedDescription {
    pub description: String,
}

/// Text written by people in another language; every field optional.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Translation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub human_oversight: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how_it_works: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<TranslatedDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<TranslatedDescription>,
}

/// One AI system, as written in `register/systems/<id>.yaml`.
///
/// Field order here is the order of `register.json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, title = "AI-system i AI-registret")]
pub struct System {
    /// The file stem; not written in the file.
    #[schemars(skip)]
    pub id: String,
    /// Absolute URL of the system's page (filled in when the site is planned).
    #[schemars(skip)]
    pub url: String,
    #[schemars(length(min = 1))]
    pub name: String,
    #[schemars(length(min = 1, max = 300))]
    pub summary: String,
    pub status: Status,
    pub department: String,
    pub purpose: String,
    pub decision_role: DecisionRole,
    pub human_oversight: String,
    pub data: Data,
    pub risk: Risk,
    pub contact: Contact,
    pub reviewed: Day,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub technique: Vec<Technique>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how_it_works: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Supplier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assessments: Vec<Assessment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_review: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, Translation>,
    /// A public note on this version of the record, shown in its history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_note: Option<String>,
    /// The ids the record had before (its file was renamed): their history is
    /// its history, and their addresses lead to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_ids: Vec<String>,
    /// The file the record came from, relative to the site root (not exported).
    #[serde(skip)]
    #[schemars(skip)]
    pub source: String,
    /// Changes whenever the file's text (or what it was read with) changes: lets
    /// `insyn serve` skip pages whose record did not change (not exported).
    #[serde(skip)]
    #[schemars(skip)]
    pub fingerprint: u64,
    /// On a page in another language: the fields that have no translation and
    /// are shown in the main language (not exported).
    #[serde(skip)]
    #[schemars(skip)]
    pub fallback: Vec<&'static str>,
    /// The name's place in Swedish alphabetical order ([`swedish_sort_key`]),
    /// made once when the record is read (not exported).
    #[serde(skip)]
    #[schemars(skip)]
    pub sort_key: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Organisation {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub contact: Contact,
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteSettings {
    pub title: String,
    /// Licence of the open data (extension; default CC0 1.0).
    pub license: String,
    pub base_url: String,
    pub language: Language,
    pub languages: Vec<Language>,
    pub theme: String,
    /// Text of the site in its other languages (`translations:` in site.yaml).
    #[serde(skip)]
    pub translations: BTreeMap<Language, SiteTranslation>,
}

/// What `translations.<code>` in site.yaml may give: the site's title and the
/// known accessibility problems, in that language.
#[derive(Debug, Clone, Default)]
pub struct SiteTranslation {
    pub title: Option<String>,
    pub known_issues: Vec<KnownIssue>,
    pub response_time: Option<String>,
}

/// A known accessibility problem, as the accessibility statement must give it
/// (MDFFS 2019:2): what, which WCAG success criterion, and why. A plain string
/// in site.yaml is an issue with only `text`.
#[derive(Debug, Clone, Serialize)]
pub struct KnownIssue {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criterion: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<IssueReason>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Accessibility {
    pub compliance: Compliance,
    pub assessed: Day,
    pub method: String,
    /// Known accessibility problems, in plain language (extension).
    pub known_issues: Vec<KnownIssue>,
    /// The day the statement was first made (extension; MDFFS 2019:2).
    pub first_published: Option<Day>,
    /// How long an answer to feedback takes, in the editor's words, e.g.
    /// "fem arbetsdagar" (extension; MDFFS 2019:2).
    pub response_time: Option<String>,
    /// When the statement was last updated (extension; defaults to `assessed`).
    pub updated: Day,
    /// Where to report accessibility problems (extension; defaults to the organisation's contact).
    pub contact: Contact,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub title: String,
    pub url: String,
}

/// `register/site.yaml`.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub organisation: Organisation,
    pub site: SiteSettings,
    pub accessibility: Accessibility,
    pub policies: Vec<Policy>,
    #[serde(skip)]
    pub history: HistorySettings,
}

/// `history:` in site.yaml.
#[derive(Debug, Clone, Default)]
pub struct HistorySettings {
    /// Whether commit messages may be published (never those a git host
    /// writes by itself, never those holding personal data).
    pub messages: bool,
    /// The git repository the history is read from, a folder inside the site;
    /// else the repository the site is in.
    pub repository: Option<String>,
}

/// A Markdown page from `register/pages/<slug>.md`.
#[derive(Debug, Clone)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub body: String,
    pub source: String,
    /// The page in the site's other languages, from `<slug>.<code>.md`.
    pub translations: BTreeMap<Language, Page>,
}

/// Everything the site is built from, validated.
#[derive(Debug, Clone)]
pub struct Register {
    pub site: Site,
    /// Sorted by id. Shared, so that `insyn serve` reuses unchanged records.
    pub systems: Vec<std::sync::Arc<System>>,
    /// Sorted by slug.
    pub pages: Vec<Page>,
}

/// What each field is for, in the words an editor needs when it is missing:
/// (path, Swedish, English).
/// Also used by the record template of `insyn new` and by the JSON Schema.
pub const FIELD_HELP: &[(&str, &str, &str)] = &[
    (
        "name",
        "namnet som invånarna känner igen, till exempel \"Chattbot på kommunens webbplats\"",
        "the name residents recognise, for example \"Chatbot on the municipal website\"",
    ),
    (
        "summary",
        "en eller två meningar på enkel svenska om vad systemet gör och varför (högst 300 tecken)",
        "one or two plain sentences on what the system does and why (at most 300 characters)",
    ),
    (
        "status",
        "var i livscykeln systemet är",
        "where the system is in its life cycle",
    ),
    (
        "department",
        "förvaltningen, bolaget eller enheten som ansvarar för systemet",
        "the department, company or unit responsible for the system",
    ),
    (
        "purpose",
        "varför kommunen använder systemet och vilken nytta det ska ge",
        "why the organisation uses the system and the expected benefit",
    ),
    (
        "decision_role",
        "vad AI:ns resultat används till: inga beslut om enskilda, stöd till en person som beslutar, beslut som granskas, eller beslut utan granskning",
        "what the AI output is used for: no decisions about individuals, support for a person who decides, decisions that are reviewed, or decisions without review",
    ),
    (
        "human_oversight",
        "vem som kontrollerar det AI:n gör, hur, och hur en person kan ändra resultatet",
        "who checks what the AI does, how, and how a person can override the result",
    ),
    (
        "data",
        "vilka uppgifter systemet använder",
        "what data the system uses",
    ),
    (
        "data.personal_data",
        "om systemet behandlar personuppgifter",
        "whether the system processes personal data",
    ),
    (
        "data.description",
        "vilka uppgifter som går in i systemet och var de kommer ifrån",
        "what data goes into the system and where it comes from",
    ),
    (
        "data.location",
        "var uppgifterna behandlas och lagras",
        "where the data is processed and stored",
    ),
    (
        "data.used_for_training",
        "om leverantören får använda kommunens uppgifter för att träna sina modeller (true eller false)",
        "whether the supplier may use the organisation's data to train its models (true or false)",
    ),
    (
        "risk",
        "riskklass och vilka risker som finns",
        "the risk class and the risks identified",
    ),
    (
        "risk.ai_act",
        "riskklassen enligt EU:s AI-förordning",
        "the risk class under the EU AI Act",
    ),
    (
        "risk.description",
        "vilka risker ni har sett (fel, snedvridning, säkerhet, integritet) och vad ni gör åt dem",
        "the risks you have identified (errors, bias, security, privacy) and what you do about them",
    ),
    (
        "contact",
        "vart invånare vänder sig med frågor: minst en av email, phone och url",
        "where residents can ask questions: at least one of email, phone and url",
    ),
    (
        "contact.email",
        "e-postadress dit invånare kan skriva, till exempel kontaktcenter@kommun.se",
        "an email address residents can write to, for example contact@municipality.se",
    ),
    (
        "contact.phone",
        "telefonnummer med riktnummer, till exempel 08-123 456 78",
        "a phone number with area code, for example 08-123 456 78",
    ),
    (
        "contact.url",
        "webbsida med kontaktuppgifter eller formulär, som börjar med https://",
        "a web page with contact details or a form, starting with https://",
    ),
    (
        "reviewed",
        "datumet då uppgifterna senast kontrollerades, som ÅÅÅÅ-MM-DD",
        "the date the information was last checked, as YYYY-MM-DD",
    ),
    (
        "technique",
        "vilken sorts AI det är",
        "what kind of AI it is",
    ),
    (
        "how_it_works",
        "hur systemet fungerar, på enkel svenska",
        "how the system works, in plain language",
    ),
    (
        "affected",
        "vilka som påverkas, till exempel invånare, medarbetare, elever eller företag",
        "who is affected, for example residents, employees, pupils or businesses",
    ),
    (
        "legal_basis",
        "vilken rättslig grund behandlingen vilar på",
        "the legal basis for the processing",
    ),
    (
        "appeal",
        "hur man invänder, klagar eller begär att en människa gör om bedömningen",
        "how to object, complain or ask for a human to review",
    ),
    (
        "disclosure",
        "hur människor får veta att AI används",
        "how people are told that AI is used",
    ),
    (
        "supplier",
        "vem som levererar systemet: name, product, url, eller in_house: true",
        "who supplies the system: name, product, url, or in_house: true",
    ),
    ("supplier.name", "leverantörens namn", "the supplier's name"),
    ("supplier.product", "produktens namn", "the product's name"),
    (
        "supplier.url",
        "leverantörens eller produktens webbsida",
        "the supplier's or product's web page",
    ),
    (
        "supplier.in_house",
        "true om kommunen har byggt systemet själv",
        "true if the organisation built the system itself",
    ),
    (
        "assessments",
        "bedömningar som gjorts, till exempel konsekvensbedömning (dpia)",
        "assessments made, for example a data protection impact assessment (dpia)",
    ),
    (
        "assessments.type",
        "vilken sorts bedömning",
        "what kind of assessment",
    ),
    (
        "assessments.date",
        "när bedömningen gjordes, som ÅÅÅÅ-MM-DD",
        "when the assessment was made, as YYYY-MM-DD",
    ),
    (
        "assessments.summary",
        "vad bedömningen kom fram till, i en eller två meningar",
        "what the assessment concluded, in one or two sentences",
    ),
    (
        "assessments.url",
        "länk till bedömningen, om den är publicerad",
        "a link to the assessment, if it is published",
    ),
    (
        "introduced",
        "när systemet började användas, som ÅÅÅÅ-MM-DD",
        "when the system was taken into use, as YYYY-MM-DD",
    ),
    (
        "retired",
        "när systemet slutade användas, som ÅÅÅÅ-MM-DD",
        "when the system stopped being used, as YYYY-MM-DD",
    ),
    (
        "next_review",
        "när uppgifterna ska kontrolleras nästa gång, som ÅÅÅÅ-MM-DD",
        "when the information is to be checked next, as YYYY-MM-DD",
    ),
    (
        "environment",
        "systemets påverkan på klimat och resurser",
        "the system's impact on climate and resources",
    ),
    (
        "links",
        "länkar till mer information, var och en med title och url",
        "links to more information, each with title and url",
    ),
    ("links.title", "länkens text", "the text of the link"),
    (
        "links.url",
        "adressen, som börjar med https://",
        "the address, starting with https://",
    ),
    (
        "tags",
        "nyckelord som hjälper invånare att hitta systemet",
        "keywords that help residents find the system",
    ),
    (
        "change_note",
        "en kort offentlig kommentar till den här ändringen, som visas i postens historik",
        "a short public note on this change, shown in the record's history",
    ),
    (
        "previous_ids",
        "de id posten hade förut, om filen bytt namn, så att historiken följer med",
        "the ids the record had before, if its file was renamed, so that its history follows",
    ),
    (
        "translations",
        "översättningar skrivna av människor, per språkkod, till exempel en",
        "translations written by people, per language code, for example en",
    ),
];

/// The help text for a field path, or an empty string.
pub fn field_help(path: &str, lang: Language) -> &'static str {
    FIELD_HELP
        .iter()
        .find(|(p, ..)| *p == path)
        .map(|(_, sv, en)| match lang {
            Language::Sv => *sv,
            Language::En => *en,
        })
        .unwrap_or("")
}

/// A sort key giving Swedish alphabetical order: a–z, then å, ä, ö; case ignored.
pub fn swedish_sort_key(text: &str) -> Vec<u32> {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'å' => 'z' as u32 + 1,
            'ä' | 'æ' => 'z' as u32 + 2,
            'ö' | 'ø' => 'z' as u32 + 3,
            'é' | 'è' => 'e' as u32,
            'ü' => 'y' as u32,
            other => other as u32,
        })
        .collect()
}
