#!/usr/bin/env python3
"""Peak memory of bachata1c's commands on the worst inputs we know how to make, each as large as
the default input limit (16 MiB): the figures docs/errors-and-limits.md states.

usage: bench/worst_memory.py BINARY [--baseline OTHER_BINARY] [--size BYTES] [--only WORDS]

For each input shape, one fresh process of each command: `convert` to every format, `run` on an
exchange folder holding the file (CSV, and CommerceML with an orders file), and `leads` on the
ledger that `run` made. The figure is the process's peak resident memory, the kernel's high-water
mark, as GNU time reports it (`/usr/bin/time -v`: «Maximum resident set size»), in MiB and as a
multiple of the input's size. With --baseline, another binary (say, main's, built in
a worktree of its own) is measured in the same run, command by command, beside it. --only keeps
the shapes whose name holds WORDS. Ends with the worst figure of each binary.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

MIB = 1024 * 1024

if not os.access("/usr/bin/time", os.X_OK):
    sys.exit("bench/worst_memory.py needs GNU time at /usr/bin/time (apt-get install time)")


def shapes(limit):
    """(name, text): JSON texts of about `limit` bytes, each stressing one part of the work."""
    def size(text):
        return len(text.encode())

    def repeat(head, unit, tail):
        n = (limit - size(head) - size(tail)) // size(unit)
        return head + (unit * n).rstrip(",") + tail

    def entries(head, tail, entry):
        parts, total, i = [], size(head) + size(tail), 0
        while True:
            part = entry(i)
            if total + size(part) > limit:
                return head + "".join(parts).rstrip(",") + tail
            parts.append(part)
            total += size(part)
            i += 1

    phone = '{"clients":[{"phone":"79160000001",'
    custom = phone + '"customData":{'
    yield "customData with many short keys", entries(custom, "}}]}", lambda i: '"%x":0,' % i)
    # Escaped keys are unescaped into new strings; every key twice, so half are dropped.
    yield "customData with many escaped, repeated keys", entries(
        custom, "}}]}", lambda i: '"\\u0436%x":"\\n",' % (i // 2))
    yield "customData with long values", entries(
        custom, "}}]}", lambda i: '"k%d":"%s",' % (i, r'Значение; \"в кавычках\"\n' * 20_000))
    yield "customData with one nested object of many keys", entries(
        custom + '"a":{', "}}}]}", lambda i: '"%x":0,' % i)
    yield "customData of nested empty arrays", repeat(custom + '"a":[', "[],", "]}}]}")
    yield "customData of nested empty objects", repeat(custom + '"a":[', "{},", "]}}]}")
    yield "customData nested 100 deep, repeated", repeat(
        custom + '"a":[', "[" * 100 + "]" * 100 + ",", "]}}]}")
    yield "a name of nested empty arrays", repeat(phone + '"name":[', "[],", "]}]}")
    yield "100,000 empty clients", repeat('{"clients":[', "{},", "]}")
    per_client = limit // 100_000 - 60
    yield "100,000 clients with customData", repeat(
        '{"clients":[',
        '{"phone":"79160000001","customData":{"Комментарий":"%s"}},' % ("ж" * (per_client // 2)),
        "]}")


def commands(binary, path, work):
    """(name, argv, folder to make before it): the commands measured on one input."""
    out = os.path.join(work, "out")
    for fmt in ("csv", "xml", "commerceml", "enterprisedata", "xlsx"):
        yield f"convert {fmt}", [binary, "convert", path, "--out", out, "-q", "--format", fmt], None
    folder = os.path.join(work, "exchange")
    yield "run", [binary, "run", "--dir", folder, "-q"], folder
    yield "leads", [binary, "leads", "--dir", folder], None
    orders = os.path.join(work, "orders")
    yield "run commerceml orders file", [
        binary, "run", "--dir", orders, "-q", "--format", "commerceml",
        "--commerceml-file", "orders.xml"], orders


def peak(argv, work):
    """Peak resident memory of one process in MiB, its exit status and its time in seconds, as
    GNU time reports them (a child of this Python would count the memory Python holds)."""
    report = os.path.join(work, "time.txt")
    started = time.time()
    subprocess.run(["/usr/bin/time", "-f", "%M %x", "-o", report] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.time() - started
    with open(report) as f:
        kib, code = f.read().split()[-2:]
    return int(kib) / 1024, int(code), seconds


def measure(binary, path, work):
    """{command: (MiB, exit status, seconds)} for one binary on one input, in a clean folder."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    figures = {}
    for name, argv, folder in commands(binary, path, work):
        if folder:
            os.makedirs(os.path.join(folder, "inbox"))
            shutil.copy(path, os.path.join(folder, "inbox"))
        shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
        figures[name] = peak(argv, work)
    return figures


def cell(figure, size):
    mib, code, seconds = figure
    failed = "" if code in (0, 1) else f" (exit {code})"
    return f"{mib:6.0f} MiB {mib * MIB / size:5.1f}× {seconds:5.1f} s{failed}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--baseline", help="another binary, measured beside it in the same run")
    parser.add_argument("--size", type=int, default=16 * MIB, help="input size (16 MiB)")
    parser.add_argument("--only", default="", help="only the shapes whose name holds this")
    args = parser.parse_args()
    binaries = [("this", os.path.abspath(args.binary))]
    if args.baseline:
        binaries.append(("baseline", os.path.abspath(args.baseline)))
    worst = {label: (0, "", 0) for label, _ in binaries}
    with tempfile.TemporaryDirectory() as tmp:
        print(f"Peak memory on worst-case inputs of {args.size / MIB:.0f} MiB "
              "(MiB, × the input, seconds):")
        header = "| input | command | " + " | ".join(label for label, _ in binaries) + " |"
        print(header)
        print("|---|---|" + "---|" * len(binaries))
        for shape, text in shapes(args.size):
            if args.only not in shape:
                continue
            path = os.path.join(tmp, "input.json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            size = os.path.getsize(path)
            results = [(label, measure(binary, path, os.path.join(tmp, "work")))
                       for label, binary in binaries]
            for command in results[0][1]:
                cells = []
                for label, figures in results:
                    cells.append(cell(figures[command], size))
                    mib = figures[command][0]
                    if mib > worst[label][0]:
                        worst[label] = (mib, f"{command}, {shape}", mib * MIB / size)
                print(f"| {shape} | {command} | " + " | ".join(cells) + " |")
            sys.stdout.flush()
    for label, _ in binaries:
        mib, where, ratio = worst[label]
        print(f"worst ({label}): {mib:.0f} MiB, {ratio:.1f}× the input: {where}")


if __name__ == "__main__":
    main()
