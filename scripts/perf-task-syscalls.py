#!/usr/bin/env python3
"""System calls and context switches per task, by sidecar thread (BENCHMARKS.md section 23).

usage:
  perf record -a -o SYS.DATA -e 'sched:sched_switch,syscalls:sys_enter_read,syscalls:sys_enter_write,\
syscalls:sys_enter_writev,syscalls:sys_enter_pwrite64,syscalls:sys_enter_fdatasync,syscalls:sys_enter_futex,\
syscalls:sys_enter_epoll_wait,syscalls:sys_enter_poll' -- sleep N      # while `beekeeper-bench http` runs
  perf script -i SYS.DATA -F comm,tid,time,event,trace | scripts/perf-task-syscalls.py -

Tasks are counted as the Python worker bees' replies (their `write` calls), and only events
between the first and the last of those are counted, so the bench's set-up, the `/healthz` phase
and other rounds stay out. Thread names are the sidecar's: `oot.default-qos` is Swift's
cooperative pool (and threads it created, which inherit the name), `-qos.overcommit` the serial
dispatch queues (disk I/O), `NIO-SGLTN-*` the event loops, `bee-worker-out` the threads that
read worker bees' output. Prints a Markdown table.
"""
import collections, re, sys

line_re = re.compile(r"\s*(.+?)\s+(\d+)\s+([\d.]+):\s+(\S+):(?:\s+|$)(.*)")
sidecar = re.compile(r"qos|NIO-SGLTN|bee-worker|^beekeeper$")
events = []
for line in (sys.stdin if sys.argv[1:] == ["-"] else open(sys.argv[1], errors="replace")):
    match = line_re.match(line)
    if match:
        comm, tid, time, event, args = match.groups()
        events.append((comm, float(time), event.split(":")[-1], args))
replies = [time for comm, time, event, _ in events if comm.startswith("python") and event == "sys_enter_write"]
if not replies:
    sys.exit("no Python worker writes in the trace: was `beekeeper-bench http` running?")
start, end = min(replies), max(replies)
tasks = len(replies)
counts = collections.Counter()
for comm, time, event, args in events:
    if not start <= time <= end or not sidecar.search(comm):
        continue
    name = event.replace("sys_enter_", "")
    if name == "futex":
        op = re.search(r"op: (0x[0-9a-f]+)", args)
        code = int(op.group(1), 16) & 0x7F if op else -1
        name = {0: "futex wait", 9: "futex wait", 1: "futex wake"}.get(code, "futex other")
    thread = ("cooperative pool" if "default-qos" in comm else "dispatch queues" if "overcommit" in comm
              else "NIO event loops" if "NIO" in comm else "worker output readers" if "bee-worker" in comm else comm)
    counts[(thread, name)] += 1
print(f"{tasks} tasks in {end - start:.2f} s")
print("| sidecar threads | event | per task |")
print("| --- | --- | ---: |")
for (thread, name), count in sorted(counts.items(), key=lambda item: -item[1]):
    if count / tasks >= 0.01:
        print(f"| {thread} | {name} | {count / tasks:.2f} |")
total = sum(count for (_, name), count in counts.items() if name == "sched_switch")
print(f"| all | context switches | {total / tasks:.2f} |")
