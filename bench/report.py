#!/usr/bin/env python3
"""Summarises a `make bench` run: hyperfine's JSON exports and GNU time's peak memory.

    report.py RESULTS_DIR INBOX INBOX_SMALL BIG_FILE

Prints a markdown table: time, files/s, clients/s (clients in the input, qualifying or not),
peak RSS and the speed relative to the Python baseline measured in the same run.
"""

import json
import os
import sys


def count_clients(path):
    paths = [path] if os.path.isfile(path) else [
        os.path.join(path, n) for n in os.listdir(path) if n.endswith(".json")]
    total = 0
    for p in paths:
        with open(p, encoding="utf-8") as f:
            total += len(json.load(f).get("clients") or [])
    return len(paths), total


def timings(results, name):
    found = {}
    for suffix in ("", "-jq"):
        path = os.path.join(results, f"{name}{suffix}.json")
        if os.path.exists(path):
            with open(path) as f:
                for r in json.load(f)["results"]:
                    found[r["command"]] = r
    return found


def main():
    results, inbox, inbox_small, big = sys.argv[1:5]
    rss = {}
    with open(os.path.join(results, "rss.tsv")) as f:
        for line in f:
            label, _, kib = line.rstrip("\n").partition("\t")
            rss[label] = int(kib) if kib.strip().isdigit() else None
    with open(os.path.join(results, "about.txt")) as f:
        print(f.read().strip())
    print()
    print("| corpus | tool | time (mean ± σ) | files/s | clients/s | peak RSS | speed vs Python |")
    print("|---|---|---|---|---|---|---|")
    for name, path in (("inbox", inbox), ("big", big)):
        files, clients = count_clients(path)
        found = timings(results, name)
        python = found.get("python baseline")
        label = f"{files} files, {clients} clients" if name == "inbox" else f"1 file, {clients} clients"
        for tool, r in found.items():
            mean, sd = r["mean"], r["stddev"] or 0.0
            memory = rss.get(f"{name}/{tool}")
            if memory is None and name == "inbox":
                memory = rss.get(f"inbox-small/{tool}")  # the jq loop: one jq at a time
            ratio = f"{python['mean'] / mean:.1f}×" if python else "–"
            print(f"| {label} | {tool} | {mean:.2f} s ± {sd:.2f} | {files / mean:,.0f} | "
                  f"{clients / mean:,.0f} | "
                  f"{'–' if memory is None else f'{memory / 1024:.1f} MiB'} | {ratio} |")
    fresh = timings(results, "fresh")
    if "python baseline" in fresh and "bachata1c run" in fresh:
        python, run = fresh["python baseline"]["mean"], fresh["bachata1c run"]["mean"]
        print()
        print(f"Freshly written files, default settings: bachata1c run {run:.2f} s, "
              f"Python baseline {python:.2f} s: {python / run:.1f}× the baseline.")
    small_files, _ = count_clients(inbox_small)
    large_files, _ = count_clients(inbox)
    print()
    for tool in ("bachata1c convert", "bachata1c run"):
        a, b = rss.get(f"inbox-small/{tool}"), rss.get(f"inbox/{tool}")
        if a and b:
            print(f"Memory vs inbox size, {tool}: {a / 1024:.1f} MiB peak at {small_files} files, "
                  f"{b / 1024:.1f} MiB at {large_files} files ({(b - a) / 1024:+.1f} MiB).")


if __name__ == "__main__":
    main()
