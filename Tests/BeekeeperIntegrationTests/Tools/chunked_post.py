#!/usr/bin/env python3
"""Sends a chunked POST (no Content-Length) of N bytes to 127.0.0.1:PORT/PATH and prints
'<status> <bytes sent before the answer>' — for the 413-before-the-body-is-read test."""
import socket
import sys

port, path, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
# Further arguments are header lines ("Name: value"): a signed request's headers, so the body is read at all.
extra = "".join(f"{line}\r\n" for line in sys.argv[4:])
sock = socket.create_connection(("127.0.0.1", port), timeout=20)
sock.sendall(
    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    f"Transfer-Encoding: chunked\r\n{extra}\r\n".encode()
)
chunk = b"a" * 65536
sent = 0
sock.settimeout(0.05)
response = b""
try:
    while sent < total:
        sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        sent += len(chunk)
        try:
            data = sock.recv(65536)
            if data:
                response += data
                break
        except socket.timeout:
            pass
except (BrokenPipeError, ConnectionResetError):
    pass
sock.settimeout(20)
try:
    while b"\r\n" not in response:
        data = sock.recv(65536)
        if not data:
            break
        response += data
except (socket.timeout, ConnectionResetError):
    pass
status = response.split(b" ")[1].decode() if response.startswith(b"HTTP/1.1") else "none"
print(status, sent)
