//! Reading typed values out of a YAML [`Node`] tree while collecting every problem.
//!
//! A [`Fields`] reader wraps one YAML map. Each field the program asks for is
//! remembered, so that whatever is left over is an unknown field, and the closest
//! known name can be suggested. The list of known fields is therefore exactly the
//! list of fields the program reads: there is no second list to keep in step.

use crate::diagnostic::Diagnostic;
use crate::model::{Day, Language, Vocabulary, field_help};
use crate::msg;
use crate::yaml::{Node, Pos, ScalarKind, Spanned};

/// The file being read, and the diagnostics found in it so far.
pub struct Doc<'a> {
    pub file: &'a str,
    pub source: &'a str,
    pub today: jiff::civil::Date,
    /// The language messages are written in (the site's).
    pub lang: Language,
    pub diags: Vec<Diagnostic>,
    /// Nested maps already read: where a stray field of the parent belongs.
    finished: Vec<Finished>,
}

/// A nested map that was read: its path (`data.`), the column its fields start
/// in, the fields it knows and the messages for those that were missing.
struct Finished {
    prefix: String,
    column: u64,
    asked: Vec<&'static str>,
    missing: Vec<(&'static str, String)>,
}

impl<'a> Doc<'a> {
    pub fn new(file: &'a str, source: &'a str, today: jiff::civil::Date, lang: Language) -> Self {
        Doc {
            file,
            source,
            today,
            lang,
            diags: Vec::new(),
            finished: Vec::new(),
        }
    }

    pub fn error(&mut self, code: &'static str, pos: Pos, message: String, hint: String) {
        let d =
            Diagnostic::error(code, self.file, message).at_in(pos.line, pos.column, self.source);
        self.diags
            .push(if hint.is_empty() { d } else { d.hint(hint) });
    }

    pub fn warning(&mut self, code: &'static str, pos: Pos, message: String, hint: String) {
        let d =
            Diagnostic::warning(code, self.file, message).at_in(pos.line, pos.column, self.source);
        self.diags
            .push(if hint.is_empty() { d } else { d.hint(hint) });
    }

    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(Diagnostic::is_error)
    }

