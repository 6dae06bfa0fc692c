#!/usr/bin/env python3
"""Per-task CPU budget of a sidecar profile (BENCHMARKS.md section 15.4).

usage: perf script -i PERF.DATA -F comm,tid,ip,sym,dso | scripts/perf-task-budget.py - TASKS CPU_US_PER_TASK

Assigns each perf sample to one part of the task path by the components on its stack (priority
order: the first listed that appears anywhere on the stack wins) and prints a Markdown table of
shares and microseconds per task.
"""
import sys, re, collections
cats = [
    ("audit log (serialize, chain, write, fdatasync)", [r"14BeekeeperAudit", r"AuditRecorder"]),
    ("Guardian", [r"17BeekeeperGuardian", r"libpcre2"]),
    ("idempotency store + journal", [r"IdempotencyStore"]),
    ("bee round trip (worker pipes, protocol)", [r"18BeekeeperExecution", r"10Subprocess"]),
    ("verify (Ed25519, body SHA-256, nonce)", [r"13BeekeeperAuth", r"libsodium", r"RequestVerifier"]),
    ("metrics (counters, windows)", [r"16BeekeeperMetrics", r"SidecarMetrics"]),
    ("JSON (parse request, write answer)", [r"13BeekeeperCore"]),
    ("pipeline glue", [r"17BeekeeperPipeline"]),
    ("routes + edge (BeekeeperServer)", [r"15BeekeeperServer"]),
    ("HTTP (NIO, Hummingbird)", [r"NIO", r"Hummingbird", r"HTTPTypes"]),
    ("Swift concurrency runtime", [r"libswift_Concurrency", r"swift_task", r"swift_job"]),
    ("logging", [r"7Logging"]),
]
counts = collections.Counter()
total = 0
stack = []
def flush():
    global total
    if not stack: return
    total += 1
    text = "\n".join(stack)
    for name, pats in cats:
        if any(re.search(p, text) for p in pats):
            counts[name] += 1; return
    if all("kernel" in f for f in stack): counts["kernel only (scheduler, idle, softirq)"] += 1
    else: counts["other (runtime, libc, unattributed)"] += 1
source = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1], errors="replace")
for line in source:
    if not line.strip():
        flush(); stack = []; continue
    if line.startswith("\t") or line.startswith(" "):
        stack.append(line.strip())
flush()
tasks = float(sys.argv[2]); cpu_us = float(sys.argv[3])
print(f"samples {total}; {tasks:.0f} tasks; {cpu_us:.0f} µs CPU/task measured")
for name, n in counts.most_common():
    print(f"| {name} | {n/total*100:.1f} % | {n/total*cpu_us:.0f} µs |")
