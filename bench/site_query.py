#!/usr/bin/env python3
"""What one query of 1C's «Обмен с сайтом» costs `serve` with a backlog of long leads (issue 17,
point 5): LEADS leads (400) of MIB mebibytes of customData each (1) are converted by `run`, then
`serve` answers one `mode=query` and its `success` as 1C asks them. Reports their times, the
orders and bytes the query answered, and serve's peak memory (VmHWM, Linux). Targets for the
query: within 2 s and under 100 MiB.

Each binary given is measured in the same run on the same webhooks, the first as the one under
test and any other as a baseline (e.g. a build of main); with a baseline, the binary under test
also serves a ledger the baseline converted (a ledger from before the change).

usage: bench/site_query.py BINARY [BASELINE_BINARY ...]
"""
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

TARGET_SECONDS = 2.0
TARGET_MIB = 100


def webhooks(folder, leads, mib):
    unit = "заметка: клиент спрашивал про комплектацию; "
    notes = unit * (mib * 1024 * 1024 // len(unit.encode()))
    os.makedirs(folder)
    for i in range(leads):
        body = (
            '{"event":"dialog_completed","dialogId":"d%d","clients":[{"clientId":"c%d",'
            '"name":"Клиент Номер %d","phone":"+7916%07d","customData":{"VIN":"XTA%08d",'
            '"notes":"%s"}}]}' % (i, i, i, i, i, notes)
        )
        with open(os.path.join(folder, "hook-%05d.json" % i), "w", encoding="utf-8") as f:
            f.write(body)


def peak_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def measure(binary, corpus, work, converter=None):
    converter = converter or binary
    exchange = os.path.join(work, "exchange")
    subprocess.run([converter, "init", "--dir", exchange], check=True, capture_output=True)
    shutil.rmtree(os.path.join(exchange, "inbox"))
    shutil.copytree(corpus, os.path.join(exchange, "inbox"))
    started = time.time()
    subprocess.run([converter, "run", "--dir", exchange, "-q"], check=True,
                   stderr=subprocess.DEVNULL)
    converted = time.time() - started
    password = "bench-%d" % os.getpid()
    env = dict(os.environ, BENCH_PASSWORD=password)
    log = open(os.path.join(work, "serve.log"), "w+")
    server = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--dir", exchange,
         "--user", "bachata", "--password-env", "BENCH_PASSWORD"],
        stderr=log, stdout=subprocess.DEVNULL, env=env)
    try:
        address = None
        for _ in range(200):
            log.seek(0)
            found = re.search(r"listening on http://([^/\s]+)", log.read())
            if found:
                address = found.group(1)
                break
            time.sleep(0.05)
        if address is None:
            raise RuntimeError("serve did not start: see " + log.name)
        url = "http://%s/1c_exchange.php?type=sale&mode=" % address
        auth = base64.b64encode(("bachata:" + password).encode()).decode()
        login = urllib.request.Request(url + "checkauth", headers={"Authorization": "Basic " + auth})
        lines = urllib.request.urlopen(login).read().decode().split("\n")
        cookie = "%s=%s" % (lines[1], lines[2])
        started = time.time()
        query = urllib.request.Request(url + "query", headers={"Cookie": cookie})
        answer = urllib.request.urlopen(query, timeout=600).read()
        seconds = time.time() - started
        started = time.time()
        success = urllib.request.Request(url + "success", headers={"Cookie": cookie})
        urllib.request.urlopen(success, timeout=600).read()
        confirmed = time.time() - started
        return {
            "convert_s": converted,
            "query_s": seconds,
            "success_s": confirmed,
            "orders": answer.count("<Документ>".encode()),
            "answer_kib": len(answer) / 1024,
            "peak_mib": peak_mib(server.pid),
        }
    finally:
        server.terminate()
        server.wait()
        log.close()


def main():
    binaries = sys.argv[1:]
    if not binaries:
        sys.exit(__doc__)
    leads = int(os.environ.get("LEADS", "400"))
    mib = int(os.environ.get("MIB", "1"))
    with tempfile.TemporaryDirectory(prefix="bachata1c-bench-site-") as root:
        corpus = os.path.join(root, "corpus")
        webhooks(corpus, leads, mib)
        print("%d waiting leads of %d MiB customData each; one mode=query (file_limit 1 MiB)"
              % (leads, mib))
        print("%-44s %8s %9s %11s %7s %10s %9s" % (
            "serve (ledger converted by)", "run (s)", "query (s)", "success (s)", "orders",
            "answer KiB", "peak MiB"))
        runs = [(binary, None) for binary in binaries]
        if len(binaries) > 1:
            runs.append((binaries[0], binaries[1]))
        status = 0
        for i, (binary, converter) in enumerate(runs):
            work = os.path.join(root, "work-%d" % i)
            os.makedirs(work)
            r = measure(os.path.abspath(binary), corpus, work,
                        converter and os.path.abspath(converter))
            shutil.rmtree(work)
            label = binary if converter is None else "%s (%s)" % (binary, converter)
            print("%-44s %8.1f %9.2f %11.2f %7d %10.0f %9.0f" % (
                label, r["convert_s"], r["query_s"], r["success_s"], r["orders"],
                r["answer_kib"], r["peak_mib"]))
            if i == 0:
                met = r["query_s"] < TARGET_SECONDS and r["peak_mib"] < TARGET_MIB
                print("  target %s: query under %.0f s, serve under %d MiB"
                      % ("met" if met else "MISSED", TARGET_SECONDS, TARGET_MIB))
                status = 0 if met else 1
        return status


if __name__ == "__main__":
    sys.exit(main())
