#!/usr/bin/env bash
# `make bench`: whole-process comparison of bachata1c with the two baselines, in one run.
#
#   bench/run.sh BINARY
#
# Environment: FILES (10000), CLIENTS (50000), RUNS (3, hyperfine runs per command),
# JQ_RUNS (1: the jq loop takes minutes per run; 0 leaves it out), FRESH (2000), BENCH_DIR (bench/out, git-ignored),
# BASELINE (another bachata1c, e.g. main's, whose worst-case memory is measured beside this one's).
# Needs hyperfine, jq, iconv, python3 and GNU time (`apt-get install hyperfine jq time`);
# installs nothing itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "$1")
files=${FILES:-10000}
clients=${CLIENTS:-50000}
runs=${RUNS:-3}
jq_runs=${JQ_RUNS:-1}
work=${BENCH_DIR:-bench/out}
small=$((files / 10))

missing=()
for tool in hyperfine jq iconv python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -x /usr/bin/time ] || missing+=("time (GNU time at /usr/bin/time)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "make bench needs: ${missing[*]}. On Debian: apt-get install hyperfine jq time" >&2
  exit 2
fi

mkdir -p "$work"
work=$(realpath "$work")
inbox=$work/corpus/inbox-$files
inbox_small=$work/corpus/inbox-$small
big=$work/corpus/big-$clients/clients-$clients.json
[ -d "$inbox" ] || python3 bench/gen_corpus.py inbox "$inbox" --files "$files"
[ -d "$inbox_small" ] || python3 bench/gen_corpus.py inbox "$inbox_small" --files "$small"
[ -f "$big" ] || python3 bench/gen_corpus.py big "$big" --clients "$clients"
results=$work/results
rm -rf "$results" && mkdir -p "$results"
scratch=$work/scratch

# `run` belongs to the exchange folder feature; measure it when this binary has it and it
# converts a small inbox cleanly.
has_run=no
if "$bin" run --help >/dev/null 2>&1; then
  rm -rf "$scratch" && mkdir -p "$scratch/x/inbox" && cp -p "$inbox_small"/hook-00000*.json "$scratch/x/inbox/"
  if "$bin" run --dir "$scratch/x" >"$results/run-smoke.log" 2>&1; then
    has_run=yes
  else
    echo "bachata1c run failed on a small inbox (see $results/run-smoke.log): not measured" >&2
  fi
fi
echo "bachata1c: $("$bin" --version); run subcommand measured: $has_run" | tee "$results/about.txt"

# One hyperfine run per corpus over every tool, so the ratios come from the same conditions.
# --prepare gives each run an empty output folder (and `run` a fresh copy of the inbox).
measure() { # name input
  local name=$1 input=$2 prep="rm -rf $scratch && mkdir -p $scratch"
  local args=(--runs "$runs" --export-json "$results/$name.json" --export-markdown "$results/$name.md"
    --prepare "$prep" -n "bachata1c convert" "$bin convert $input --out $scratch/out --quiet"
    --prepare "$prep" -n "python baseline" "python3 bench/baseline.py $input --out $scratch/out")
  if [ $has_run = yes ]; then
    # -p keeps the files' times: they have sat in the inbox for a while, so `run` need not
    # wait for them to settle (that wait is not work; it is measured apart in the README).
    local copy="mkdir -p $scratch/x/inbox && cp -p $input $scratch/x/inbox/"
    [ -d "$input" ] && copy="mkdir -p $scratch/x && cp -rp $input $scratch/x/inbox"
    args+=(--prepare "$prep && $copy" -n "bachata1c run" "$bin run --dir $scratch/x")
  fi
  hyperfine "${args[@]}"
  # JQ_RUNS=0 leaves the jq loop out (minutes per run; it only shows what a shell script costs).
  [ "$jq_runs" -gt 0 ] || return 0
  hyperfine --runs "$jq_runs" --export-json "$results/$name-jq.json" --export-markdown "$results/$name-jq.md" \
    --prepare "$prep" -n "jq+iconv shell loop" "bench/baseline_jq.sh $input $scratch/out"
}

# Peak memory (max RSS) of one run of each tool, by GNU time.
peak() { # label input command...
  local label=$1 input=$2
  shift 2
  rm -rf "$scratch" && mkdir -p "$scratch"
  if [[ $label == *"bachata1c run"* ]]; then
    mkdir -p "$scratch/x"
    if [ -d "$input" ]; then cp -rp "$input" "$scratch/x/inbox"; else mkdir -p "$scratch/x/inbox" && cp -p "$input" "$scratch/x/inbox/"; fi
  fi
  /usr/bin/time -f "%M" -o "$results/rss.tmp" "$@" >/dev/null 2>&1 || true
  printf '%s\t%s\n' "$label" "$(tail -1 "$results/rss.tmp")" >>"$results/rss.tsv"
}

measure inbox "$inbox"
measure big "$big"

# Freshly written files at default settings (issue 10): `run` takes a file that parses at once,
# without waiting for it to stand still. The copy has new times (no -p), as files just written.
fresh=${FRESH:-2000}
inbox_fresh=$work/corpus/inbox-$fresh
[ -d "$inbox_fresh" ] || python3 bench/gen_corpus.py inbox "$inbox_fresh" --files "$fresh"
if [ $has_run = yes ]; then
  prep="rm -rf $scratch && mkdir -p $scratch"
  hyperfine --runs "$runs" --export-json "$results/fresh.json" --export-markdown "$results/fresh.md" \
    --prepare "$prep" -n "python baseline" "python3 bench/baseline.py $inbox_fresh --out $scratch/out" \
    --prepare "$prep && mkdir -p $scratch/x && cp -r $inbox_fresh $scratch/x/inbox" \
    -n "bachata1c run" "$bin run --dir $scratch/x"
fi

# `watch` at default settings: from a writer's close to the file in the outbox.
python3 bench/watch_latency.py "$bin" 200 | tee "$results/watch-latency.txt"

# The worst inputs of the size limit, and the memory each command takes on them
# (docs/errors-and-limits.md); with BASELINE=another binary, that one beside it.
python3 bench/worst_memory.py "$bin" ${BASELINE:+--baseline "$BASELINE"} | tee "$results/worst-memory.txt"

: >"$results/rss.tsv"
for corpus in "inbox:$inbox" "inbox-small:$inbox_small" "big:$big"; do
  name=${corpus%%:*}
  input=${corpus#*:}
  peak "$name/bachata1c convert" "$input" "$bin" convert "$input" --out "$scratch/out" --quiet
  if [ $has_run = yes ]; then
    peak "$name/bachata1c run" "$input" "$bin" run --dir "$scratch/x"
  fi
done
peak "inbox/python baseline" "$inbox" python3 bench/baseline.py "$inbox" --out "$scratch/out"
peak "big/python baseline" "$big" python3 bench/baseline.py "$big" --out "$scratch/out"
# The jq loop holds one jq at a time whatever the count: measured on the small inbox (minutes less).
if [ "$jq_runs" -gt 0 ]; then
  peak "inbox-small/jq+iconv shell loop" "$inbox_small" bench/baseline_jq.sh "$inbox_small" "$scratch/out"
  peak "big/jq+iconv shell loop" "$big" bench/baseline_jq.sh "$big" "$scratch/out"
fi
rm -rf "$scratch" "$results/rss.tmp"

python3 bench/report.py "$results" "$inbox" "$inbox_small" "$big" | tee "$results/report.md"
