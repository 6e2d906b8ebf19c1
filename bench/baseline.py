#!/usr/bin/env python3
"""The Python baseline of `make bench`: what a dealer's programmer would write in an afternoon.

    baseline.py INPUT... --out DIR

For each webhook file (or each *.json of a folder): json.load, keep the clients whose phone has a
digit (bachata1c's default rule), write a `;`-separated windows-1251 CSV with roughly bachata1c's
columns to a temporary file, fsync it, os.replace it into place and fsync the folder, so that it
is as durable as bachata1c's output. One file at a time, standard library only.
"""

import argparse
import csv
import io
import json
import os
import re
import sys
import uuid
from datetime import datetime

HEADER = ["ИдКлиента", "Имя", "Телефон", "Email", "Событие", "ИдПоиска", "Логин",
          "ТелефонИсходный", "ИдДиалога", "ДополнительныеДанные", "ИмяФайла", "ВремяПолучения",
          "Ид"]
NAMESPACE = uuid.UUID(int=0x6A1F3B9E0C5D5E4A9F7B2D8C41E6B0A3)
NON_DIGITS = re.compile(r"\D")


def text(value):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def phone(raw):
    """+7XXXXXXXXXX for the usual Russian spellings, else the digits as typed."""
    digits = NON_DIGITS.sub("", raw)
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    return ("+" if raw.lstrip().startswith("+") else "") + digits


def safe(value):
    # 1C's «Загрузка данных из файла» splits on `;` without honouring quotes.
    return value.replace(";", ",").replace('"', "'").replace("\r", " ").replace("\n", " ")


def rows(payload, source, received):
    event = text(payload.get("event")) or "dialog_completed"
    for client in payload.get("clients") or []:
        if not isinstance(client, dict):
            continue
        raw = text(client.get("phone"))
        if not NON_DIGITS.sub("", raw):
            continue
        client_id = text(client.get("clientId"))
        number = phone(raw)
        key = f"client:{client_id}" if client_id else f"phone:{number}"
        custom = client.get("customData") or {}
        if not isinstance(custom, dict):
            custom = {"": custom}
        yield [safe(v) for v in [
            client_id, text(client.get("name")), number, text(client.get("email")), event,
            text(client.get("searchId")), text(client.get("login")), raw,
            text(payload.get("dialogId")),
            " | ".join(f"{k}={text(v)}" for k, v in sorted(custom.items())),
            source, received, str(uuid.uuid5(NAMESPACE, key)),
        ]]


def convert(path, out):
    with open(path, encoding="utf-8") as f:
        payload = json.load(f)
    name = os.path.basename(path)
    received = datetime.fromtimestamp(os.stat(path).st_mtime).strftime("%d.%m.%Y %H:%M:%S")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_NONE,
                        escapechar="\\")
    count = 0
    writer.writerow(HEADER)
    for row in rows(payload, name, received):
        writer.writerow(row)
        count += 1
    if count == 0:
        return 0
    target = os.path.join(out, os.path.splitext(name)[0] + ".csv")
    temporary = os.path.join(out, f".{os.path.basename(target)}.{os.getpid()}.tmp")
    with open(temporary, "wb") as f:
        f.write(buffer.getvalue().encode("windows-1251", errors="replace"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, target)
    folder = os.open(out, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    files = []
    for item in args.inputs:
        if os.path.isdir(item):
            files += sorted(os.path.join(item, n) for n in os.listdir(item)
                            if n.endswith(".json") and not n.startswith("."))
        else:
            files.append(item)
    exported = refused = 0
    for path in files:
        try:
            exported += convert(path, args.out)
        except (OSError, ValueError) as err:
            print(f"baseline: {path}: refused: {err}", file=sys.stderr)
            refused += 1
    print(f"baseline: {len(files)} files read, {refused} refused; {exported} clients exported",
          file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
