/// The helper programs of the `colonies` benchmark, written into its scratch directory at run
/// time (kept here as text so the target has no unhandled resource files).
enum ColoniesScripts {
    /// A worker-kind bee (SPEC section 5) that answers every task with its args: one JSON line in,
    /// one reply line out, for as long as Beekeeper keeps its stdin open.
    static let echoWorker = #"""
        import json
        import sys

        while True:
            line = sys.stdin.readline()
            if not line:
                break
            task = json.loads(line)
            reply = {"id": task["id"], "ok": True, "result": task.get("args") or []}
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()

        """#

    /// The ColonyOS user's side of phase A: pre-signs N `submitfuncspecmsg` envelopes with
    /// pycolonies' crypto (outside the timed window), prints `ready`, waits for `go` on stdin,
    /// submits them from several threads over keep-alive connections, polls the sidecar's
    /// `/metrics` until every report is acknowledged, prints `done`, then reads the audit log for
    /// per-process times and prints one JSON line of results.
    static let loadDriver = #"""
        import argparse, base64, http.client, json, multiprocessing, os, re, sys, threading, time, urllib.parse, urllib.request
        from datetime import datetime

        ap = argparse.ArgumentParser()
        ap.add_argument("--tools", required=True)
        ap.add_argument("--setup", required=True)
        ap.add_argument("--count", type=int, required=True)
        ap.add_argument("--threads", type=int, default=8)
        ap.add_argument("--metrics", required=True)
        ap.add_argument("--audit", required=True)
        ap.add_argument("--timeout", type=float, default=900)
        args = ap.parse_args()
        sys.dont_write_bytecode = True
        sys.path.insert(0, args.tools)
        from colonies_rpc import sign  # noqa: E402  pycolonies' own crypto

        setup = json.load(open(args.setup))
        ACK = re.compile(r'^beekeeper_colonies_reports_total\{result="acknowledged"\} (\S+)$', re.M)


        def acknowledged():
            with urllib.request.urlopen(args.metrics, timeout=30) as r:
                m = ACK.search(r.read().decode())
            return int(float(m.group(1))) if m else 0


        def envelope(i):
            spec = {"nodename": "echo", "funcname": "echo", "args": ["bench", i], "kwargs": {}, "priority": 0,
                    "maxwaittime": -1, "maxexectime": -1, "maxretries": -1,
                    "conditions": {"colonyname": setup["colonyname"], "executornames": None,
                                   "executortype": setup["executortype"], "dependencies": [], "nodes": 0, "cpu": "",
                                   "processes": 0, "processespernode": 0, "mem": "", "storage": "",
                                   "gpu": {"name": "", "mem": "", "count": 0, "nodecount": 0}, "walltime": 0},
                    "label": "", "fs": None, "env": {}, "channels": []}
            payload = base64.b64encode(json.dumps({"msgtype": "submitfuncspecmsg", "spec": spec}).encode()).decode()
            return json.dumps({"payloadtype": "submitfuncspecmsg", "payload": payload,
                               "signature": sign(payload, setup["userprvkey"])}).encode()