    /// A scalar as text; anything else is reported.
    pub fn text(&mut self, path: &str, node: &Spanned<Node>) -> Option<String> {
        match &node.value {
            Node::Scalar { text, .. } => {
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    self.error(
                        "empty-field",
                        node.pos,
                        msg!(
                            self.lang,
                            "Fältet `{path}` är tomt.",
                            "The field `{path}` is empty."
                        ),
                        fill_in_hint(path, self.lang),
                    );
                    None
                } else {
                    Some(text.trim_end().to_owned())
                }
            }
            other => {
                self.error(
                    "wrong-type",
                    node.pos,
                    {
                        let kind = other.kind(self.lang);
                        msg!(self.lang, "Fältet `{path}` ska vara en text, men här står {kind}.", "The field `{path}` should be text, but here it is {kind}.")
                    },
                    msg!(self.lang, "Skriv texten direkt efter kolon, eller med `|` på raden och texten indragen på raderna under.", "Write the text right after the colon, or `|` on the line and the text indented on the lines below."),
                );
                None
            }
        }
    }

    pub fn choice<V: Vocabulary>(&mut self, path: &str, node: &Spanned<Node>) -> Option<V> {
        let text = self.text(path, node)?;
        let value = text.trim();
        if let Some(v) = V::parse(value) {
            return Some(v);
        }
        let key = path.rsplit('.').next().unwrap_or(path);
        if let Some(code) = crate::labels::code_for::<V>(value) {
            let code = code.as_str();
            let allowed = V::allowed();
            let shown = crate::labels::label_of(V::FIELD, code, self.lang)
                .map(|label| {
                    msg!(
                        self.lang,
                        " – på webbplatsen står det ”{label}”",
                        " – the site shows it as “{label}”"
                    )
                })
                .unwrap_or_default();
            self.error(
                "invalid-value",
                node.pos,
                msg!(
                    self.lang,
                    "`{value}` är inte ett tillåtet värde för `{path}`: i filen skrivs en kod, inte ord.",
                    "`{value}` is not an allowed value for `{path}`: the file holds a code, not words."
                ),
                msg!(
                    self.lang,
                    "Skriv `{key}: {code}`{shown}. Tillåtna värden: {allowed}.",
                    "Write `{key}: {code}`{shown}. Allowed values: {allowed}."
                ),
            );
            return None;
        }
        let suggestion = closest(value, V::ALL.iter().map(|v| v.as_str()))
            .map(|s| msg!(self.lang, " Menade du `{s}`?", " Did you mean `{s}`?"))
            .unwrap_or_default();
        self.error(
            "invalid-value",
            node.pos,
            msg!(
                self.lang,
                "`{value}` är inte ett tillåtet värde för `{path}`.",
                "`{value}` is not an allowed value for `{path}`."
            ),
            {
                let allowed = V::allowed();
                msg!(
                    self.lang,
                    "Skriv ett av värdena {allowed} (med små bokstäver, exakt så).{suggestion}",
                    "Write one of {allowed} (in lower case, exactly so).{suggestion}"
                )
            },
        );
        None
    }

    pub fn date(&mut self, path: &str, node: &Spanned<Node>) -> Option<Day> {
        let text = self.text(path, node)?;
        let t = text.trim();
        let shaped = t.len() == 10
            && t.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        let parsed = if shaped {
            t.parse::<jiff::civil::Date>().ok()
        } else {
            None
        };
        match parsed {
            Some(d) => Some(Day(d)),
            None => {
                let message = if shaped {
                    msg!(
                        self.lang,
                        "`{t}` i fältet `{path}` är inget riktigt datum i kalendern.",
                        "`{t}` in `{path}` is not a real calendar date."
                    )
                } else {
                    msg!(
                        self.lang,
                        "`{t}` i fältet `{path}` är inte ett datum i formen ÅÅÅÅ-MM-DD.",
                        "`{t}` in `{path}` is not a date of the form YYYY-MM-DD."
                    )
                };
                self.error(
                    "invalid-date",
                    node.pos,
                    message,
                    msg!(
                        self.lang,
                        "Skriv datumet som år-månad-dag med siffror, till exempel 2026-03-15.",
                        "Write the date as year-month-day in digits, for example 2026-03-15."
                    ),
                );
                None
            }
        }
    }

    pub fn boolean(&mut self, path: &str, node: &Spanned<Node>) -> Option<bool> {
        match &node.value {
            Node::Scalar {
                text,
                kind: ScalarKind::Bool,
            } => match text.trim() {
                "true" | "True" | "TRUE" => Some(true),
                _ => Some(false),
            },
            other => {
                // The nested form to write, never the dotted path (which pasted is wrong).
                let (parent, key) = match path.rsplit_once('.') {
                    Some((parent, key)) => (Some(parent), key),
                    None => (None, path),
                };
                let under = match parent {
                    Some(p) => msg!(
                        self.lang,
                        ", indraget under `{p}:` som nu",
                        ", indented under `{p}:` as now"
                    ),
                    None => String::new(),
                };
                let written = match other {
                    Node::Scalar { text, .. } => text.trim().to_lowercase(),
                    _ => String::new(),
                };
                let meant = match written.as_str() {
                    "ja" | "j" | "sant" | "yes" | "y" | "on" | "1" => Some("true"),
                    "nej" | "n" | "falskt" | "no" | "off" | "0" => Some("false"),
                    _ => None,
                };
                let (message, hint) = match meant {
                    Some(value) => (
                        msg!(
                            self.lang,
                            "`{written}` i `{path}` skrivs `{value}`: ja och nej skrivs `true` och `false`.",
                            "`{written}` in `{path}` is written `{value}`: yes and no are written `true` and `false`."
                        ),
                        msg!(
                            self.lang,
                            "Skriv `{key}: {value}`, utan citattecken{under}.",
                            "Write `{key}: {value}`, without quotes{under}."
                        ),
                    ),
                    None => (
                        msg!(
                            self.lang,
                            "Fältet `{path}` ska vara `true` (ja) eller `false` (nej).",
                            "The field `{path}` should be `true` or `false`."
                        ),
                        msg!(
                            self.lang,
                            "Skriv `{key}: true` eller `{key}: false`, utan citattecken{under}.",
                            "Write `{key}: true` or `{key}: false`, without quotes{under}."
                        ),
                    ),
                };
                self.error("wrong-type", node.pos, message, hint);
                None
            }
        }
    }

    /// A list written on one line with commas (`tags: a, b`): the parts, or
    /// `None` when `node` is not such a text.
    fn comma_list(node: &Spanned<Node>) -> Option<Vec<String>> {
        match &node.value {
            Node::Scalar {
                text,
                kind: ScalarKind::Str,
            } if text.contains(',') && !text.contains('\n') => Some(
                text.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Both ways to write a list, with the editor's own values.
    fn list_forms(&self, key: &str, parts: &[String]) -> String {
        let flow = parts.join(", ");
        let first = parts.first().map(String::as_str).unwrap_or("…");
        msg!(
            self.lang,
            "Skriv listan inom hakparenteser, `{key}: [{flow}]`, eller ett värde per rad under `{key}:`, varje rad indragen och inledd med `- ` (till exempel `  - {first}`).",
            "Write the list in brackets, `{key}: [{flow}]`, or one value per line under `{key}:`, each line indented and starting with `- ` (for example `  - {first}`)."
        )
    }

    /// A list; a single scalar is read as a list of one, which is what an editor means.
    pub fn list<'n>(&mut self, path: &str, node: &'n Spanned<Node>) -> Vec<&'n Spanned<Node>> {
        match &node.value {
            Node::Seq(items) => items.iter().collect(),
            Node::Scalar { .. } => vec![node],
            Node::Null => Vec::new(),
            Node::Map(_) => {
                self.error(
                    "wrong-type",
                    node.pos,
                    msg!(
                        self.lang,
                        "Fältet `{path}` ska vara en lista.",
                        "The field `{path}` should be a list."
                    ),
                    msg!(
                        self.lang,
                        "Skriv varje värde på en egen rad som börjar med `- `.",
                        "Write each value on a line of its own starting with `- `."
                    ),
                );
                Vec::new()
            }
        }
    }

    pub fn email(&mut self, path: &str, node: &Spanned<Node>) -> Option<String> {
        let text = self.text(path, node)?;
        let t = text.trim();
        let valid = match t.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !t
                        .chars()
                        .any(|c| c.is_whitespace() || "<>()[],;:\"".contains(c))
            }
            None => false,
        };
        if valid {
            return Some(t.to_owned());
        }
        self.error(
            "invalid-email",
            node.pos,
            msg!(self.lang, "`{t}` i fältet `{path}` är ingen giltig e-postadress.", "`{t}` in `{path}` is not a valid email address."),
            msg!(self.lang, "Skriv bara adressen, till exempel namn@kommun.se, utan `mailto:` och utan mellanslag.", "Write just the address, for example name@municipality.se, without `mailto:` and without spaces."),
        );
        None
    }

    /// A web address, published as parsed and normalised (never the raw text),
    /// so that what the page says is where the browser goes.
    pub fn url(&mut self, path: &str, node: &Spanned<Node>) -> Option<String> {
        let text = self.text(path, node)?;
        let t = text.trim();
        let parsed = url::Url::parse(t)
            .ok()
            .filter(|u| (u.scheme() == "https" || u.scheme() == "http") && u.host().is_some());
        let Some(u) = parsed else {
            self.error(
                "invalid-url",
                node.pos,
                msg!(self.lang, "`{t}` i fältet `{path}` är ingen giltig webbadress.", "`{t}` in `{path}` is not a valid web address."),
                msg!(self.lang, "Skriv hela adressen med `https://` först, till exempel https://www.kommun.se/ai.", "Write the full address starting with `https://`, for example https://www.municipality.se/ai."),
            );
            return None;
        };
        let host = u.host_str().unwrap_or_default().to_owned();
        // A browser reads `\` as `/` and drops tabs and line breaks: the address
        // would not go where its text seems to say.
        if t.contains('\\') || t.chars().any(char::is_control) {
            self.error(
                "misleading-url",
                node.pos,
                msg!(self.lang, "Adressen `{t}` i fältet `{path}` har ett omvänt snedstreck, en radbrytning eller ett annat osynligt tecken. En webbläsare skulle gå till `{host}`.", "The address `{t}` in `{path}` holds a backslash, a line break or another invisible character. A browser would go to `{host}`."),
                msg!(self.lang, "Skriv adressen på en rad med vanliga snedstreck `/`, till exempel https://www.kommun.se/ai.", "Write the address on one line with ordinary slashes `/`, for example https://www.municipality.se/ai."),
            );
            return None;
        }
        if !u.username().is_empty() || u.password().is_some() {
            self.error(
                "url-credentials",
                node.pos,
                msg!(self.lang, "Adressen i fältet `{path}` har ett användarnamn eller lösenord före `@`. En webbläsare skulle gå till `{host}`, och uppgifterna skulle publiceras.", "The address in `{path}` holds a user name or password before `@`. A browser would go to `{host}`, and the details would be published."),
                msg!(self.lang, "Ta bort allt mellan `//` och `@`, så att adressen börjar med https://{host}/.", "Remove everything between `//` and `@`, so that the address starts with https://{host}/."),
            );
            return None;
        }
        Some(u.as_str().to_owned())
    }

    pub fn phone(&mut self, path: &str, node: &Spanned<Node>) -> Option<String> {
        let text = self.text(path, node)?;
        let t = text.trim();
        let digits = t.chars().filter(char::is_ascii_digit).count();
        if digits >= 3 && t.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
            return Some(t.to_owned());
        }
        self.error(
            "invalid-phone",
            node.pos,
            msg!(self.lang, "`{t}` i fältet `{path}` är inget telefonnummer.", "`{t}` in `{path}` is not a phone number."),
            msg!(self.lang, "Skriv numret med siffror, gärna med riktnummer, till exempel 08-123 456 78 eller +46 8 123 456 78.", "Write the number in digits, with area code, for example 08-123 456 78 or +46 8 123 456 78."),
        );
        None
    }
}

