#!/usr/bin/env python3
"""How long a webhook waits in the inbox under `bachata1c watch` with default settings: from the
moment its writer closes the file to the moment its CSV is in the outbox.

    watch_latency.py BINARY [COUNT] [CORPUS_DIR]

Writes COUNT (default 200) webhooks from CORPUS_DIR (else generated ones) into the inbox one at
a time, each as a writer would (open, write, close), and waits for its output, whose name is
known beforehand (`bachata-<sha256 of the input, 16 hex>.csv`). Prints p50/p90/p99/max.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time


def bodies(count, corpus):
    if corpus:
        names = sorted(n for n in os.listdir(corpus) if n.endswith(".json"))
        for name in names[:count]:
            with open(os.path.join(corpus, name), "rb") as f:
                yield f.read()
        return
    for i in range(count):
        client = {"clientId": f"lat{i}", "name": "Иван Петров", "phone": f"+7916{i:07d}"}
        yield json.dumps({"event": "dialog_completed", "clients": [client]},
                         ensure_ascii=False).encode()


def main():
    binary = os.path.realpath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    corpus = sys.argv[3] if len(sys.argv) > 3 else None
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([binary, "init", "--dir", work], check=True, capture_output=True)
        watch = subprocess.Popen([binary, "watch", "--dir", work, "-q"],
                                 stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            inbox, outbox = os.path.join(work, "inbox"), os.path.join(work, "outbox")
            waits = []
            for i, body in enumerate(bodies(count, corpus)):
                output = os.path.join(
                    outbox, f"bachata-{hashlib.sha256(body).hexdigest()[:16]}.csv")
                with open(os.path.join(inbox, f"hook-{i:06d}.json"), "wb") as f:
                    f.write(body)
                closed = time.perf_counter()
                deadline = closed + 30
                while not os.path.exists(output):
                    if time.perf_counter() > deadline:
                        sys.exit(f"no output for hook-{i:06d}.json after 30 s")
                    time.sleep(0.0002)
                waits.append((time.perf_counter() - closed) * 1000)
                time.sleep(0.02)
        finally:
            watch.terminate()
            watch.wait()
    waits.sort()
    pick = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))]
    print(f"watch, default settings, {len(waits)} webhooks one at a time: "
          f"writer's close → outbox file p50 {pick(0.5):.1f} ms, p90 {pick(0.9):.1f} ms, "
          f"p99 {pick(0.99):.1f} ms, max {waits[-1]:.1f} ms")


if __name__ == "__main__":
    main()
