#!/usr/bin/env python3
"""Gives a synthetic register (bench/generate.py) a git history of N commits.

    python3 bench/generate.py 10000 /tmp/reg
    python3 bench/history.py /tmp/reg 1000
    INSYN_TIMINGS=1 insyn build --root /tmp/reg --output /tmp/out

The first commit adds every record as it is on disk; each later commit
changes one to five records (a rewritten purpose), and every 50th removes a
record (its file is deleted from disk too). The last commit restores the files on
disk, so the history ends where the register is. Written with one
`git fast-import`, fixed dates: deterministic and quick.
"""
import random
import subprocess
import sys
from pathlib import Path


def main():
    root, commits = Path(sys.argv[1]), int(sys.argv[2])
    systems = root / "register" / "systems"
    files = sorted(p.name for p in systems.glob("*.yaml"))
    text = {name: (systems / name).read_text(encoding="utf-8") for name in files}
    rng = random.Random(commits)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    out = []
    mark = 0
    time = 1735722000  # 2025-01-01

    def blob(data):
        nonlocal mark
        mark += 1
        raw = data.encode("utf-8")
        out.append(b"blob\nmark :%d\ndata %d\n" % (mark, len(raw)) + raw + b"\n")
        return mark

    def commit(message, changes):
        nonlocal time
        time += 3600 * 7
        msg = message.encode("utf-8")
        head = (b"commit refs/heads/main\ncommitter Bench <bench@example.invalid> %d +0100\n"
                b"data %d\n" % (time, len(msg)) + msg + b"\n")
        body = b"".join(changes)
        out.append(head + body + b"\n")

    def write(name, data):
        return b"M 100644 :%d register/systems/%s\n" % (blob(data), name.encode())

    commit("Första versionen", [write(n, text[n]) for n in files])
    removed = set()
    for i in range(1, commits - 1):
        if i % 50 == 0:
            name = rng.choice(files)
            if name not in removed:
                removed.add(name)
                commit(f"Ta bort {i}", [b"D register/systems/%s\n" % name.encode()])
                continue
        changes = []
        for name in rng.sample(files, rng.randint(1, 5)):
            if name in removed:
                continue
            t = text[name].replace("purpose: ", f"purpose: Version {i}. ", 1)
            changes.append(write(name, t))
        commit(f"Ändring {i}", changes)
    # Back to the files on disk (the removed ones stay removed).
    commit("Kontrollerade uppgifterna", [write(n, text[n]) for n in files if n not in removed])
    for name in removed:
        (systems / name).unlink()
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(out), check=True)
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True)


if __name__ == "__main__":
    main()