/// A small number as a word (`två mellanslag`), as a person would write it.
fn count_words(n: u64, lang: Language) -> String {
    let sv = [
        "noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta",
    ];
    let en = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight",
    ];
    let words = if lang == Language::Sv { sv } else { en };
    usize::try_from(n)
        .ok()
        .and_then(|i| words.get(i))
        .map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

fn fill_in_hint(path: &str, lang: Language) -> String {
    let help = field_help(path, lang);
    if help.is_empty() {
        msg!(
            lang,
            "Fyll i ett värde eller ta bort raden.",
            "Fill in a value or remove the line."
        )
    } else {
        msg!(lang, "Fyll i {help}.", "Fill in {help}.")
    }
}

/// Swedish (and common English) words editors type for a field, mapped to the real name.
const SYNONYMS: &[(&str, &str)] = &[
    ("namn", "name"),
    ("title", "name"),
    ("titel", "name"),
    ("sammanfattning", "summary"),
    ("beskrivning", "summary"),
    ("description", "summary"),
    ("forvaltning", "department"),
    ("förvaltning", "department"),
    ("avdelning", "department"),
    ("syfte", "purpose"),
    ("beslut", "decision_role"),
    ("manniska", "human_oversight"),
    ("tillsyn", "human_oversight"),
    ("oversight", "human_oversight"),
    ("data_description", "data"),
    ("uppgifter", "data"),
    ("risker", "risk"),
    ("risks", "risk"),
    ("kontakt", "contact"),
    ("epost", "email"),
    ("e-post", "email"),
    ("mail", "email"),
    ("telefon", "phone"),
    ("granskad", "reviewed"),
    ("last_reviewed", "reviewed"),
    ("teknik", "technique"),
    ("leverantor", "supplier"),
    ("leverantör", "supplier"),
    ("vendor", "supplier"),
    ("taggar", "tags"),
    ("lankar", "links"),
    ("länkar", "links"),
    ("rattslig_grund", "legal_basis"),
    ("overklagande", "appeal"),
    ("klagomal", "appeal"),
    ("personuppgifter", "personal_data"),
    ("ai_forordningen", "ai_act"),
];

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn closest<'c>(
    word: &str,
    candidates: impl Iterator<Item = &'c str> + Clone,
) -> Option<&'c str> {
    let lower = word.to_lowercase();
    if let Some((_, target)) = SYNONYMS.iter().find(|(w, _)| *w == lower)
        && let Some(c) = candidates.clone().find(|c| c == target)
    {
        return Some(c);
    }
    // Close in edits (typos), or close in Jaro-Winkler (shared start: `policy`/`policies`).
    candidates
        .map(|c| {
            (
                strsim::jaro_winkler(&lower, c),
                strsim::damerau_levenshtein(&lower, c),
                c,
            )
        })
        .filter(|(similar, distance, c)| *distance <= (c.len() / 3).max(2) || *similar >= 0.88)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(&a.1)))
        .map(|(_, _, c)| c)
}