        signing = time.time()
        with multiprocessing.Pool(os.cpu_count() or 2) as pool:
            bodies = pool.map(envelope, range(args.count), chunksize=64)
        signing = time.time() - signing
        base = acknowledged()
        url = urllib.parse.urlparse(setup["server"])
        print("ready %d signed in %.1f s" % (len(bodies), signing), flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit(1)

        sent = {}
        errors = []
        lock = threading.Lock()
        position = [0]


        def submitter():
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
            while True:
                with lock:
                    i = position[0]
                    position[0] += 1
                if i >= len(bodies):
                    break
                start = time.time()
                try:
                    conn.request("POST", "/api", body=bodies[i], headers={"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    data = resp.read()
                    reply = json.loads(base64.b64decode(json.loads(data)["payload"]))
                    if resp.status != 200:
                        raise RuntimeError("%d %s" % (resp.status, reply))
                    with lock:
                        sent[reply["processid"]] = start
                except Exception as e:  # a refused or broken submit is reported, not retried
                    with lock:
                        errors.append(str(e))
                    conn.close()
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
            conn.close()


        first = time.time()
        threads = [threading.Thread(target=submitter) for _ in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        submitted = time.time()
        target = base + len(sent)
        deadline = time.time() + args.timeout
        seen = acknowledged()
        while seen < target and time.time() < deadline:
            time.sleep(0.02)
            seen = acknowledged()
        polled = time.time()
        print("done", flush=True)


        def parse_ts(text):
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


        received, reported = {}, {}
        for name in sorted(os.listdir(args.audit)):
            if not name.endswith(".jsonl"):
                continue
            with open(os.path.join(args.audit, name)) as f:
                for line in f:
                    if '"colonies.reported"' not in line and '"task.received"' not in line:
                        continue
                    record = json.loads(line)
                    tid = record.get("task_id")
                    if tid not in sent:
                        continue
                    if record["type"] == "task.received":
                        received[tid] = parse_ts(record["ts"])
                    elif record["type"] == "colonies.reported":
                        reported[tid] = parse_ts(record["ts"])


        def quantiles(values):
            values = sorted(values)
            if not values:
                return [None, None]
            return [values[min(len(values) - 1, max(0, int(q * len(values) + 0.999999) - 1))] for q in (0.5, 0.99)]


        last = max(reported.values()) if reported else polled
        print(json.dumps({
            "submitted": len(sent), "errors": len(errors), "first_error": errors[0] if errors else None,
            "acknowledged": seen - base, "reported_in_audit": len(reported),
            "submit_seconds": submitted - first, "seconds": last - first, "polled_seconds": polled - first,
            "end_to_end": quantiles([reported[p] - sent[p] for p in reported]),
            "in_beekeeper": quantiles([reported[p] - received[p] for p in reported if p in received]),
            "signing_seconds": signing,
        }), flush=True)

        """#

    /// wrk's script for phase B: every thread reads its share of the pre-signed requests (one per
    /// line: nonce, timestamp, signature, body; tab-separated), sends each once, and stops after
    /// its quota of answers (the spare requests cover the connections still in flight), saying
    /// `thread-done`; wrk's main thread sleeps out `-d` regardless, so the caller sends SIGINT once
    /// every thread is done. Arguments after `--`: file, threads, answers per thread. `done` prints
    /// one `wrk-result` line.
    static let wrkScript = #"""
        local threads = {}
        local counter = 0

        function setup(thread)
          thread:set("tid", counter)
          counter = counter + 1
          table.insert(threads, thread)
        end

        function init(args)
          local nthreads = tonumber(args[2])
          quota = tonumber(args[3])
          requests = {}
          local index = 0
          for line in io.lines(args[1]) do
            if index % nthreads == tid then
              local nonce, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
              requests[#requests + 1] = wrk.format("POST", "/v1/tasks", {
                ["Content-Type"] = "application/json",
                ["X-Beekeeper-Key"] = "bench",
                ["X-Beekeeper-Timestamp"] = ts,
                ["X-Beekeeper-Nonce"] = nonce,
                ["X-Beekeeper-Signature"] = sig,
              }, body)
            end
            index = index + 1
          end
          sent = 0
          answered = 0
          failed = 0
        end

        function request()
          sent = sent + 1
          if sent > #requests then sent = #requests end
          return requests[sent]
        end

        function response(status, headers, body)
          answered = answered + 1
          if status ~= 200 then failed = failed + 1 end
          if answered == quota then
            io.stdout:write("thread-done\n")
            io.stdout:flush()
            wrk.thread:stop()
          end
        end

        function done(summary, latency, requests)
          local failures = 0
          for _, thread in ipairs(threads) do failures = failures + (thread:get("failed") or 0) end
          io.write(string.format("wrk-result %d %d %d %d %d %d %d %d\n",
            summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
            failures, summary.errors.connect + summary.errors.read + summary.errors.write,
            summary.errors.timeout, summary.errors.status))
        end

        """#
}
