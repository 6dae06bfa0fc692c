#!/usr/bin/env python3
"""POST /v1/guardian/check end to end: N keep-alive connections, 64 KiB prose bodies, signed.

Usage: guardian-check-load.py PORT SECONDS CONNECTIONS PRIVATE_KEY_HEX (an auth.keys entry named "bench";
the sidecar needs a bee serving funcname "summarize"). Needs python3-cryptography.
"""
import base64, hashlib, http.client, json, os, sys, threading, time
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

port, seconds, connections, keyhex = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(keyhex))
sentences = [
    "The quarterly revenue report shows a steady increase in subscriptions across all regions.",
    "Please select a plan that fits your team and update the billing address before Friday.",
    "O'Brien and/or the finance team will review the drop in churn for the enterprise tier.",
    "Meeting notes: migrate the reporting jobs, rm the old dashboards from the wiki, and archive Q2.",
    "Customers on the gold tier receive priority support, a dedicated manager and monthly reviews.",
    "Invoices are generated on the first business day and paid automatically by card or transfer.",
    "Room rm 4 is booked for the onboarding session; bring the signed contracts and the agenda.",
    "Net revenue retention rose to 112% while gross margin held at 78% despite higher hosting costs.",
]
text, i = "", 0
while len(text.encode()) < 64 << 10:
    text += sentences[i % 8] + ("\n" if i % 5 == 4 else " ")
    i += 1
text = text.encode()[: 64 << 10].decode()
body = json.dumps({"funcname": "summarize", "args": [text]}).encode()
digest = hashlib.sha256(body).hexdigest()
counts, latencies, errors = [0] * connections, [], []
deadline = time.monotonic() + seconds

def worker(index):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    while time.monotonic() < deadline:
        ts, nonce = str(int(time.time())), os.urandom(16).hex()
        message = f"beekeeper-request v1\nPOST\n/v1/guardian/check\n{ts}\n{nonce}\n{digest}".encode()
        headers = {"Content-Type": "application/json", "X-Beekeeper-Key": "bench", "X-Beekeeper-Timestamp": ts,
                   "X-Beekeeper-Nonce": nonce, "X-Beekeeper-Signature": base64.b64encode(key.sign(message)).decode()}
        t0 = time.monotonic()
        conn.request("POST", "/v1/guardian/check", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        latencies.append(time.monotonic() - t0)
        if response.status != 200:
            errors.append((response.status, data[:200]))
        counts[index] += 1

start = time.monotonic()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - start
total = sum(counts)
latencies.sort()
print(f"{total} checks of {len(body)} B in {elapsed:.2f} s over {connections} connections: "
      f"{total * len(body) / elapsed / 1e6:.1f} MB/s of body, {total / elapsed:.0f} checks/s, "
      f"median latency {latencies[len(latencies) // 2] * 1e3:.2f} ms, p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms, errors {len(errors)} {errors[:1]}")
