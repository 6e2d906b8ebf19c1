"""Reads a Prometheus text exposition from stdin with the Prometheus project's own parser
(prometheus_client), refuses a family without HELP or TYPE, and prints every sample as JSON:
{"name", "labels", "value", "type", "help"}, one per line. Used by tests/monitoring.rs."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
for family in text_string_to_metric_families(text):
    if family.type == "unknown" or not family.documentation:
        sys.exit(f"{family.name}: no TYPE or no HELP line")
    for sample in family.samples:
        print(json.dumps({
            "name": sample.name,
            "labels": sample.labels,
            "value": sample.value,
            "type": family.type,
            "help": family.documentation,
        }, ensure_ascii=False))
