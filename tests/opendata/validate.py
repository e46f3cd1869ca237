"""Validates a built site's open data with independent, widely used tools.

    python3 tests/opendata/validate.py public

- register.json against the schema the site publishes (jsonschema);
- register.csv through Python's csv module: every row round-trips to the same
  values as register.json, Swedish characters and multi-line text intact;
- feed.xml with a real feed parser (feedparser): well-formed Atom, one entry per version of a record (or per record without history) and per removed record;
- dcat.jsonld as RDF (rdflib, JSON-LD): a dcat:Dataset with JSON and CSV distributions.
Prints "N passed, N failed" and exits 1 on any failure.
"""
import csv
import io
import json
import sys
from pathlib import Path

import feedparser
import jsonschema
import rdflib

site = Path(sys.argv[1] if len(sys.argv) > 1 else "public")
passed = failed = 0


def check(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print(f"FAIL {name}")
        for p in problems[:20]:
            print(f"     {p}")
    else:
        passed += 1
        print(f"ok   {name}")


register = json.loads((site / "register.json").read_text(encoding="utf-8"))
systems = register["systems"]

# register.json against the published schema
schema = json.loads((site / "schema/register-v1.json").read_text(encoding="utf-8"))
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
check("register.json validates against schema/register-v1.json",
      [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(register)])

# CSV round trip
raw = (site / "register.csv").read_bytes()
problems = [] if raw.startswith(b"\xef\xbb\xbf") else ["no UTF-8 byte order mark (Excel would garble å ä ö)"]
rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
# A cell starting with = + - @ tab CR or ' has one ' in front (so a spreadsheet
# never runs it as a formula); the exact text is the cell without it.
formula_starts = ("=", "+", "-", "@", "\t", "\r", "'")
for row in rows:
    for field, value in row.items():
        if value.startswith("'"):
            if not value[1:].startswith(formula_starts):
                problems.append(f"{row['id']}.{field}: ' before a safe cell: {value!r}")
            row[field] = value[1:]
        elif value.startswith(formula_starts):
            problems.append(f"{row['id']}.{field}: a spreadsheet would run {value!r}")
if len(rows) != len(systems):
    problems.append(f"{len(rows)} rows for {len(systems)} systems")
by_id = {s["id"]: s for s in systems}
for row in rows:
    s = by_id.get(row["id"])
    if s is None:
        problems.append(f"row for unknown id {row['id']}")
        continue
    for field in ["name", "summary", "status", "department", "purpose", "human_oversight", "reviewed", "url"]:
        if row[field] != s[field]:
            problems.append(f"{row['id']}.{field}: {row[field]!r} != {s[field]!r}")
    for field, value in [("data.description", s["data"]["description"]), ("risk.ai_act", s["risk"]["ai_act"]),
                         ("contact.phone", s["contact"].get("phone", ""))]:
        if row[field] != value:
            problems.append(f"{row['id']}.{field} differs")
if not any(any(c in r["department"] + r["name"] for c in "åäö") for r in rows):
    problems.append("no Swedish characters survived")
if not any("\n" in r["purpose"] for r in rows):
    problems.append("no multi-line text survived")
check(f"register.csv round-trips through Python's csv module ({len(rows)} rows)", problems)

# Atom feed
feed = feedparser.parse(str(site / "feed.xml"))
problems = []
if feed.bozo:
    problems.append(f"not well-formed: {feed.bozo_exception}")
if feed.version != "atom10":
    problems.append(f"not Atom 1.0 but {feed.version!r}")
# One entry per version of each record (or one per record without a
# history) and one per removed record; ids unique.
versions = sum(max(len(s.get("history", [])), 1) for s in systems)
removed = register.get("removed", [])
if len(feed.entries) != versions + len(removed):
    problems.append(f"{len(feed.entries)} entries for {versions} versions and {len(removed)} removed records")
if len({e.id for e in feed.entries}) != len(feed.entries):
    problems.append("entry ids are not unique")
for e in feed.entries:
    if not e.get("updated_parsed") or not e.get("link") or not e.get("id"):
        problems.append(f"entry without updated, link or id: {e.get('title')}")
urls = {s["url"] for s in systems} | {r["url"] for r in removed}
if {e.link for e in feed.entries} != urls:
    problems.append("entry links are not the system pages")
check(f"feed.xml parses as Atom with feedparser ({len(feed.entries)} entries)", problems)

# DCAT-AP as JSON-LD
graph = rdflib.Graph()
graph.parse(site / "dcat.jsonld", format="json-ld")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
problems = []
datasets = list(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
if len(datasets) != 1:
    problems.append(f"{len(datasets)} dcat:Dataset")
else:
    dists = list(graph.objects(datasets[0], DCAT.distribution))
    downloads = {str(u) for d in dists for u in graph.objects(d, DCAT.downloadURL)}
    base = systems[0]["url"].split("system/")[0] if systems else ""
    for f in ["register.json", "register.csv"]:
        if base + f not in downloads:
            problems.append(f"no distribution for {base + f}: {downloads}")
    for prop in [DCT.title, DCT.description, DCT.publisher, DCAT.contactPoint, DCT.modified]:
        if graph.value(datasets[0], prop) is None:
            problems.append(f"dataset has no {prop}")
    for d in dists:
        if graph.value(d, DCT.license) is None:
            problems.append(f"distribution {d} has no licence")
check(f"dcat.jsonld parses as RDF with rdflib ({len(graph)} triples)", problems)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
