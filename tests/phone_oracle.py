#!/usr/bin/env python3
"""The reference answer for tests/phone_oracle.rs: Python's phonenumbers, a port of Google's Java
libphonenumber, with the same metadata version as the Rust phonenumber crate.

Reads one phone as typed per line (JSON string) on stdin, Russia as the default region, and
writes per line a JSON list: [valid, E.164, international format] (the last two null when the
number is not valid or cannot be read).
"""

import json
import sys

import phonenumbers

METADATA = "9.0.33"

if phonenumbers.__version__ != METADATA:
    sys.exit(f"phonenumbers {phonenumbers.__version__} here; the tests need {METADATA}: "
             f"pip install phonenumbers=={METADATA}")

for line in sys.stdin:
    raw = json.loads(line)
    try:
        number = phonenumbers.parse(raw, "RU")
    except phonenumbers.NumberParseException:
        print(json.dumps([False, None, None]))
        continue
    if phonenumbers.is_valid_number(number):
        number.extension = None  # bachata1c keeps an extension only in the phone as typed
        print(json.dumps([
            True,
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        ]))
    else:
        print(json.dumps([False, None, None]))
