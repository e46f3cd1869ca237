#!/usr/bin/env python3
"""Writes a synthetic register of N realistic records for benchmarks.

    python3 bench/generate.py N DIR [--hugo HUGODIR]

Lengths are like real records: a summary of about 150 characters, Markdown fields
of a few paragraphs with lists and links, about 300 departments at 10,000 records
(departments ≈ 3 % of records). Deterministic: the same N gives the same files.
With --hugo, also writes an equivalent minimal Hugo site (one page per record with
the same four Markdown fields, one list page per department) for comparison.
"""
import random
import sys
from pathlib import Path

WORDS = ("kommun invånare handläggare beslut uppgifter system stöd risk granskning "
         "ansökan förvaltning verksamhet modell text underlag kontroll ärende tjänst "
         "personal dokumentation analys planering säkerhet integritet leverantör "
         "förslag resultat bedömning information medarbetare socialtjänst skola").split()
STATUS = ["planned", "pilot", "in_use", "in_use", "in_use", "retired"]
ROLES = ["none", "support", "support", "automated_with_review", "automated"]
PERSONAL = ["none", "personal", "personal", "sensitive"]
LOCATION = ["sweden", "eu", "eu", "outside_eu"]
ACT = ["minimal", "minimal", "limited", "high"]


def sentence(rng, lo=8, hi=18):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + "."


def paragraph(rng):
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))


def markdown(rng):
    parts = [paragraph(rng)]
    parts.append("\n".join(f"- {sentence(rng, 4, 9)}" for _ in range(rng.randint(2, 4))))
    parts.append(f"{paragraph(rng)} Läs mer på [kommunens webbplats](https://www.example.se/{rng.randint(1, 999)}).")
    return "\n\n".join(parts)


def block(text, indent="  "):
    return "|\n" + "\n".join(indent + line if line else "" for line in text.split("\n"))


def main():
    n = int(sys.argv[1])
    root = Path(sys.argv[2])
    hugo = Path(sys.argv[sys.argv.index("--hugo") + 1]) if "--hugo" in sys.argv else None
    rng = random.Random(n)
    departments = [f"Förvaltning {i:03d} för {rng.choice(WORDS)}" for i in range(max(3, n * 3 // 100))]
    systems = root / "register" / "systems"
    systems.mkdir(parents=True, exist_ok=True)
    (root / "register" / "site.yaml").write_text(
        "organisation:\n  name: Benchmarkkommun\n  contact:\n    email: ai@bench.example\n"
        "site:\n  base_url: https://ai.bench.example/\naccessibility:\n  compliance: partial\n"
        "  assessed: 2026-01-15\n  method: self-assessment\n  known_issues:\n    - Syntetiska data.\n",
        encoding="utf-8")
    if hugo:
        (hugo / "content" / "system").mkdir(parents=True, exist_ok=True)
        (hugo / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
        (hugo / "hugo.toml").write_text(
            'baseURL = "https://ai.bench.example/"\ntitle = "Benchmark"\n'
            'disableKinds = ["RSS", "sitemap", "taxonomy", "term"]\n'
            '[taxonomies]\n  department = "departments"\n', encoding="utf-8")
        (hugo / "layouts" / "_default" / "single.html").write_text(
            "<!doctype html><html><head><title>{{ .Title }}</title></head><body><main>"
            "<h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>{{ .Content }}"
            "{{ .Params.human_oversight | markdownify }}{{ .Params.data_description | markdownify }}"
            "{{ .Params.risk_description | markdownify }}</main></body></html>\n", encoding="utf-8")
        (hugo / "layouts" / "_default" / "list.html").write_text(
            "<!doctype html><html><head><title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1>"
            "<ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>"
            "</main></body></html>\n", encoding="utf-8")
        (hugo / "layouts" / "_default" / "terms.html").write_text(
            "<!doctype html><html><body><ul>{{ range .Pages }}<li>{{ .Title }}</li>{{ end }}</ul></body></html>\n",
            encoding="utf-8")
        (hugo / "hugo.toml").write_text(
            'baseURL = "https://ai.bench.example/"\ntitle = "Benchmark"\n'
            'disableKinds = ["RSS", "sitemap"]\n[taxonomies]\n  department = "departments"\n', encoding="utf-8")
    for i in range(n):
        name = f"{sentence(rng, 2, 5)[:-1]} {i}"
        summary = sentence(rng, 18, 24)[:290]
        purpose, oversight, data, risk = (markdown(rng) for _ in range(4))
        department = rng.choice(departments)
        status = rng.choice(STATUS)
        record = (
            f"name: \"{name}\"\nsummary: \"{summary}\"\nstatus: {status}\n"
            f"department: \"{department}\"\npurpose: {block(purpose)}\n"
            f"decision_role: {rng.choice(ROLES)}\nhuman_oversight: {block(oversight)}\n"
            f"data:\n  personal_data: {rng.choice(PERSONAL)}\n  description: {block(data, '    ')}\n"
            f"  location: {rng.choice(LOCATION)}\n"
            f"risk:\n  ai_act: {rng.choice(ACT)}\n  description: {block(risk, '    ')}\n"
            f"contact:\n  email: ai{i % 50}@bench.example\nreviewed: 2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n"
            f"legal_basis: Förvaltningslagen 28 §.\nappeal: Du kan begära omprövning.\n"
            f"assessments:\n  - type: dpia\n  - type: fria\n"
        )
        if status == "retired":
            record += "retired: 2026-01-01\n"
        (systems / f"system-{i:06d}.yaml").write_text(record, encoding="utf-8")
        if hugo:
            front = {"title": name, "summary": summary, "departments": [department],
                     "human_oversight": oversight, "data_description": data, "risk_description": risk}
            import json
            (hugo / "content" / "system" / f"system-{i:06d}.md").write_text(
                json.dumps(front, ensure_ascii=False) + "\n\n" + purpose + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
