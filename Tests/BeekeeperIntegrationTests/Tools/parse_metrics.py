#!/usr/bin/env python3
"""Parses a metrics exposition from stdin with prometheus_client and prints it as JSON.

    parse_metrics.py [text|openmetrics] < exposition

`text` (the default) uses the Prometheus text-format parser
(prometheus_client.parser.text_string_to_metric_families); `openmetrics` uses the OpenMetrics
parser (prometheus_client.openmetrics.parser.text_string_to_metric_families), which also insists
on the trailing `# EOF`.

Output, one JSON object:
    {"families": [{"name", "type", "help", "unit"}],
     "samples":  [{"family", "name", "labels": {..}, "value"}]}
Finite values are JSON numbers; NaN and infinities are the strings "NaN", "+Inf", "-Inf".
Any parse error (or input that is not UTF-8) exits 1 with the parser's message on stderr.
"""
import json
import math
import sys


def value_json(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "text"
    if mode == "text":
        from prometheus_client.parser import text_string_to_metric_families
    elif mode == "openmetrics":
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    else:
        sys.stderr.write(f"usage: parse_metrics.py [text|openmetrics], not {mode!r}\n")
        return 2

    try:
        text = sys.stdin.buffer.read().decode("utf-8")
        families = []
        samples = []
        # The parsers are generators: errors surface while iterating, so iterate inside the try.
        for family in text_string_to_metric_families(text):
            families.append({
                "name": family.name, "type": family.type,
                "help": family.documentation, "unit": getattr(family, "unit", ""),
            })
            for sample in family.samples:
                samples.append({
                    "family": family.name, "name": sample.name,
                    "labels": dict(sample.labels), "value": value_json(sample.value),
                })
    except Exception as error:  # any parser complaint is a failed check
        sys.stderr.write(f"{mode} parser: {type(error).__name__}: {error}\n")
        return 1

    json.dump({"families": families, "samples": samples}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
