#!/usr/bin/env python3
"""Peak memory of `bachata1c convert` on the worst inputs we know how to make, each as large as
the default input limit (16 MiB): the figures README's «Limits» section states.

usage: bench/worst_memory.py BINARY [SIZE_BYTES]
"""
import os
import resource
import subprocess
import sys
import tempfile
import time


def shapes(limit):
    """(name, text): JSON texts of about `limit` bytes, each stressing one part of reading."""
    def repeat(head, unit, tail):
        n = (limit - len(head) - len(tail)) // len(unit)
        return head + (unit * n).rstrip(",") + tail

    def keys(head, tail):
        parts, size, i = [], len(head) + len(tail), 0
        while size < limit - 16:
            part = '"%x":0,' % i
            parts.append(part)
            size += len(part)
            i += 1
        return head + "".join(parts).rstrip(",") + tail

    phone = '{"clients":[{"phone":"79160000001",'
    yield "customData of nested empty arrays", repeat(phone + '"customData":{"a":[', "[],", "]}}]}")
    yield "customData of nested empty objects", repeat(phone + '"customData":{"a":[', "{},", "]}}]}")
    yield "customData with one nested object of many keys", keys(phone + '"customData":{"a":{', "}}}]}")
    yield "customData with many keys", keys(phone + '"customData":{', "}}]}")
    yield "a name of nested empty arrays", repeat(phone + '"name":[', "[],", "]}]}")
    yield "100,000 empty clients", repeat('{"clients":[', "{},", "]}")


def peak_mb(binary, path, out):
    """Peak resident memory of one conversion, in MiB, measured in a fresh child process."""
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    started = time.time()
    kb = subprocess.run(
        [sys.executable, "-c", code, binary, "convert", path, "--out", out, "-q"],
        capture_output=True, text=True, check=True,
    ).stdout
    return int(kb) / 1024, time.time() - started


def main():
    binary = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 16 * 1024 * 1024
    with tempfile.TemporaryDirectory() as work:
        print(f"worst-case inputs of {limit / 1048576:.0f} MiB, peak memory of `convert`:")
        for name, text in shapes(limit):
            path = os.path.join(work, "input.json")
            with open(path, "w") as f:
                f.write(text)
            mb, seconds = peak_mb(binary, path, os.path.join(work, "out"))
            print(f"  {mb:6.0f} MiB  {seconds:5.2f} s  {name}")


if __name__ == "__main__":
    main()
