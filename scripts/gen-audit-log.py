#!/usr/bin/env python3
"""Writes a synthetic, correctly chained audit directory for measuring `beekeeper audit query`:
OUT RECORDS PER_SEGMENT; sealed segments gzip-compressed, the last one live. No checkpoints, so
`audit verify` is not the tool to point at it; query does not check signatures."""
import gzip
import hashlib
import os
import sys

out, records, per_segment = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
chain = "0" * 64
seq = 0
types = ["task.received", "task.approved", "task.started", "task.succeeded"]
segment_lines = []
first = 1
def flush(first, lines, compress):
    name = f"audit-{first:016d}.jsonl"
    data = "".join(lines).encode()
    if compress:
        with gzip.open(os.path.join(out, name + ".gz"), "wb", compresslevel=1) as f: f.write(data)
    else:
        open(os.path.join(out, name), "wb").write(data)
for i in range(records):
    seq += 1
    t = types[i % 4] if i % 97 else "task.failed"
    p = ('{"seq":%d,"ts":"2026-11-22T10:00:00.%06dZ","type":"%s","task_id":"t-%d","bee":"finance","funcname":"validate_revenue",'
         '"payload_bytes":1245,"payload_sha256":"%s","actor":"ops"' % (seq, i % 1000000, t, i // 4, "ab" * 32))
    chain = hashlib.sha256((chain + p).encode()).hexdigest()
    segment_lines.append(p + ',"chain":"' + chain + '"}\n')
    if len(segment_lines) == per_segment:
        flush(first, segment_lines, True); first = seq + 1; segment_lines = []
flush(first, segment_lines, False)
