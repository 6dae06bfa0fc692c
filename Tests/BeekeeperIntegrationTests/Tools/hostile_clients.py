#!/usr/bin/env python3
"""Attacks on a running sidecar for the hostile-client tests (issue 13), as a client without a
valid signature would make them. Each subcommand prints one JSON object with what it measured:
the sidecar's own descriptors, resident memory and bytes read come from /proc/PID.

  headers  PORT PID COUNT SIZE WAIT      oversized header lines, sockets held open by the client
  oversize PORT PID MODE KEY             a 1 GiB body (MODE length|chunked), sent until the sidecar closes
  stalled  PORT PID COUNT KEY HOLD [SENT]  uploads that send SENT bytes (1 KiB) of a 1 MiB body and stall
  shed     PORT PID IDLE SLOW BODY KEY LIMIT   idle, slowloris and slow-body connections
  flood    PORT COUNT                    unauthenticated requests, one connection each
  cap      PORT HELD                     HELD idle connections, then one request more
  raw      PORT TEXT                     TEXT as the request; the answer's status and JSON body
KEY is a key name the sidecar knows (the request passes the header checks, its signature is
garbage) or '-' for a name it does not know."""
import base64
import json
import os
import resource
import select
import socket
import sys
import threading
import time

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_fds(pid):
    """The fewest descriptors over a second: a task of the legitimate client in flight holds a
    bee's pipes for a moment, which is not a leak."""
    least = fds(pid)
    for _ in range(20):
        time.sleep(0.05)
        least = min(least, fds(pid))
    return least


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def read_bytes(pid):
    with open(f"/proc/{pid}/io") as io:
        for line in io:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


def signed_headers(key):
    name = key if key != "-" else "intruder"
    return (
        f"X-Beekeeper-Key: {name}\r\nX-Beekeeper-Timestamp: {int(time.time())}\r\n"
        f"X-Beekeeper-Nonce: {os.urandom(16).hex()}\r\n"
        f"X-Beekeeper-Signature: {base64.b64encode(bytes(64)).decode()}\r\n"
    )


def read_answer(sock, timeout=10):
    """The status and body of one answer (the connection may close after it)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    if not data.startswith(b"HTTP/1.1 "):
        return 0, b""
    return int(data[9:12]), body


def readable(sock):
    """Whether a read would not block (select() cannot take descriptors past 1024; poll can)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(0))


def closed_by_peer(sock):
    """True once the sidecar has closed the connection (EOF or reset)."""
    try:
        sock.setblocking(False)
        data = sock.recv(65536)
        return data == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError, OSError):
        return True


def headers(port, pid, count, size, wait):
    before = settled_fds(pid)
    held, statuses, spec = [], {}, 0
    line = b"X-Big: " + b"a" * size + b"\r\n"
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + line + b"\r\n")
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        status, body = read_answer(sock)
        statuses[status] = statuses.get(status, 0) + 1
        try:
            if "code" in json.loads(body)["error"]:
                spec += 1
        except (ValueError, KeyError, TypeError):
            pass
        held.append(sock)  # the client never closes: the sidecar must
    time.sleep(wait)
    after = settled_fds(pid)
    closed = sum(1 for sock in held if closed_by_peer(sock))
    print(json.dumps({"fds_before": before, "fds_after": after, "statuses": statuses, "spec_bodies": spec,
                      "closed_by_sidecar": closed}))


