#!/usr/bin/env python3
"""Compares insyn binaries on one register by running them in turns, so that a
machine that gets slower or faster during the runs affects them alike.

    bench/ab.py SITE BINARY BINARY... [--verb build|check] [--rounds 7]

`build` writes into /dev/shm (memory), so the disk does not decide; `check`
writes nothing. Prints, per binary, the median and fastest wall time and the
median CPU time (user + system) of its runs.
"""
import argparse, os, resource, shutil, statistics, subprocess, tempfile, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--verb", choices=["build", "check"], default="build")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    env = dict(os.environ, INSYN_TODAY=os.environ.get("INSYN_TODAY", "2026-11-22"))
    out = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    runs = {b: [] for b in args.binaries}
    try:
        for _ in range(args.rounds):
            for binary in args.binaries:
                command = [binary, args.verb, "--root", args.site]
                if args.verb == "build":
                    shutil.rmtree(os.path.join(out, "public"), ignore_errors=True)
                    command += ["--output", os.path.join(out, "public")]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.time()
                subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False)
                wall = time.time() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                runs[binary].append((wall, cpu))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    for binary, times in runs.items():
        walls = [w for w, _ in times]
        cpus = [c for _, c in times]
        print(f"{binary}: {args.verb} median {statistics.median(walls):.3f} s, "
              f"fastest {min(walls):.3f} s, CPU median {statistics.median(cpus):.3f} s "
              f"(n={len(times)})")


if __name__ == "__main__":
    main()
