#!/usr/bin/env python3
"""Generates the benchmark corpus: realistic Bachata webhook files, deterministically.

    gen_corpus.py inbox DIR --files 10000      # DIR/hook-000001.json ... (1-3 clients each)
    gen_corpus.py big FILE --clients 50000     # one webhook with 50,000 clients

The same --seed always gives the same bytes. Every file is UTF-8 (no BOM) so that the Python and
jq baselines, which know nothing of windows-1251 input, read exactly what bachata1c reads.
About 12% of clients have no usable phone (missing, null, empty, " - "), so they are skipped.
"""

import argparse
import json
import os
import random

SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
            "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
            "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Ёлкин"]
MALE = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья",
        "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Пётр", "Иван"]
FEMALE = ["Анастасия", "Мария", "Дарья", "Анна", "Елизавета", "Полина", "Виктория",
          "Екатерина", "Софья", "Алёна", "Ольга", "Наталья", "Татьяна", "Юлия"]
FATHERS = ["Александро", "Дмитрие", "Сергее", "Андрее", "Алексее", "Михайло", "Ивано", "Петро",
           "Николае", "Владимиро", "Викторо"]
LATIN = ["Yvan", "Dzmitry", "John Smith", "Olga", "guest", "Max"]
MODELS = ["Octavia", "Kodiaq", "Karoq", "Rapid", "Superb", "Camry", "RAV4", "Tiguan", "Polo",
          "Vesta", "Granta", "Niva Travel"]
INTERESTS = ["Тест-драйв", "Кредит", "Трейд-ин", "Сервис: ТО-2", "Запчасти", "Покупка нового",
             "Тест-драйв 🚗", "Шиномонтаж; хранение шин", "Страховка \"КАСКО\""]
EVENTS = ["dialog_completed"] * 8 + ["chat_started", "offline_message"]


def russian_name(rng):
    male = rng.random() < 0.5
    surname = rng.choice(SURNAMES) + ("" if male else "а")
    first = rng.choice(MALE if male else FEMALE)
    patronymic = rng.choice(FATHERS) + ("вич" if male else "вна")
    shape = rng.random()
    if shape < 0.45:
        return f"{surname} {first} {patronymic}"
    if shape < 0.60:
        return f"{first} {patronymic} {surname}"
    if shape < 0.80:
        return first
    if shape < 0.90:
        return f"{first} {surname}"
    return rng.choice(LATIN)


def phone(rng):
    """A phone in one of the spellings people type, or none at all."""
    code = rng.choice(["916", "903", "925", "985", "999", "905", "962", "977", "495", "812"])
    a, b, c = rng.randrange(100, 1000), rng.randrange(10, 100), rng.randrange(10, 100)
    digits = f"{code}{a}{b}{c}"
    shape = rng.random()
    if shape < 0.04:
        return None  # the key is missing altogether
    if shape < 0.07:
        return {"value": None}
    if shape < 0.10:
        return {"value": ""}
    if shape < 0.12:
        return {"value": " - "}
    spellings = [
        f"8 ({code}) {a}-{b}-{c}",
        f"+7 {code} {a} {b} {c}",
        f"7{digits}",
        f"8{digits}",
        f"+7({code}){a}-{b}-{c}",
        digits,
        f"8-{code}-{a}-{b}-{c}",
        f"+375 29 {a}-{b}-{c}",
        f"8 800 555-{b}-{c} доб. {rng.randrange(1, 99)}",
    ]
    if shape < 0.20:
        return {"value": int(f"7{digits}")}  # Bachata sometimes sends the phone as a number
    return {"value": rng.choice(spellings)}


def custom_data(rng):
    shape = rng.random()
    if shape < 0.25:
        return None  # no customData key
    if shape < 0.35:
        return {"value": None}
    data = {"Модель": rng.choice(MODELS), "Интерес": rng.choice(INTERESTS)}
    if rng.random() < 0.5:
        data["Бюджет"] = rng.randrange(8, 60) * 100000
    if rng.random() < 0.3:
        data["Кредит"] = rng.random() < 0.5
    if rng.random() < 0.2:
        data["utm"] = {"source": "yandex", "campaign": f"c{rng.randrange(1000)}"}
    return {"value": data}


def client(rng, serial):
    entry = {
        "searchId": f"{rng.randrange(1, 9)}/{rng.randrange(1, 30)}",
        "login": f"i_visitor_{rng.choice(['fast', 'silent', 'blue', 'minsk', 'tune'])}_{serial}",
        "clientId": f"{serial:014x}" if rng.random() < 0.9 else None,
        "name": russian_name(rng) if rng.random() < 0.93 else None,
    }
    p = phone(rng)
    if p is not None:
        entry["phone"] = p["value"]
    entry["email"] = f"client{serial}@example.ru" if rng.random() < 0.4 else None
    data = custom_data(rng)
    if data is not None:
        entry["customData"] = data["value"]
    return entry


def webhook(rng, number, clients):
    return {
        "event": rng.choice(EVENTS),
        "dialogId": f"d-{number}",
        "date": f"2026-11-{rng.randrange(1, 28):02d}T{rng.randrange(8, 21):02d}:"
                f"{rng.randrange(60):02d}:{rng.randrange(60):02d}+03:00",
        "clients": clients,
    }


def write_inbox(folder, files, rng):
    os.makedirs(folder, exist_ok=True)
    serial = 0
    for number in range(1, files + 1):
        clients = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            serial += 1
            clients.append(client(rng, serial))
        text = json.dumps(webhook(rng, number, clients), ensure_ascii=False, indent=2)
        with open(os.path.join(folder, f"hook-{number:06d}.json"), "w", encoding="utf-8") as f:
            f.write(text)


def write_big(path, count, rng):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    clients = [client(rng, serial) for serial in range(1, count + 1)]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(webhook(rng, 0, clients), f, ensure_ascii=False, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["inbox", "big"])
    parser.add_argument("target", help="folder (inbox) or file (big) to write")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.kind == "inbox":
        write_inbox(args.target, args.files, rng)
    else:
        write_big(args.target, args.clients, rng)


if __name__ == "__main__":
    main()
