#!/usr/bin/env python3
"""Times `insyn serve`: from saving a record to the moment a browser's reload
request is answered (the long poll on /_insyn/wait returns).

    bench/serve.py SITE [--insyn target/release/insyn] [--runs 20]

SITE is a register made by bench/generate.py. Two kinds of edit are timed: one
that changes only a record's own page (its purpose text) and one that changes
what the listings show (its name).
"""
import argparse, os, re, socket, statistics, subprocess, sys, time, urllib.error, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=60, status=None):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read().decode()
    except urllib.error.HTTPError as e:
        if status is not None:
            status.append(e.code)
            return ""
        sys.exit(f"{url}: {e.code}\n{e.read().decode()[:3000]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--insyn", default="target/release/insyn")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    port = free_port()
    env = dict(os.environ, INSYN_TODAY=os.environ.get("INSYN_TODAY", "2026-11-22"))
    proc = subprocess.Popen(
        [os.path.abspath(args.insyn), "serve", "--port", str(port)],
        cwd=args.site, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.time()
        while True:
            try:
                version = get(f"{base}/_insyn/wait?v=none", timeout=5).strip()
                break
            except OSError:
                if proc.poll() is not None or time.time() - started > 300:
                    sys.exit("insyn serve did not start")
                time.sleep(0.05)
        print(f"first build and serve: {time.time() - started:.2f} s")
        systems = os.path.join(args.site, "register", "systems")
        files = sorted(os.listdir(systems))
        for kind in ("purpose", "name"):
            times, errors = [], 0
            for i in range(args.runs):
                path = os.path.join(systems, files[(i * 7919) % len(files)])
                text = open(path, encoding="utf-8").read()
                if kind == "purpose":
                    edited = re.sub(r"(\npurpose: [|>]-?\n  )", rf"\g<1>Ändrad {i}. ", text, count=1)
                else:
                    edited = re.sub(r'^name: "(.*)"$', rf'name: "\g<1> ({i})"', text, count=1, flags=re.M)
                assert edited != text, f"could not edit {path}"
                time.sleep(0.3)  # let the previous round settle
                t0 = time.time()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(edited)
                version = get(f"{base}/_insyn/wait?v={version}").strip()
                page_url = f"{base}/system/{files[(i * 7919) % len(files)][:-5]}/"
                status = []
                page = get(page_url, status=status)
                if status:
                    # The build read the file while it was being written (a busy
                    # machine): the error page shows until the next rebuild.
                    errors += 1
                    version = get(f"{base}/_insyn/wait?v={version}").strip()
                    page = get(page_url)
                times.append((time.time() - t0) * 1000)
                assert f"Ändrad {i}." in page or f"({i})" in page, \
                    "the reloaded page does not show the edit"
            times.sort()
            print(f"save → reload, {kind} edited: median {statistics.median(times):.0f} ms, "
                  f"p90 {times[int(len(times) * 0.9) - 1]:.0f} ms, max {times[-1]:.0f} ms (n={len(times)}"
                  + (f", {errors} half-written reads" if errors else "") + ")")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