def oversize(port, pid, mode, key):
    read_before = read_bytes(pid)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    framing = "Content-Length: 1073741824\r\n" if mode == "length" else "Transfer-Encoding: chunked\r\n"
    sock.sendall((f"POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  f"{signed_headers(key)}{framing}\r\n").encode())
    chunk = b"a" * 65536
    if mode == "chunked":
        chunk = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    # Reading comes first: whatever the sidecar answers is taken before more is sent, as a client
    # that reads while it uploads (curl does) would, so a reset after the linger cannot hide it.
    started, sent, answer, pending = time.monotonic(), 0, b"", b""
    sock.setblocking(False)
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLOUT)
    while sent < (1 << 30) and time.monotonic() - started < 30:
        events = poller.poll(1000)
        flags = events[0][1] if events else 0
        if flags & (select.POLLIN | select.POLLHUP | select.POLLERR):
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                data = None
            except OSError:
                break
            if data == b"":
                break
            if data:
                answer += data
                continue
        if flags & select.POLLOUT:
            if not pending:
                pending = chunk
            try:
                count = sock.send(pending)
            except BlockingIOError:
                continue
            except OSError:
                break
            sent += count
            pending = pending[count:]
    closed_after = time.monotonic() - started
    time.sleep(0.5)
    status = int(answer[9:12]) if answer.startswith(b"HTTP/1.1 ") else 0
    print(json.dumps({"status": status, "sent": sent, "closed_after_s": round(closed_after, 3),
                      "sidecar_read": read_bytes(pid) - read_before}))


def stalled(port, pid, count, key, hold, sent=1024):
    before = rss(pid)
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall((f"POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      f"{signed_headers(key)}Content-Length: 1048576\r\n\r\n").encode())
        try:
            sock.sendall(b"[" * sent)
        except OSError:
            pass
        socks.append(sock)
    print("ready", flush=True)
    peak, deadline = before, time.monotonic() + hold
    while time.monotonic() < deadline:
        try:
            peak = max(peak, rss(pid))
        except OSError:
            break
        time.sleep(0.1)
    statuses = {}
    for sock in socks:
        status = read_answer(sock, timeout=0.2)[0] if readable(sock) else 0
        statuses[status] = statuses.get(status, 0) + 1
    print(json.dumps({"rss_before": before, "rss_peak": peak, "statuses": statuses}), flush=True)


def shed(port, pid, idle, slow, body, key, limit):
    started = time.monotonic()
    groups = {"idle": [], "slowloris": [], "slowbody": []}
    for _ in range(idle):
        groups["idle"].append(socket.create_connection(("127.0.0.1", port), timeout=10))
    for _ in range(slow):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        groups["slowloris"].append(sock)
    for _ in range(body):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall((f"POST /v1/guardian/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      f"{signed_headers(key)}Content-Length: 60000\r\n\r\n").encode())
        groups["slowbody"].append(sock)
    opened = time.monotonic() - started
    closed_at = {name: [] for name in groups}
    open_socks = {sock: name for name, socks in groups.items() for sock in socks}
    poller, by_fd = select.poll(), {}
    for sock in open_socks:
        sock.setblocking(False)
        poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
        by_fd[sock.fileno()] = sock
    last_trickle = 0.0
    while open_socks and time.monotonic() - started < limit:
        now = time.monotonic()
        if now - last_trickle >= 0.5:
            last_trickle = now
            for sock, name in list(open_socks.items()):
                if name == "slowloris" or name == "slowbody":
                    try:
                        sock.send(b"a" if name == "slowloris" else b" ")
                    except (BlockingIOError, BrokenPipeError, ConnectionResetError, OSError):
                        pass
        for fd, _ in poller.poll(100):
            sock = by_fd[fd]
            if sock in open_socks and closed_by_peer(sock):
                closed_at[open_socks.pop(sock)].append(time.monotonic() - started)
                poller.unregister(fd)
    result = {"opened_in_s": round(opened, 3), "still_open": {name: sum(1 for n in open_socks.values() if n == name) for name in groups},
              "fds_after": fds(pid)}
    for name, times in closed_at.items():
        result[name + "_closed"] = len(times)
        result[name + "_last_s"] = round(max(times), 3) if times else None
    print(json.dumps(result))


def raw(port, text):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(text.encode())
    status, body = read_answer(sock)
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = body.decode(errors="replace")
    print(json.dumps({"status": status, "body": parsed}))


def cap(port, held):
    """Holds HELD idle connections, then asks for /healthz on one more."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(held)]
    time.sleep(0.5)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    status, body = read_answer(sock)
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = body.decode(errors="replace")
    for held_sock in socks:
        held_sock.close()
    print(json.dumps({"status": status, "body": parsed}))


def flood(port, count):
    statuses, lock = {}, threading.Lock()
    started = time.monotonic()

    def worker(n):
        for _ in range(n):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                body = b'{"funcname":"echo"}'
                sock.sendall((f"POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              f"{signed_headers('-')}Content-Length: {len(body)}\r\n\r\n").encode() + body)
                status = read_answer(sock)[0]
                sock.close()
            except OSError:
                status = -1
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, args=(count // 4 + (1 if i < count % 4 else 0),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"statuses": statuses, "seconds": round(time.monotonic() - started, 3)}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "headers":
        headers(int(args[0]), int(args[1]), int(args[2]), int(args[3]), float(args[4]))
    elif command == "oversize":
        oversize(int(args[0]), int(args[1]), args[2], args[3])
    elif command == "stalled":
        stalled(int(args[0]), int(args[1]), int(args[2]), args[3], float(args[4]), int(args[5]) if len(args) > 5 else 1024)
    elif command == "shed":
        shed(int(args[0]), int(args[1]), int(args[2]), int(args[3]), int(args[4]), args[5], float(args[6]))
    elif command == "raw":
        raw(int(args[0]), args[1])
    elif command == "cap":
        cap(int(args[0]), int(args[1]))
    elif command == "flood":
        flood(int(args[0]), int(args[1]))
    else:
        sys.exit(f"unknown command {command}")
