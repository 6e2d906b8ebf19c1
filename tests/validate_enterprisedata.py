#!/usr/bin/env python3
"""Validates EnterpriseData messages against the official XSDs, independently of bachata1c.

Usage: validate_enterprisedata.py ENTERPRISEDATA_XSD MESSAGE.xml...

ENTERPRISEDATA_XSD is one version's schema (EnterpriseData_1_8_6.xsd, EnterpriseData_1_6_23.xsd);
ExchangeMessage.xsd is taken from the same folder. The message must be of that version: its
msg:Format and Body namespace are the schema's targetNamespace, and msg:AvailableVersion names
the same version.

The EnterpriseData schemas declare no global elements and load only as XSD 1.1, so each part
is validated against its type: msg:Header against {Message}Header, every Body object against
the type named like its element (Справочник.Контрагенты, Документ.ЗаказКлиента).

The open XDTO types end with a lax xs:any, which would accept a misspelt or misplaced element
silently; a second, stricter pass requires every element to be declared in its type and the
declared elements to come in the declared order.

Prints one line per problem and exits 1 if there is any; prints the object counts otherwise.
"""

import sys
from pathlib import Path
from xml.etree import ElementTree

import xmlschema
from xmlschema.validators import XsdElement

MSG = "{http://www.1c.ru/SSL/Exchange/Message}"


def strict(element, xsd_type, path, problems, ed):
    """Every child declared in its type, in the declared order; recursively."""
    if not xsd_type.is_complex() or not xsd_type.has_complex_content():
        return
    declared = [e for e in xsd_type.content.iter_elements() if isinstance(e, XsdElement)]
    index = {e.name: (i, e) for i, e in enumerate(declared)}
    last = -1
    for child in element:
        where = f"{path}/{child.tag.replace(ed, '').replace(MSG, 'msg:')}"
        if child.tag not in index:
            problems.append(f"{where}: not declared in type {xsd_type.local_name}")
            continue
        i, decl = index[child.tag]
        if i < last or (i == last and decl.max_occurs == 1):
            problems.append(f"{where}: out of order or repeated in type {xsd_type.local_name}")
        last = i
        strict(child, decl.type, where, problems, ed)


def validate(schema, path):
    namespace = schema.target_namespace
    ed = "{" + namespace + "}"
    version = namespace.rsplit("/", 1)[1]
    problems = []
    counts = {}
    root = ElementTree.parse(path).getroot()
    if root.tag != "Message":
        return [f"root is {root.tag}, not Message"], counts
    children = list(root)
    if [c.tag for c in children] != [MSG + "Header", ed + "Body"]:
        return [f"Message holds {[c.tag for c in children]}, not msg:Header and Body of {namespace}"], counts
    header, body = children
    parts = [(header, schema.maps.types[MSG + "Header"], "msg:Header")]
    if header.findtext(MSG + "Format") != namespace:
        problems.append(f"msg:Header/msg:Format is not {namespace}")
    versions = [v.text for v in header.findall(MSG + "AvailableVersion")]
    if versions != [version]:
        problems.append(f"msg:Header/msg:AvailableVersion is {versions}, not [{version!r}]")
    for obj in body:
        name = obj.tag.replace(ed, "")
        xsd_type = schema.maps.types.get(obj.tag)
        if xsd_type is None:
            problems.append(f"Body/{name}: no such EnterpriseData type")
            continue
        counts[name] = counts.get(name, 0) + 1
        parts.append((obj, xsd_type, f"Body/{name}[{counts[name]}]"))
    for element, xsd_type, where in parts:
        for error in xsd_type.iter_errors(element):
            reason = (error.reason or str(error)).splitlines()[0]
            problems.append(f"{where}: {reason} (at {error.path})")
        strict(element, xsd_type, where, problems, ed)
    return problems, counts


def main():
    xsd = Path(sys.argv[1])
    schema = xmlschema.XMLSchema11([str(xsd), str(xsd.parent / "ExchangeMessage.xsd")])
    failed = False
    for path in sys.argv[2:]:
        problems, counts = validate(schema, path)
        for problem in problems:
            print(f"{path}: {problem}")
        failed |= bool(problems)
        if not problems:
            summary = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
            print(f"{path}: valid ({summary})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
