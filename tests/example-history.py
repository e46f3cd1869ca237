#!/usr/bin/env python3
"""Makes the example register's own history: register/history.git, a bare git
repository with a real-looking Swedish history of register/systems/ (a status
change, a new assessment, a rewritten text, a renamed file, a removed record,
a change to comments only), ending with exactly the records on disk.

The example's site.yaml reads its history from there (`history: { repository:
register/history.git }`), not from this project's own commits. Run it again after
changing the example's records, and commit the result:

    python3 tests/example-history.py

The same records and dates always give the same commits (fixed author,
committer and dates), so the example build stays deterministic.
"""
import os
import pathlib
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SYSTEMS = ROOT / "register" / "systems"
REPO = ROOT / "register" / "history.git"

# A record that was in the register and then removed (it exists only in history).
SKANNING = """name: Tolkning av inskannade fakturor
summary: Läser av leverantörsfakturor som kommer på papper och föreslår hur de ska konteras. Ersatt av e-faktura.
status: in_use
department: Ekonomiavdelningen
purpose: |
  Fakturor på papper tog lång tid att registrera för hand. Tolkningen läser
  av belopp, datum och leverantör så att ekonomiassistenterna bara behöver
  kontrollera uppgifterna.
decision_role: support
human_oversight: |
  En ekonomiassistent kontrollerar varje tolkad faktura och konteringsförslaget
  innan fakturan går vidare till attest. Inget betalas utan att en person har
  attesterat.
data:
  personal_data: personal
  description: |
    Leverantörsfakturor. En del kommer från enskilda firmor och kan innehålla
    namn och adress.
  location: sweden
risk:
  ai_act: minimal
  description: |
    Tolkningen kan läsa fel belopp eller datum. Varje faktura kontrolleras av en
    person och attesteras innan den betalas.
contact:
  email: ekonomi@exempelkommun.se
reviewed: 2025-11-20
technique: [recognition]
supplier:
  name: Dokumenttolkning Norden AB
introduced: 2021-03-01
"""


def git(work, *args, date="2025-11-24T09:00:00+01:00"):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_DIR": str(REPO),
        "GIT_WORK_TREE": str(work),
        "GIT_AUTHOR_NAME": "Registret",
        "GIT_AUTHOR_EMAIL": "registret@exempelkommun.se",
        "GIT_COMMITTER_NAME": "Registret",
        "GIT_COMMITTER_EMAIL": "registret@exempelkommun.se",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", *args], env=env, check=True, stdout=subprocess.DEVNULL)


def current(name):
    return (SYSTEMS / name).read_text(encoding="utf-8")


def replaced(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def main():
    if REPO.exists():
        shutil.rmtree(REPO)
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", "main", str(REPO)],
        check=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"},
    )
    for extra in ["hooks", "info", "description"]:
        path = REPO / extra
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()

    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        systems = work / "register" / "systems"
        systems.mkdir(parents=True)

        def write(name, text):
            (systems / name).write_text(text, encoding="utf-8")

        def commit(message, date):
            git(work, "add", "-A", ".", date=date)
            git(work, "commit", "-q", "-m", message, date=date)

        # 1. The register as first published: every record, some as they were then.
        for path in sorted(SYSTEMS.glob("*.yaml")):
            write(path.name, path.read_text(encoding="utf-8"))
        chattbot = current("chattbot-webbplatsen.yaml")
        write("chattbot-webbplatsen.yaml", replaced(chattbot, "status: in_use", "status: pilot"))
        bistand = current("ekonomiskt-bistand-automatiserad-handlaggning.yaml")
        fria = bistand[bistand.index("  - type: fria"):bistand.index("introduced:")]
        write("ekonomiskt-bistand-automatiserad-handlaggning.yaml", bistand.replace(fria, ""))
        felanmalan = current("felanmalan-sortering.yaml")
        write(
            "felanmalan-sortering.yaml",
            replaced(
                felanmalan,
                "  Arbetsledaren ser alla anmälningar och flyttar dem som hamnat fel. Hur ofta\n  det händer följs upp varje månad.\n",
                "  Arbetsledaren ser alla anmälningar och flyttar dem som hamnat fel.\n",
            ),
        )
        os.rename(systems / "tal-till-text-socialtjansten.yaml", systems / "tal-till-text.yaml")
        skanning = SKANNING
        write("skanning-av-fakturor.yaml", skanning)
        commit("Första versionen av registret", "2025-11-24T09:00:00+01:00")

        # 2. The chatbot goes from pilot to use.
        write("chattbot-webbplatsen.yaml", chattbot)
        commit("Chattboten används nu", "2026-01-12T10:15:00+01:00")

        # 3. A file renamed: same record, same history.
        git(work, "mv", "register/systems/tal-till-text.yaml",
            "register/systems/tal-till-text-socialtjansten.yaml", date="2026-03-09T13:00:00+01:00")
        commit("Tydligare filnamn", "2026-03-09T13:00:00+01:00")

        # 4. New assessments for the automated decisions.
        write("ekonomiskt-bistand-automatiserad-handlaggning.yaml", bistand)
        commit("Nya bedömningar för ekonomiskt bistånd", "2026-05-11T08:30:00+02:00")

        # 5. The text on human oversight, more precise.
        write("felanmalan-sortering.yaml", felanmalan)
        commit("Förtydliga uppföljningen", "2026-06-22T14:45:00+02:00")

        # 6. A system no longer used, removed from the register.
        (systems / "skanning-av-fakturor.yaml").unlink()
        commit("Ta bort fakturatolkningen", "2026-09-14T09:00:00+02:00")

        # 7. Comments and blank lines only: not a version.
        placering = current("placering-i-forskola.yaml")
        write("placering-i-forskola.yaml", "# Granskad av förvaltningen.\n\n" + placering)
        commit("Kommentar", "2026-10-05T11:00:00+02:00")
        write("placering-i-forskola.yaml", placering)
        commit("Ta bort kommentaren", "2026-10-06T11:00:00+02:00")

        # The history ends with the records on disk.
        left = sorted(p.name for p in systems.iterdir())
        assert left == sorted(p.name for p in SYSTEMS.glob("*.yaml")), left
        for name in left:
            assert (systems / name).read_text(encoding="utf-8") == current(name), name
    # Loose objects only: no pack whose bytes could differ between git versions.
    for extra in ["logs", "branches", "index", "COMMIT_EDITMSG"]:
        path = REPO / extra
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


if __name__ == "__main__":
    main()