/// One YAML map being read field by field.
pub struct Fields<'n> {
    entries: &'n [(Spanned<String>, Spanned<Node>)],
    /// `data.` for fields of the `data` map; empty at the top.
    prefix: String,
    /// Where missing fields are reported: the map's key, or the top of the file.
    pos: Pos,
    asked: Vec<&'static str>,
    /// Required fields found missing: reported by [`Fields::finish`], unless a
    /// misspelt field explains them.
    missing: Vec<(&'static str, Pos, String, String)>,
}

impl<'n> Fields<'n> {
    /// Reads `node` as a map; reports anything else.
    pub fn of(doc: &mut Doc, path: &str, node: &'n Spanned<Node>) -> Option<Self> {
        match &node.value {
            Node::Map(entries) => Some(Fields {
                entries,
                prefix: if path.is_empty() {
                    String::new()
                } else {
                    format!("{path}.")
                },
                pos: node.pos,
                asked: Vec::new(),
                missing: Vec::new(),
            }),
            other => {
                let kind = other.kind(doc.lang);
                let (message, hint) = if path.is_empty() {
                    (
                        msg!(
                            doc.lang,
                            "Filen ska bestå av fält i formen `namn: värde`, men den innehåller {kind}.",
                            "The file should consist of fields of the form `name: value`, but it contains {kind}."
                        ),
                        msg!(
                            doc.lang,
                            "Börja varje rad längst till vänster med ett fältnamn, till exempel `name: Chattbot`. Jämför med en fil som fungerar.",
                            "Start each line at the left margin with a field name, for example `name: Chatbot`. Compare with a file that works."
                        ),
                    )
                } else {
                    (
                        msg!(
                            doc.lang,
                            "Fältet `{path}` ska innehålla egna fält på indragna rader, men här står {kind}.",
                            "The field `{path}` should contain fields of its own on indented lines, but here it is {kind}."
                        ),
                        msg!(
                            doc.lang,
                            "Skriv `{path}:` på en egen rad och fälten under, indragna med två mellanslag.",
                            "Write `{path}:` on a line of its own and its fields below, indented by two spaces."
                        ),
                    )
                };
                doc.error("wrong-type", node.pos, message, hint);
                None
            }
        }
    }

