#!/usr/bin/env python3
"""The Python baseline of `beekeeper-bench guardian-check`: the same Guardian pattern scan with `re`.

Usage: guardian-python-baseline.py PATTERNS.json EVENT.json
PATTERNS.json is a list of {"id", "regex"} (Beekeeper's default set, written by the bench); the
regexes are ICU/PCRE syntax, so named groups and back-references are translated to Python's.
Walks every string leaf and key of the event, as the Python design did, and tries each pattern
in order on the distinct strings. Prints one line: `<median µs per check> <checks timed>`.
"""
import json
import re
import sys
import time


def translate(regex):
    return re.sub(r"\\k<(\w+)>", r"(?P=\1)", re.sub(r"\(\?<(\w+)>", r"(?P<\1>", regex))


def strings(value, out):
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, list):
        for item in value:
            strings(item, out)
    elif isinstance(value, dict):
        for key, item in value.items():
            out.add(key)
            strings(item, out)


def main():
    with open(sys.argv[1]) as f:
        patterns = [(p["id"], re.compile(translate(p["regex"]))) for p in json.load(f)]
    with open(sys.argv[2]) as f:
        event = json.load(f)

    def check():
        leaves = set()
        strings(event, leaves)
        for pattern_id, regex in patterns:
            for leaf in leaves:
                if regex.search(leaf):
                    return "pattern:" + pattern_id
        return None

    assert check() is None, "the baseline event must be approved"
    # Nine batches of about 0.1 s each, as the Swift micro-benchmarks do; the median per check.
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < 0.05:
        check()
        n += 1
    per_batch = max(1, int(n * 2))
    samples = []
    for _ in range(9):
        t0 = time.perf_counter()
        for _ in range(per_batch):
            check()
        samples.append((time.perf_counter() - t0) / per_batch * 1e6)
    samples.sort()
    print(f"{samples[4]:.2f} {per_batch * 9}")


if __name__ == "__main__":
    main()