    pub fn path(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    /// The value of `key`, unless absent or empty (`key:` with nothing after it,
    /// `""`, or a `|` block with no text).
    pub fn get(&mut self, key: &'static str) -> Option<&'n Spanned<Node>> {
        self.asked.push(key);
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
            .filter(|v| match &v.value {
                Node::Null => false,
                Node::Scalar {
                    text,
                    kind: ScalarKind::Str,
                } => !text.trim().is_empty(),
                _ => true,
            })
    }

    /// Like [`Fields::get`], but a missing field is an error that says what it is for.
    pub fn require(&mut self, doc: &mut Doc, key: &'static str) -> Option<&'n Spanned<Node>> {
        self.require_explained(doc, key, String::new)
    }

    /// [`Fields::require`] with more to say when the field is missing (e.g. allowed values).
    fn require_explained(
        &mut self,
        doc: &mut Doc,
        key: &'static str,
        extra: impl FnOnce() -> String,
    ) -> Option<&'n Spanned<Node>> {
        let value = self.get(key);
        if value.is_none() {
            let extra = extra();
            let path = self.path(key);
            let help = field_help(&path, doc.lang);
            let hint = if help.is_empty() {
                msg!(
                    doc.lang,
                    "Lägg till `{key}:`.{extra}",
                    "Add `{key}:`.{extra}"
                )
            } else {
                msg!(
                    doc.lang,
                    "Lägg till `{key}:` med {help}.{extra}",
                    "Add `{key}:` with {help}.{extra}"
                )
            };
            match self.entries.iter().find(|(k, _)| k.value == key) {
                // Written but left empty: say so where it is.
                Some((k, _)) => doc.error(
                    "missing-field",
                    k.pos,
                    msg!(
                        doc.lang,
                        "Fältet `{path}` är tomt.",
                        "The field `{path}` is empty."
                    ),
                    hint,
                ),
                None => self.missing.push((
                    key,
                    self.pos,
                    msg!(
                        doc.lang,
                        "Fältet `{path}` saknas.",
                        "The field `{path}` is missing."
                    ),
                    hint,
                )),
            }
        }
        value
    }

    pub fn req_text(&mut self, doc: &mut Doc, key: &'static str) -> Option<String> {
        let node = self.require(doc, key)?;
        doc.text(&self.path(key), node)
    }

    pub fn opt_text(&mut self, doc: &mut Doc, key: &'static str) -> Option<String> {
        let node = self.get(key)?;
        doc.text(&self.path(key), node)
    }

    pub fn req_choice<V: Vocabulary>(&mut self, doc: &mut Doc, key: &'static str) -> Option<V> {
        self.req_choice_at(doc, key).map(|(v, _)| v)
    }

    /// [`Fields::req_choice`], with where the value stands (for later warnings).
    pub fn req_choice_at<V: Vocabulary>(
        &mut self,
        doc: &mut Doc,
        key: &'static str,
    ) -> Option<(V, Pos)> {
        let lang = doc.lang;
        let allowed = || {
            let values = V::allowed();
            msg!(
                lang,
                " Tillåtna värden: {values}.",
                " Allowed values: {values}."
            )
        };
        let node = self.require_explained(doc, key, allowed)?;
        doc.choice(&self.path(key), node).map(|v| (v, node.pos))
    }

    pub fn req_date(&mut self, doc: &mut Doc, key: &'static str) -> Option<(Day, Pos)> {
        let node = self.require(doc, key)?;
        doc.date(&self.path(key), node).map(|d| (d, node.pos))
    }

    pub fn opt_date(&mut self, doc: &mut Doc, key: &'static str) -> Option<(Day, Pos)> {
        let node = self.get(key)?;
        doc.date(&self.path(key), node).map(|d| (d, node.pos))
    }

    pub fn opt_bool(&mut self, doc: &mut Doc, key: &'static str) -> Option<bool> {
        let node = self.get(key)?;
        doc.boolean(&self.path(key), node)
    }

    pub fn opt_url(&mut self, doc: &mut Doc, key: &'static str) -> Option<String> {
        let node = self.get(key)?;
        doc.url(&self.path(key), node)
    }

    /// A list of texts (a single text counts as a list of one).
    pub fn text_list(&mut self, doc: &mut Doc, key: &'static str) -> Vec<String> {
        let Some(node) = self.get(key) else {
            return Vec::new();
        };
        let path = self.path(key);
        if let Some(parts) = Doc::comma_list(node) {
            let text = parts.join(", ");
            doc.warning(
                "list-on-one-line",
                node.pos,
                msg!(
                    doc.lang,
                    "`{path}` ser ut att vara en lista skriven på en rad med komman: den blir ett enda värde, ”{text}”.",
                    "`{path}` looks like a list written on one line with commas: it becomes a single value, “{text}”."
                ),
                doc.list_forms(key, &parts),
            );
        }
        doc.list(&path, node)
            .into_iter()
            .filter_map(|item| doc.text(&path, item))
            .collect()
    }

    pub fn choice_list<V: Vocabulary>(&mut self, doc: &mut Doc, key: &'static str) -> Vec<V> {
        let Some(node) = self.get(key) else {
            return Vec::new();
        };
        let path = self.path(key);
        if let Some(parts) = Doc::comma_list(node) {
            doc.error(
                "list-on-one-line",
                node.pos,
                msg!(
                    doc.lang,
                    "`{path}` är en lista, men värdena står på en rad med komman emellan.",
                    "`{path}` is a list, but the values are written on one line with commas."
                ),
                doc.list_forms(key, &parts),
            );
            return Vec::new();
        }
        doc.list(&path, node)
            .into_iter()
            .filter_map(|item| doc.choice(&path, item))
            .collect()
    }

    /// A nested map, read with `read`.
    pub fn map<T>(
        &mut self,
        doc: &mut Doc,
        key: &'static str,
        required: bool,
        read: impl FnOnce(&mut Doc, Fields<'n>) -> Option<T>,
    ) -> Option<T> {
        let node = if required {
            self.require(doc, key)?
        } else {
            self.get(key)?
        };
        let mut fields = Fields::of(doc, &self.path(key), node)?;
        fields.pos = self
            .entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(k, _)| k.pos)
            .unwrap_or(node.pos);
        read(doc, fields)
    }

    /// A list of maps, each read with `read`.
    pub fn map_list<T>(
        &mut self,
        doc: &mut Doc,
        key: &'static str,
        mut read: impl FnMut(&mut Doc, Fields<'n>) -> Option<T>,
    ) -> Vec<T> {
        let Some(node) = self.get(key) else {
            return Vec::new();
        };
        let path = self.path(key);
        let items: Vec<&'n Spanned<Node>> = match &node.value {
            Node::Seq(items) => items.iter().collect(),
            _ => {
                doc.error(
                    "wrong-type",
                    node.pos,
                    msg!(doc.lang, "Fältet `{path}` ska vara en lista.", "The field `{path}` should be a list."),
                    msg!(doc.lang, "Börja varje post i listan med `- ` på en egen rad, med fälten indragna under.", "Start each item with `- ` on a line of its own, with its fields indented below."),
                );
                return Vec::new();
            }
        };
        items
            .into_iter()
            .filter_map(|item| {
                let fields = Fields::of(doc, &path, item)?;
                read(doc, fields)
            })
            .collect()
    }

    /// Where this map starts (for messages about the map as a whole).
    pub fn pos(&self) -> Pos {
        self.pos
    }

    /// Reports every field that was never asked for (the typos), and every
    /// required field that is missing. A typo of a missing field is one mistake,
    /// so it gets one message.
    pub fn finish(self, doc: &mut Doc) {
        let mut explained: Vec<&str> = Vec::new();
        for (key, _) in self.entries {
            if self.asked.iter().any(|a| *a == key.value) {
                continue;
            }
            if self.belongs_below(doc, key) {
                continue;
            }
            let path = self.path(&key.value);
            let hint = match closest(&key.value, self.asked.iter().copied()) {
                Some(s) if self.missing.iter().any(|(m, ..)| *m == s) => {
                    explained.push(s);
                    msg!(
                        doc.lang,
                        "Menade du `{s}`? Det fältet krävs och saknas, så rätta stavningen till `{s}`.",
                        "Did you mean `{s}`? That field is required and missing, so correct the spelling to `{s}`."
                    )
                }
                Some(s) => msg!(
                    doc.lang,
                    "Menade du `{s}`? Rätta stavningen; fält som inte finns i formatet är inte tillåtna.",
                    "Did you mean `{s}`? Correct the spelling; fields that are not part of the format are not allowed."
                ),
                None => {
                    let known = self
                        .asked
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    msg!(
                        doc.lang,
                        "Ta bort fältet, eller använd ett av de kända fälten här: {known}.",
                        "Remove the field, or use one of the known fields here: {known}."
                    )
                }
            };
            doc.error(
                "unknown-field",
                key.pos,
                msg!(doc.lang, "Okänt fält `{path}`.", "Unknown field `{path}`."),
                hint,
            );
        }
        let mut missing = Vec::new();
        for (key, pos, message, hint) in self.missing {
            if !explained.contains(&key) {
                missing.push((key, message.clone()));
                doc.error("missing-field", pos, message, hint);
            }
        }
        if !self.prefix.is_empty() {
            let column = self.entries.first().map_or(0, |(k, _)| k.pos.column);
            doc.finished.push(Finished {
                prefix: self.prefix,
                column,
                asked: self.asked,
                missing,
            });
        }
    }

    /// A field of a nested map written at this level (`location:` not indented
    /// under `data:`): one message saying where it belongs, in place of
    /// "unknown" here and "missing" there.
    fn belongs_below(&self, doc: &mut Doc, key: &Spanned<String>) -> bool {
        let children = doc.finished.iter().filter(|f| {
            f.prefix
                .strip_prefix(&self.prefix)
                .is_some_and(|rest| rest.matches('.').count() == 1)
                && f.asked.iter().any(|a| *a == key.value)
        });
        // Only where it is missing: a field both here and there is another mistake.
        let Some(child) = children
            .clone()
            .find(|f| f.missing.iter().any(|(m, _)| *m == key.value))
        else {
            return false;
        };
        let parent = child.prefix[self.prefix.len()..]
            .trim_end_matches('.')
            .to_owned();
        let Some((parent_key, _)) = self.entries.iter().find(|(k, _)| k.value == parent) else {
            return false;
        };
        let spaces = child.column.saturating_sub(parent_key.pos.column);
        let gone = child
            .missing
            .iter()
            .find(|(m, _)| *m == key.value)
            .map(|(_, message)| message.clone());
        let Some(gone) = gone else {
            return false;
        };
        // Right below the parent's fields: indenting the line is enough.
        let right_below = self
            .entries
            .iter()
            .filter(|(k, _)| k.pos.line < key.pos.line)
            .max_by_key(|(k, _)| k.pos.line)
            .is_some_and(|(k, _)| k.value == parent);
        let line = doc
            .source
            .lines()
            .nth(usize::try_from(key.pos.line.saturating_sub(1)).unwrap_or(0))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let fixed = format!(
            "{}{line}",
            " ".repeat(usize::try_from(child.column.saturating_sub(1)).unwrap_or(0))
        );
        let n = count_words(spaces, doc.lang);
        let name = &key.value;
        let hint = if right_below {
            msg!(
                doc.lang,
                "Dra in raden {n} mellanslag, så att den står under `{parent}:` med de andra fälten där: `{fixed}`",
                "Indent the line by {n} spaces, so that it stands under `{parent}:` with the other fields there: `{fixed}`"
            )
        } else {
            msg!(
                doc.lang,
                "Flytta raden till under `{parent}:` och dra in den {n} mellanslag, som de andra fälten där: `{fixed}`",
                "Move the line to below `{parent}:` and indent it by {n} spaces, like the other fields there: `{fixed}`"
            )
        };
        doc.error(
            "field-wrong-level",
            key.pos,
            msg!(
                doc.lang,
                "`{name}` hör till `{parent}:` — dra in raden {n} mellanslag under `{parent}:`.",
                "`{name}` belongs under `{parent}:` — indent the line by {n} spaces under `{parent}:`."
            ),
            hint,
        );
        doc.diags
            .retain(|d| !(d.code == "missing-field" && d.message == gone));
        true
    }
}
