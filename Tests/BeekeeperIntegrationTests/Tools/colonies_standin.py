#!/usr/bin/env python3
"""A stand-in for a Colonies server (v1.9.12), for Beekeeper's integration tests.

It speaks the executor's part of the ColonyOS protocol (shared/COLONYOS.md, sections 2, 5 and 6)
with the real server's HTTP statuses, messages and JSON (field order, indentation, Go's escaping
and number formatting included), plus what users and the setup need. Python 3.11 standard
library only, and pycolonies' own crypto module (its curve, its key -> id derivation); the caller
of every signed call is recovered from (SHA3-256 of the payload text, signature) exactly as the
server's btcec RecoverCompact + low-s check does, so a corrupted signature is "not a member".
Checked call by call against a real v1.9.12 by colonies_differential.py.

Usage:
    colonies_standin.py --server-id ID | --server-prvkey KEY
                        [--host 127.0.0.1] [--port 0] [--state FILE] [--log FILE]
                        [--stale-duration S] [--cleanup-interval S]
                        [--allow-executor-reregister] [--crypto pycolonies|libsecp256k1|auto]

    --port 0 picks a free port. Once it serves, it prints exactly one line on stdout,
        colonies-standin listening on 127.0.0.1:PORT
    and flushes; nothing else goes to stdout (diagnostics go to stderr).
    --server-id: the server owner (the only key that may add colonies); default
        $COLONIES_SERVER_ID. --server-prvkey derives it from the key instead.
    --stale-duration / --cleanup-interval (seconds, fractions allowed; defaults
        $COLONIES_STALE_EXECUTOR_DURATION or 600, $COLONIES_CLEANUP_INTERVAL or 60): every
        cleanup interval, executors not heard from (no assign call) for longer than the stale
        duration are unregistered and their running processes go back to waiting.
    --state FILE: everything survives a kill -9 or SIGTERM and a restart on the same FILE (see
        Persister for the format). --log FILE: one JSON line per /api request (see RequestLog).
    SIGTERM or SIGINT: stops serving, writes the state, exits 0.

Messages served (others answer 403 "invalid rpcMsg.PayloadType: X" where the real server has a
handler): versionmsg (unsigned), getserverinfomsg (unsigned), addcolonymsg, getcolonymsg,
getcoloniesmsg, addusermsg, getusersmsg, addexecutormsg, approveexecutormsg, rejectexecutormsg,
removeexecutormsg, getexecutormsg, getexecutorsmsg, submitfuncspecmsg, assignprocessmsg,
closesuccessfulmsg, closefailedmsg, setoutputmsg, getprocessmsg, getprocessesmsg,
removeprocessmsg, cancelprocessmsg, addfunctionmsg, getfunctionsmsg.
Also: GET /health (200, empty body); other paths 404 "404 page not found".
Background: maxexectime (retries, the 0 trap) and maxwaittime every 0.2 s, compared in whole
seconds as the server does; the stale executor cleanup.
"""

import argparse
import base64
import binascii
import bisect
import calendar
import collections
import decimal
import hashlib
import json
import math
import os
import re
import select
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# --------------------------------------------------------------------------------------------
# pycolonies' crypto (secp256k1 constants, the id derivation)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colonies_rpc import pycrypto as pyc  # noqa: E402  (one loader of pycolonies' crypto, beside this file)

P = pyc.P
N = pyc.N
GX, GY = pyc.Gx, pyc.Gy
HALF_N = N // 2


def key_id(prvkey_hex):
    """The id of a private key, by pycolonies (sha3-256 of the 130 hex chars of the public key)."""
    return pyc.get_id(prvkey_hex)


# Point arithmetic in Jacobian coordinates (a = 0); the point at infinity has Z = 0.
def _jdbl(X, Y, Z):
    if not Y or not Z:
        return (0, 1, 0)
    YY = Y * Y % P
    S = 4 * X * YY % P
    M = 3 * X * X % P
    X3 = (M * M - 2 * S) % P
    return (X3, (M * (S - X3) - 8 * YY * YY) % P, 2 * Y * Z % P)


def _jadd_aff(X1, Y1, Z1, x2, y2):
    if not Z1:
        return (x2, y2, 1)
    Z1Z1 = Z1 * Z1 % P
    H = (x2 * Z1Z1 - X1) % P
    r = (y2 * Z1 * Z1Z1 - Y1) % P
    if not H:
        if not r:
            return _jdbl(X1, Y1, Z1)
        return (0, 1, 0)
    HH = H * H % P
    HHH = H * HH % P
    V = X1 * HH % P
    X3 = (r * r - HHH - 2 * V) % P
    return (X3, (r * (V - X3) - Y1 * HHH) % P, Z1 * H % P)


def _jadd(X1, Y1, Z1, X2, Y2, Z2):
    if not Z1:
        return (X2, Y2, Z2)
    if not Z2:
        return (X1, Y1, Z1)
    Z1Z1 = Z1 * Z1 % P
    Z2Z2 = Z2 * Z2 % P
    U1 = X1 * Z2Z2 % P
    U2 = X2 * Z1Z1 % P
    S1 = Y1 * Z2 * Z2Z2 % P
    S2 = Y2 * Z1 * Z1Z1 % P
    H = (U2 - U1) % P
    r = (S2 - S1) % P
    if not H:
        if not r:
            return _jdbl(X1, Y1, Z1)
        return (0, 1, 0)
    HH = H * H % P
    HHH = H * HH % P
    V = U1 * HH % P
    X3 = (r * r - HHH - 2 * V) % P
    return (X3, (r * (V - X3) - S1 * HHH) % P, Z1 * Z2 * H % P)


def _to_affine(points):
    acc = []
    a = 1
    for (_, _, Z) in points:
        acc.append(a)
        a = a * Z % P
    inv = pow(a, -1, P)
    out = [None] * len(points)
    for i in range(len(points) - 1, -1, -1):
        X, Y, Z = points[i]
        zi = inv * acc[i] % P
        inv = inv * Z % P
        zi2 = zi * zi % P
        out[i] = (X * zi2 % P, Y * zi2 * zi % P)
    return out


_GW = 8
_GTABLE = None
_GTABLE_LOCK = threading.Lock()


def _gtable():
    """Fixed-base table: row i holds j * 2^(8i) * G for j = 1..255 (affine)."""
    global _GTABLE
    if _GTABLE is None:
        with _GTABLE_LOCK:
            if _GTABLE is None:
                table = []
                base = (GX, GY, 1)
                for _ in range(256 // _GW):
                    row = [base]
                    cur = base
                    for _ in range(2, 1 << _GW):
                        cur = _jadd(cur[0], cur[1], cur[2], base[0], base[1], base[2])
                        row.append(cur)
                    table.append(_to_affine(row))
                    for _ in range(_GW):
                        base = _jdbl(*base)
                _GTABLE = table
    return _GTABLE


def _mul_g(k):
    table = _gtable()
    X, Y, Z = 0, 1, 0
    i = 0
    mask = (1 << _GW) - 1
    while k:
        d = k & mask
        if d:
            x2, y2 = table[i][d - 1]
            X, Y, Z = _jadd_aff(X, Y, Z, x2, y2)
        k >>= _GW
        i += 1
    return (X, Y, Z)


# GLV endomorphism of secp256k1: lambda * (x, y) = (beta * x, y).
_BETA = 0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501ee
_A1 = 0x3086d221a7d46bcde86c90e49284eb15
_B1 = -0xe4437ed6010e88286f547fa90abfe4c3
_A2 = 0x114ca50f7a8e2f3f657c1108d9d44cfd8
_B2 = _A1


def _wnaf(k, w=5):
    out = []
    half = 1 << (w - 1)
    full = 1 << w
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        out.append(d)
        k >>= 1
    return out


def _odd_multiples(x, y, w=5):
    p1 = (x, y, 1)
    p2 = _jdbl(*p1)
    odd = [p1]
    for _ in range((1 << (w - 2)) - 1):
        last = odd[-1]
        odd.append(_jadd(last[0], last[1], last[2], p2[0], p2[1], p2[2]))
    return _to_affine(odd)


def _mul_var(k, x, y):
    c1 = (_B2 * k + N // 2) // N
    c2 = (-_B1 * k + N // 2) // N
    k1 = k - c1 * _A1 - c2 * _A2
    k2 = -c1 * _B1 - c2 * _B2
    y1 = y if k1 >= 0 else P - y
    y2 = y if k2 >= 0 else P - y
    t1 = _odd_multiples(x, y1)
    t2 = [(_BETA * ax % P, ay) for ax, ay in _odd_multiples(x, y2)]
    n1 = _wnaf(abs(k1))
    n2 = _wnaf(abs(k2))
    length = max(len(n1), len(n2))
    n1 += [0] * (length - len(n1))
    n2 += [0] * (length - len(n2))
    X, Y, Z = 0, 1, 0
    for i in range(length - 1, -1, -1):
        if Z:
            YY = Y * Y % P
            S = 4 * X * YY % P
            M = 3 * X * X % P
            X3 = (M * M - 2 * S) % P
            Y, Z = (M * (S - X3) - 8 * YY * YY) % P, 2 * Y * Z % P
            X = X3
        d = n1[i]
        if d:
            ax, ay = t1[(d if d > 0 else -d) >> 1]
            X, Y, Z = _jadd_aff(X, Y, Z, ax, ay if d > 0 else P - ay)
        d = n2[i]
        if d:
            ax, ay = t2[(d if d > 0 else -d) >> 1]
            X, Y, Z = _jadd_aff(X, Y, Z, ax, ay if d > 0 else P - ay)
    return (X, Y, Z)


class SignatureError(Exception):
    pass


def _go_invalid_byte(b):
    return "encoding/hex: invalid byte: " + _go_rune_u(b)


def _go_rune_u(b):
    """fmt's %#U of rune(b): U+0067 'g' (the quoted char only when printable)."""
    s = "U+%04X" % b
    ch = chr(b)
    if ch.isprintable():
        s += " '" + ch + "'"
    return s


def _go_hex_decode(s):
    """encoding/hex.DecodeString with Go's errors (checked pair by pair, then odd length)."""
    raw = s.encode("utf-8", "surrogateescape")
    hexd = b"0123456789abcdefABCDEF"
    n = len(raw)
    j = 1
    while j < n:
        if raw[j - 1] not in hexd:
            raise SignatureError(_go_invalid_byte(raw[j - 1]))
        if raw[j] not in hexd:
            raise SignatureError(_go_invalid_byte(raw[j]))
        j += 2
    if n % 2 == 1:
        if raw[j - 1] not in hexd:
            raise SignatureError(_go_invalid_byte(raw[j - 1]))
        raise SignatureError("encoding/hex: odd length hex string")
    return bytes.fromhex(raw.decode("ascii"))


class Secp256k1:
    """Optional (--crypto libsecp256k1): the heavy part of the recovery, the two scalar
    multiplications, done by libsecp256k1's recovery module through ctypes. Every check the
    server words as an error is still made in Python first, so answers are identical; it only
    saves ~1 ms of pure-Python arithmetic per signed call (and releases the GIL meanwhile)."""

    def __init__(self):
        import ctypes
        import ctypes.util
        names = [ctypes.util.find_library("secp256k1"), "libsecp256k1.so.1", "libsecp256k1.so"]
        lib = None
        for n in names:
            if not n:
                continue
            try:
                lib = ctypes.CDLL(n)
                break
            except OSError:
                continue
        if lib is None:
            raise OSError("libsecp256k1 not found")
        self.ct = ctypes
        lib.secp256k1_context_create.restype = ctypes.c_void_p
        lib.secp256k1_context_create.argtypes = [ctypes.c_uint]
        lib.secp256k1_ecdsa_recoverable_signature_parse_compact.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        lib.secp256k1_ecdsa_recover.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.secp256k1_ec_pubkey_serialize.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_uint]
        self.lib = lib
        self.ctx = lib.secp256k1_context_create(0x101)  # SECP256K1_CONTEXT_VERIFY

    def recover_pub(self, sig64, recid, digest):
        ct = self.ct
        rsig = ct.create_string_buffer(65)
        pub = ct.create_string_buffer(64)
        out = ct.create_string_buffer(65)
        n = ct.c_size_t(65)
        if not self.lib.secp256k1_ecdsa_recoverable_signature_parse_compact(self.ctx, rsig, sig64, recid):
            return None
        if not self.lib.secp256k1_ecdsa_recover(self.ctx, pub, rsig, digest):
            return None
        self.lib.secp256k1_ec_pubkey_serialize(self.ctx, out, ct.byref(n), pub, 2)  # SECP256K1_EC_UNCOMPRESSED
        return out.raw[:n.value]


_SECP = None


def use_libsecp256k1():
    global _SECP
    _SECP = Secp256k1()


def recover_id(payload, signature):
    """The caller id the server derives from (payload text, signature hex); SignatureError with
    the server's message when it refuses."""
    sig = _go_hex_decode(signature)
    if len(sig) != 65:
        raise SignatureError("Invalid signature length")
    code = (sig[64] + 27) & 0xFF
    if code < 27 or code > 34:
        raise SignatureError("Failed to recover public key: invalid signature: public key recovery code %d "
                             "is not in the valid range [27, 34]" % code)
    recid = (code - 27) & 3
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:64], "big")
    if r >= N:
        raise SignatureError("Failed to recover public key: invalid signature: R >= group order")
    if r == 0:
        raise SignatureError("Failed to recover public key: invalid signature: R is 0")
    if s >= N:
        raise SignatureError("Failed to recover public key: invalid signature: S >= group order")
    if s == 0:
        raise SignatureError("Failed to recover public key: invalid signature: S is 0")
    x = r
    if recid & 2:
        if r + N >= P:
            raise SignatureError("Failed to recover public key: invalid signature: signature R + N >= P")
        x = r + N
    rhs = (pow(x, 3, P) + 7) % P
    y = pow(rhs, (P + 1) // 4, P)
    if y * y % P != rhs:
        raise SignatureError("Failed to recover public key: invalid signature: not for a valid curve point")
    if (y & 1) != (recid & 1):
        y = P - y
    digest = hashlib.sha3_256(payload.encode("utf-8", "surrogateescape")).digest()
    if _SECP is not None:
        pub = _SECP.recover_pub(sig[:64], recid, digest)
        if pub is None:
            raise SignatureError("Failed to recover public key: invalid signature: recovered pubkey is the point at infinity")
        if s > HALF_N:
            raise SignatureError("Failed verify signature: Signature s value is over half the order")
        return hashlib.sha3_256(pub.hex().encode("ascii")).hexdigest()
    z = int.from_bytes(digest, "big") % N
    rinv = pow(r, -1, N)
    u1 = (-z * rinv) % N
    u2 = s * rinv % N
    A = _mul_g(u1)
    B = _mul_var(u2, x, y)
    Q = _jadd(A[0], A[1], A[2], B[0], B[1], B[2])
    if Q[2] == 0:
        raise SignatureError("Failed to recover public key: invalid signature: recovered pubkey is the point at infinity")
    if s > HALF_N:
        raise SignatureError("Failed verify signature: Signature s value is over half the order")
    (qx, qy), = _to_affine([Q])
    pub = "04" + qx.to_bytes(32, "big").hex() + qy.to_bytes(32, "big").hex()
    return hashlib.sha3_256(pub.encode("ascii")).hexdigest()


class RecoverCache:
    """Deterministic signatures (RFC 6979) make repeated identical calls (an executor's assign
    poll) carry identical (payload, signature) pairs: remember their answers."""

    def __init__(self, size=20000):
        self.size = size
        self.lock = threading.Lock()
        self.map = collections.OrderedDict()

    def recover(self, payload, signature):
        key = None
        if len(payload) <= 8192 and len(signature) <= 200:
            key = (payload, signature)
            with self.lock:
                hit = self.map.get(key)
                if hit is not None:
                    self.map.move_to_end(key)
            if hit is not None:
                if hit[0] == "err":
                    raise SignatureError(hit[1])
                return hit[1]
        try:
            rid = recover_id(payload, signature)
            entry = ("ok", rid)
        except SignatureError as e:
            entry = ("err", str(e))
        if key is not None:
            with self.lock:
                self.map[key] = entry
                if len(self.map) > self.size:
                    self.map.popitem(last=False)
        if entry[0] == "err":
            raise SignatureError(entry[1])
        return entry[1]


# --------------------------------------------------------------------------------------------
# Go's JSON: syntax errors (encoding/json's scanner messages), decoding into Go types, encoding

class GoJSONError(Exception):
    pass


_WS = b" \t\r\n"


def _go_quote_char(c):
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    esc = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 0x5C: "\\\\"}
    if c in esc:
        s = esc[c]
    elif chr(c).isprintable():
        s = chr(c)
    elif c < 0x80:
        s = "\\x%02x" % c
    else:
        s = "\\u%04x" % c
    return "'" + s + "'"


def go_check_valid(data):
    """Run Go's JSON syntax check over bytes; return None or the error message Go gives."""
    n = len(data)
    i = 0

    def bad(pos, context):
        raise GoJSONError("invalid character " + _go_quote_char(data[pos]) + " " + context)

    def eof():
        raise GoJSONError("unexpected end of JSON input")

    def ws(i):
        while i < n and data[i] in _WS:
            i += 1
        return i

    def value(i, context="looking for beginning of value"):
        i = ws(i)
        if i >= n:
            eof()
        c = data[i]
        if c == 0x7B:  # {
            i = ws(i + 1)
            if i >= n:
                eof()
            if data[i] == 0x7D:
                return i + 1
            while True:
                if i >= n:
                    eof()
                if data[i] != 0x22:
                    bad(i, "looking for beginning of object key string")
                i = string(i)
                i = ws(i)
                if i >= n:
                    eof()
                if data[i] != 0x3A:
                    bad(i, "after object key")
                i = value(i + 1)
                i = ws(i)
                if i >= n:
                    eof()
                if data[i] == 0x2C:
                    i = ws(i + 1)
                    continue
                if data[i] == 0x7D:
                    return i + 1
                bad(i, "after object key:value pair")
        if c == 0x5B:  # [
            i = ws(i + 1)
            if i >= n:
                eof()
            if data[i] == 0x5D:
                return i + 1
            while True:
                i = value(i)
                i = ws(i)
                if i >= n:
                    eof()
                if data[i] == 0x2C:
                    i += 1
                    continue
                if data[i] == 0x5D:
                    return i + 1
                bad(i, "after array element")
        if c == 0x22:
            return string(i)
        if c == 0x2D or 0x30 <= c <= 0x39:
            return number(i)
        for word in (b"true", b"false", b"null"):
            if c == word[0]:
                for k in range(1, len(word)):
                    if i + k >= n:
                        eof()
                    if data[i + k] != word[k]:
                        bad(i + k, "in literal %s (expecting %s)" % (word.decode(), _go_quote_char(word[k])))
                return i + len(word)
        bad(i, context)

    def string(i):
        i += 1
        while True:
            if i >= n:
                eof()
            c = data[i]
            if c == 0x22:
                return i + 1
            if c == 0x5C:
                i += 1
                if i >= n:
                    eof()
                e = data[i]
                if e in b'bfnrt\\/"':
                    i += 1
                    continue
                if e == 0x75:
                    for k in range(1, 5):
                        if i + k >= n:
                            eof()
                        if data[i + k] not in b"0123456789abcdefABCDEF":
                            bad(i + k, "in \\u hexadecimal character escape")
                    i += 5
                    continue
                bad(i, "in string escape code")
            if c < 0x20:
                bad(i, "in string literal")
            i += 1

    def number(i):
        if data[i] == 0x2D:
            i += 1
            if i >= n:
                eof()
            if not (0x30 <= data[i] <= 0x39):
                bad(i, "in numeric literal")
        if data[i] == 0x30:
            i += 1
        else:
            while i < n and 0x30 <= data[i] <= 0x39:
                i += 1
        if i < n and data[i] == 0x2E:
            i += 1
            if i >= n:
                eof()
            if not (0x30 <= data[i] <= 0x39):
                bad(i, "after decimal point in numeric literal")
            while i < n and 0x30 <= data[i] <= 0x39:
                i += 1
        if i < n and data[i] in b"eE":
            i += 1
            if i < n and data[i] in b"+-":
                i += 1
            if i >= n:
                eof()
            if not (0x30 <= data[i] <= 0x39):
                bad(i, "in exponent of numeric literal")
            while i < n and 0x30 <= data[i] <= 0x39:
                i += 1
        return i

    try:
        i = value(0)
        i = ws(i)
        if i < n:
            bad(i, "after top-level value")
    except GoJSONError as e:
        return str(e)
    except RecursionError:
        return "exceeded max depth"
    return None


class Num:
    """A JSON number literal, kept as written until a Go type decides what it may be."""
    __slots__ = ("lit",)

    def __init__(self, lit):
        self.lit = lit


class Pairs(list):
    """A JSON object as its (key, value) pairs in order (Go matches struct fields itself)."""


def _reject_constant(name):
    raise ValueError("invalid constant " + name)


_SURROGATES = re.compile("[\ud800-\udfff]")


def _clean_str(s):
    if _SURROGATES.search(s):
        return _SURROGATES.sub("\ufffd", s)
    return s


def go_loads(data):
    """bytes -> (error message or None, parsed value with Pairs/Num). Python's parser accepts what
    Go's accepts (NaN and Infinity aside, refused here); Go's scanner runs only to word the error."""
    text = data.decode("utf-8", "replace")
    try:
        return None, json.loads(text, object_pairs_hook=Pairs, parse_float=Num, parse_int=Num,
                                parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        err = go_check_valid(data)
        return err or ("invalid JSON: %s" % e), None


_INT_RE = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_GO_TYPE_NAMES = {"str": "string", "int": "int", "bool": "bool", "float": "float64", "time": "time.Time"}


def _json_kind(v):
    if isinstance(v, Pairs):
        return "object"
    if isinstance(v, list):
        return "array"
    if isinstance(v, str):
        return "string"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, Num):
        return "number"
    return "null"


class Decoder:
    """Decodes a parsed JSON value into the shape Go's encoding/json gives a Go type: missing
    fields get zero values, field names match case-insensitively, numbers in interface{} become
    float64, map keys end up sorted (as Go marshals them). Remembers the first type error."""

    def __init__(self):
        self.error = None

    def fail(self, msg):
        if self.error is None:
            self.error = msg

    def zero(self, schema):
        if isinstance(schema, str):
            return {"str": "", "int": 0, "bool": False, "float": 0.0, "any": None, "time": None}[schema]
        kind = schema[0]
        if kind == "struct":
            return {name: self.zero(sub) for name, sub in schema[2]}
        return None

    def decode(self, schema, v, path=""):
        if isinstance(schema, str):
            if schema == "any":
                return self.any(v)
            if v is None:
                return self.zero(schema)
            if schema == "str":
                if isinstance(v, str):
                    return _clean_str(v)
            elif schema == "int":
                if isinstance(v, Num) and _INT_RE.match(v.lit):
                    iv = int(v.lit)
                    if -(1 << 63) <= iv < (1 << 63):
                        return iv
                    self.fail("json: cannot unmarshal number %s into Go value of type int" % v.lit)
                    return 0
            elif schema == "bool":
                if isinstance(v, bool):
                    return v
            elif schema == "float":
                if isinstance(v, Num):
                    f = float(v.lit)
                    if math.isinf(f):
                        self.fail("json: cannot unmarshal number %s into Go value of type float64" % v.lit)
                        return 0.0
                    return f
            elif schema == "time":
                if isinstance(v, str):
                    t = parse_rfc3339(v)
                    if t is not False:
                        return t
                    self.fail("parsing time %s" % json.dumps(v))
                    return None
            self.fail("json: cannot unmarshal %s into Go struct field %s of type %s"
                      % (_json_kind(v), path, _GO_TYPE_NAMES[schema]))
            return self.zero(schema)
        kind = schema[0]
        if kind == "ptr":
            if v is None:
                return None
            return self.decode(schema[1], v, path)
        if kind == "struct":
            if v is None:
                return self.zero(schema)
            if not isinstance(v, Pairs):
                self.fail("json: cannot unmarshal %s into Go struct field %s of type %s" % (_json_kind(v), path, schema[1]))
                return self.zero(schema)
            fields = schema[2]
            out = {name: self.zero(sub) for name, sub in fields}
            exact = {name: sub for name, sub in fields}
            for key, val in v:
                if key in exact:
                    name, sub = key, exact[key]
                else:
                    low = key.lower()
                    match = [(nm, sb) for nm, sb in fields if nm.lower() == low]
                    if not match:
                        continue
                    name, sub = match[0]
                out[name] = self.decode(sub, val, (path + "." if path else schema[1].split(".")[-1] + ".") + name)
            return out
        if kind == "list":
            if v is None:
                return None
            if not isinstance(v, list) or isinstance(v, Pairs):
                self.fail("json: cannot unmarshal %s into Go struct field %s of type []" % (_json_kind(v), path))
                return None
            return [self.decode(schema[1], e, path) for e in v]
        if kind == "map":
            if v is None:
                return None
            if not isinstance(v, Pairs):
                self.fail("json: cannot unmarshal %s into Go struct field %s of type map" % (_json_kind(v), path))
                return None
            d = {}
            for key, val in v:
                d[_clean_str(key)] = self.decode(schema[1], val, path)
            return dict(sorted(d.items()))
        raise AssertionError(schema)

    def any(self, v):
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, str):
            return _clean_str(v)
        if isinstance(v, Num):
            f = float(v.lit)
            if math.isinf(f):
                self.fail("json: cannot unmarshal number %s into Go value of type float64" % v.lit)
                return 0.0
            return f
        if isinstance(v, Pairs):
            d = {}
            for key, val in v:
                d[_clean_str(key)] = self.any(val)
            return dict(sorted(d.items()))
        if isinstance(v, list):
            return [self.any(e) for e in v]
        raise AssertionError(type(v))


def S(name, *fields):
    return ("struct", name, list(fields))


def L(sub):
    return ("list", sub)


def M(sub):
    return ("map", sub)


def PTR(sub):
    return ("ptr", sub)


GPU_T = S("core.GPU", ("name", "str"), ("mem", "str"), ("count", "int"), ("nodecount", "int"))
CONDITIONS_T = S("core.Conditions", ("colonyname", "str"), ("executornames", L("str")), ("executortype", "str"),
                 ("locationname", "str"), ("dependencies", L("str")), ("nodes", "int"), ("cpu", "str"),
                 ("processes", "int"), ("processespernode", "int"), ("mem", "str"), ("storage", "str"),
                 ("gpu", GPU_T), ("walltime", "int"))
SNAPSHOT_T = S("core.SnapshotMount", ("snapshotid", "str"), ("label", "str"), ("dir", "str"),
               ("keepfiles", "bool"), ("keepsnapshot", "bool"))
SYNCDIR_T = S("core.SyncDirMount", ("label", "str"), ("dir", "str"), ("keepfiles", "bool"),
              ("onconflicts", S("core.ConflictResolution",
                                ("onstart", S("core.OnStart", ("keeplocal", "bool"))),
                                ("onclose", S("core.OnClose", ("keeplocal", "bool"))))))
FS_T = S("core.Filesystem", ("mount", "str"), ("snapshots", L(SNAPSHOT_T)), ("dirs", L(SYNCDIR_T)))
FUNCSPEC_T = S("core.FunctionSpec", ("nodename", "str"), ("funcname", "str"), ("args", L("any")),
               ("kwargs", M("any")), ("priority", "int"), ("maxwaittime", "int"), ("maxexectime", "int"),
               ("maxretries", "int"), ("conditions", CONDITIONS_T), ("label", "str"), ("fs", FS_T),
               ("env", M("str")), ("channels", L("str")))
HARDWARE_T = S("core.Hardware", ("model", "str"), ("nodes", "int"), ("cpu", "str"), ("cores", "int"),
               ("mem", "str"), ("storage", "str"), ("gpu", GPU_T), ("platform", "str"),
               ("architecture", "str"), ("network", L("str")))
SOFTWARE_T = S("core.Software", ("name", "str"), ("type", "str"), ("version", "str"))
PROJECT_T = S("core.Project", ("allocatedcpu", "int"), ("usedcpu", "int"), ("allocatedgpu", "int"),
              ("usedgpu", "int"), ("allocatedstorage", "int"), ("usedstorage", "int"))
EXECUTOR_T = S("core.Executor", ("executorid", "str"), ("executortype", "str"), ("executorname", "str"),
               ("colonyname", "str"), ("state", "int"), ("requirefuncreg", "bool"),
               ("commissiontime", "time"), ("lastheardfromtime", "time"), ("locationname", "str"),
               ("capabilities", S("core.Capabilities", ("hardware", L(HARDWARE_T)), ("software", L(SOFTWARE_T)))),
               ("allocations", S("core.Allocations", ("projects", M(PROJECT_T)))),
               ("blueprintid", "str"), ("blueprintgen", "int"))
FUNCARG_T = S("core.FunctionArg", ("name", "str"), ("type", "str"), ("description", "str"),
              ("required", "bool"), ("enum", L("str")))
FUNCTION_T = S("core.Function", ("functionid", "str"), ("executorname", "str"), ("executortype", "str"),
               ("colonyname", "str"), ("funcname", "str"), ("description", "str"), ("args", L(PTR(FUNCARG_T))),
               ("counter", "int"), ("minwaittime", "float"), ("maxwaittime", "float"), ("minexectime", "float"),
               ("maxexectime", "float"), ("avgwaittime", "float"), ("avgexectime", "float"),
               ("locationname", "str"))
COLONY_T = S("core.Colony", ("colonyid", "str"), ("name", "str"))
USER_T = S("core.User", ("colonyname", "str"), ("userid", "str"), ("name", "str"), ("email", "str"), ("phone", "str"))

RPCMSG_T = S("rpc.RPCMsg", ("signature", "str"), ("payloadtype", "str"), ("payload", "str"))


def MSG(name, *fields):
    return S("rpc." + name, *(list(fields) + [("msgtype", "str")]))


MSG_SCHEMAS = {
    "versionmsg": MSG("VersionMsg", ("buildversion", "str"), ("buildtime", "str")),
    "addcolonymsg": MSG("AddColonyMsg", ("colony", PTR(COLONY_T))),
    "getcolonymsg": MSG("GetColonyMsg", ("colonyname", "str")),
    "getcoloniesmsg": MSG("GetColoniesMsg"),
    "addusermsg": MSG("AddUserMsg", ("user", PTR(USER_T))),
    "getusersmsg": MSG("GetUsersMsg", ("colonyname", "str")),
    "addexecutormsg": MSG("AddExecutorMsg", ("executor", PTR(EXECUTOR_T))),
    "approveexecutormsg": MSG("ApproveExecutorRPC", ("colonyname", "str"), ("executorname", "str")),
    "rejectexecutormsg": MSG("RejectExecutorMsg", ("colonyname", "str"), ("executorname", "str")),
    "removeexecutormsg": MSG("RemoveExecutorMsg", ("colonyname", "str"), ("executorname", "str")),
    "getexecutormsg": MSG("GetExecutorMsg", ("colonyname", "str"), ("executorname", "str")),
    "getexecutorsmsg": MSG("GetExecutorsMsg", ("colonyname", "str")),
    "submitfuncspecmsg": MSG("SubmitFunctionSpecMsg", ("spec", PTR(FUNCSPEC_T))),
    "assignprocessmsg": MSG("AssignProcessMsg", ("colonyname", "str"), ("timeout", "int"),
                            ("availablecpu", "str"), ("availablemem", "str")),
    "closesuccessfulmsg": MSG("CloseSuccessfulMsg", ("processid", "str"), ("out", L("any"))),
    "closefailedmsg": MSG("CloseFailedMsg", ("processid", "str"), ("errors", L("str"))),
    "setoutputmsg": MSG("SetOutputMsg", ("processid", "str"), ("out", L("any"))),
    "getprocessmsg": MSG("GetProcessMsg", ("processid", "str")),
    "getprocessesmsg": MSG("GetProcessesMsg", ("colonyname", "str"), ("count", "int"), ("state", "int"),
                           ("executortype", "str"), ("label", "str"), ("initiator", "str")),
    "removeprocessmsg": MSG("RemoveProcessMsg", ("processid", "str"), ("all", "bool")),
    "cancelprocessmsg": MSG("CancelProcessMsg", ("processid", "str")),
    "addfunctionmsg": MSG("AddFunctionMsg", ("fun", PTR(FUNCTION_T))),
    "getfunctionsmsg": MSG("GetFunctionsMsg", ("executorname", "str"), ("colonyname", "str")),
}


def _go_float(f):
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    sign, digits, exp = decimal.Decimal(repr(f)).as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exp += 1
    ds = "".join(str(d) for d in digits)
    a = abs(f)
    prefix = "-" if sign else ""
    if a < 1e-6 or a >= 1e21:
        e10 = exp + len(ds) - 1
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        if e10 < 0:
            es = "e-%d" % -e10 if -e10 < 10 else "e-%02d" % -e10
        else:
            es = "e+%02d" % e10
        return prefix + mant + es
    if exp >= 0:
        return prefix + ds + "0" * exp
    point = len(ds) + exp
    if point > 0:
        return prefix + ds[:point] + "." + ds[point:]
    return prefix + "0." + "0" * (-point) + ds


_encode_basestring = json.encoder.encode_basestring


def _go_str(s):
    out = _encode_basestring(s)
    if "<" in out or ">" in out or "&" in out or "\u2028" in out or "\u2029" in out:
        out = (out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
               .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return out


def go_json(v, indent=False):
    """Go's json.Marshal (indent=False) or json.MarshalIndent(v, "", "  ") of a value whose dicts
    are already in Go's order (struct field order, or sorted map keys)."""
    out = []
    _enc(v, out, "  " if indent else None, 0)
    return "".join(out)


def _enc(v, out, ind, lvl):
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, str):
        out.append(_go_str(v))
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        out.append(_go_float(v))
    elif isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        out.append("{")
        first = True
        for k, val in v.items():
            if not first:
                out.append(",")
            first = False
            if ind is not None:
                out.append("\n" + ind * (lvl + 1))
            out.append(_go_str(k))
            out.append(": " if ind is not None else ":")
            _enc(val, out, ind, lvl + 1)
        if ind is not None:
            out.append("\n" + ind * lvl)
        out.append("}")
    elif isinstance(v, (list, tuple)):
        if not v:
            out.append("[]")
            return
        out.append("[")
        first = True
        for val in v:
            if not first:
                out.append(",")
            first = False
            if ind is not None:
                out.append("\n" + ind * (lvl + 1))
            _enc(val, out, ind, lvl + 1)
        if ind is not None:
            out.append("\n" + ind * lvl)
        out.append("]")
    else:
        raise TypeError(type(v))


# --------------------------------------------------------------------------------------------
# Times: stored as integer microseconds since the epoch (PostgreSQL's precision), None = Go's zero

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z")


def parse_rfc3339(s):
    m = _RFC3339.match(s)
    if not m:
        return False
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    frac = m.group(7)
    us = int((frac[1:] + "000000")[:6]) if frac else 0
    tz = m.group(8)
    off = 0
    if tz not in ("Z", "z"):
        off = (int(tz[1:3]) * 60 + int(tz[4:6])) * 60 * (1 if tz[0] == "+" else -1)
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and se < 60):
        return False
    secs = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0)) - off
    if y == 1 and mo == 1 and d == 1 and h == 0 and mi == 0 and se == 0 and us == 0 and off == 0:
        return None
    return secs * 1_000_000 + us


def go_time(us):
    if us is None:
        return "0001-01-01T00:00:00Z"
    secs, frac = divmod(us, 1_000_000)
    t = time.gmtime(secs)
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    if frac:
        s += "." + ("%06d" % frac).rstrip("0")
    return s + "Z"


def now_ns():
    return time.time_ns()


def ns_to_us(ns):
    return (ns + 500) // 1000


def sha3_hex(s):
    return hashlib.sha3_256(s.encode("utf-8")).hexdigest()


def random_id():
    return sha3_hex(str(uuid.uuid4()))


# --------------------------------------------------------------------------------------------
# Resource strings (pkg/parsers)

def convert_cpu_to_int(cpu):
    """parsers.ConvertCPUToInt: "250m" -> 250; no "m" suffix -> 0 (sic)."""
    if not cpu.endswith("m"):
        return 0
    num = cpu[:-1]
    if not re.fullmatch(r"[+-]?[0-9]+", num) or not -(1 << 63) <= int(num) < (1 << 63):
        raise ValueError("Error converting CPU to int")
    return int(num)


_MEM_UNITS = [("KiB", 1024), ("MiB", 1024 ** 2), ("GiB", 1024 ** 3), ("TiB", 1024 ** 4),
              ("Ki", 1024), ("Mi", 1024 ** 2), ("Gi", 1024 ** 3),
              ("KB", 1000), ("Kb", 1000), ("MB", 1000 ** 2), ("Mb", 1000 ** 2), ("TB", 1000 ** 4),
              ("Tb", 1000 ** 4), ("Gb", 1000 ** 3), ("K", 1000), ("M", 1000 ** 2), ("G", 1000 ** 3)]


def convert_memory_to_bytes(mem):
    if mem == "":
        return 0
    num, unit = "", ""
    for u, _ in _MEM_UNITS:
        if mem.upper().endswith(u.upper()):
            num = mem[:-len(u)] if mem.endswith(u) else mem
            unit = u
            break
    if not re.fullmatch(r"[+-]?[0-9]+", num):
        raise ValueError('error converting memory to int: strconv.ParseInt: parsing %s: invalid syntax' % json.dumps(num))
    if unit == "":
        raise ValueError("no valid unit found in input")
    return int(num) * dict(_MEM_UNITS)[unit]


def cpu_to_string(cpu):
    return "%dm" % cpu


def memory_to_string(mem):
    q = abs(mem) // (1024 * 1024)
    return "%dMi" % (q if mem >= 0 else -q)


# --------------------------------------------------------------------------------------------
# The server's state

WAITING, RUNNING, SUCCESS, FAILED, CANCELLED = 0, 1, 2, 3, 4
PENDING, APPROVED, REJECTED, UNREGISTERED = 0, 1, 2, 3
MAX_INT8 = 127
MAX_COUNT = 100


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Store:
    """Everything the server's database holds, in memory; guarded by self.cond's lock."""

    def __init__(self, server_id):
        self.server_id = server_id
        self.cond = threading.Condition(threading.Lock())
        self.colonies = {}          # name -> {"colonyid", "name"}
        self.users = {}             # (colony, name) -> user dict
        self.users_by_id = {}       # (colony, userid) -> user dict
        self.executors = {}         # (colony, name) -> executor record
        self.executors_by_id = {}   # executorid -> executor record (the first added)
        self.functions = []         # function dicts (Go order)
        self.processes = {}         # processid -> process record
        self.waiting = []           # sorted [(prioritytime, seq, processid)]
        self.running = set()        # processids in state RUNNING
        self.seq = 0
        self.version = 0            # bumped on every change (persistence)
        self.soft_dirty = False     # a heartbeat-only change (lastheardfromtime) not yet written
        self.meta_dirty = False     # colonies, users, executors or functions changed
        self.dirty_procs = set()    # processids changed since the last write
        self.deleted_procs = set()  # processids removed since the last write
        self.proc_cache = {}        # processid -> JSON text of its record

    # --- persistence (see Persister)
    def _meta(self):
        return {"serverid": self.server_id, "seq": self.seq, "colonies": list(self.colonies.values()),
                "users": list(self.users.values()), "executors": list(self.executors.values()),
                "functions": self.functions}

    def _proc_text(self, pid):
        text = self.proc_cache.get(pid)
        if text is None:
            text = json.dumps(self.processes[pid], separators=(",", ":"))
            self.proc_cache[pid] = text
        return text

    def _clear_dirty(self):
        self.soft_dirty = False
        self.meta_dirty = False
        self.dirty_procs.clear()
        self.deleted_procs.clear()

    def snapshot_text(self):
        """The whole state as one JSON object (the --state file). Store lock held."""
        head = dict({"format": "colonies-standin-state", "formatversion": 2, "version": self.version}, **self._meta())
        parts = [json.dumps(head)[:-1], ', "processes": [\n']
        parts.append(",\n".join(self._proc_text(pid) for pid in self.processes))
        parts.append("]}\n")
        self._clear_dirty()
        return "".join(parts)

    def journal_text(self):
        """Journal lines for what changed since the last write. Store lock held."""
        v = self.version
        lines = []
        if self.meta_dirty or self.soft_dirty:
            lines.append('{"v":%d,"meta":%s}\n' % (v, json.dumps(self._meta(), separators=(",", ":"))))
        for pid in self.deleted_procs:
            if pid not in self.processes:
                lines.append('{"v":%d,"del":%s}\n' % (v, json.dumps(pid)))
        for pid in self.dirty_procs:
            if pid in self.processes:
                lines.append('{"v":%d,"p":%s}\n' % (v, self._proc_text(pid)))
        self._clear_dirty()
        return "".join(lines)

    def _set_meta(self, m):
        self.seq = m.get("seq", 0)
        self.colonies, self.users, self.users_by_id = {}, {}, {}
        self.executors, self.executors_by_id = {}, {}
        for c in m.get("colonies", []):
            self.colonies[c["name"]] = c
        for u in m.get("users", []):
            self.users[(u["colonyname"], u["name"])] = u
            self.users_by_id.setdefault((u["colonyname"], u["userid"]), u)
        for e in m.get("executors", []):
            self.executors[(e["colonyname"], e["executorname"])] = e
            self.executors_by_id.setdefault(e["executorid"], e)
        self.functions = m.get("functions", [])

    def load(self, snapshot, journal_lines):
        """Rebuild from a snapshot object and the journal lines written after it."""
        base = snapshot.get("version", 0) if snapshot else 0
        procs = {}
        if snapshot:
            self._set_meta(snapshot)
            for p in snapshot.get("processes", []):
                procs[p["processid"]] = p
        top = base
        for line in journal_lines:
            try:
                rec = json.loads(line)
            except ValueError:
                break  # a torn last line
            if rec.get("v", 0) <= base:
                continue
            top = max(top, rec["v"])
            if "meta" in rec:
                self._set_meta(rec["meta"])
            elif "p" in rec:
                procs[rec["p"]["processid"]] = rec["p"]
            elif "del" in rec:
                procs.pop(rec["del"], None)
        for p in sorted(procs.values(), key=lambda q: q["_seq"]):
            self.processes[p["processid"]] = p
            if p["state"] == WAITING:
                bisect.insort(self.waiting, (p["prioritytime"], p["_seq"], p["processid"]))
            elif p["state"] == RUNNING:
                self.running.add(p["processid"])
        self.version = top

    def touch(self, p=None):
        """Record a change (a process, or with p None the colonies/users/executors/functions);
        returns the version a reply must wait for."""
        if p is not None:
            self.proc_cache.pop(p["processid"], None)
            self.dirty_procs.add(p["processid"])
        else:
            self.meta_dirty = True
        self.version += 1
        return self.version

    def delete_process(self, pid):
        self.processes.pop(pid, None)
        self.proc_cache.pop(pid, None)
        self.dirty_procs.discard(pid)
        self.deleted_procs.add(pid)
        self.version += 1
        return self.version

    # --- waiting queue
    def _queue_add(self, p):
        bisect.insort(self.waiting, (p["prioritytime"], p["_seq"], p["processid"]))

    def _queue_remove(self, p):
        key = (p["prioritytime"], p["_seq"], p["processid"])
        i = bisect.bisect_left(self.waiting, key)
        if i < len(self.waiting) and self.waiting[i] == key:
            del self.waiting[i]

    def set_state(self, p, state):
        old = p["state"]
        if old == state:
            return
        if old == WAITING:
            self._queue_remove(p)
        elif old == RUNNING:
            self.running.discard(p["processid"])
        p["state"] = state
        if state == WAITING:
            self._queue_add(p)
        elif state == RUNNING:
            self.running.add(p["processid"])

    # --- security (pkg/security/validator)
    def require_server_owner(self, rid):
        if rid != self.server_id:
            raise ApiError(403, "Access denied, not server owner")

    def require_colony_owner(self, rid, colonyname):
        if colonyname == "":
            raise ApiError(403, "Empty Colony name")
        colony = self.colonies.get(colonyname)
        if colony is None:
            raise ApiError(403, "Colony with name <" + colonyname + "> does not exists")
        if colony["colonyid"] == "":
            raise ApiError(403, "No Colony Id found")
        if rid != colony["colonyid"]:
            raise ApiError(403, "Access denied, not colony owner")

    def membership_error(self, rid, colonyname, approved=True):
        colony = self.colonies.get(colonyname)
        executor_ok = False
        if colony is not None:
            ex = self.executors_by_id.get(rid)
            if ex is not None and ex["colonyname"] == colony["name"]:
                executor_ok = (not approved) or ex["state"] == APPROVED
        if executor_ok:
            return None
        if colony is None:
            return "Colony with name <" + colonyname + "> does not exists"
        user = self.users_by_id.get((colony["name"], rid))
        if user is None:
            return "Access denied, not a member of Colony with name <" + colony["name"] + ">"
        return None

    def require_membership(self, rid, colonyname, approved=True, status=403):
        err = self.membership_error(rid, colonyname, approved)
        if err is not None:
            raise ApiError(status, err)

    def caller_name(self, rid):
        if rid is None:
            return None
        if rid == self.server_id:
            return "<server>"
        for c in self.colonies.values():
            if c["colonyid"] == rid:
                return "<colony " + c["name"] + ">"
        ex = self.executors_by_id.get(rid)
        if ex is not None:
            return ex["executorname"]
        for (col, _), u in self.users_by_id.items():
            if u["userid"] == rid:
                return u["name"]
        return None


def executor_view(e):
    v = {
        "executorid": e["executorid"], "executortype": e["executortype"], "executorname": e["executorname"],
        "colonyname": e["colonyname"], "state": e["state"], "requirefuncreg": e["requirefuncreg"],
        "commissiontime": go_time(e["commissiontime"]), "lastheardfromtime": go_time(e["lastheardfromtime"]),
    }
    if e.get("locationname"):
        v["locationname"] = e["locationname"]
    v["capabilities"] = e["capabilities"]
    v["allocations"] = e["allocations"]
    if e.get("blueprintid"):
        v["blueprintid"] = e["blueprintid"]
    if e.get("blueprintgen"):
        v["blueprintgen"] = e["blueprintgen"]
    return v


def function_view(f):
    v = {"functionid": f["functionid"], "executorname": f["executorname"], "executortype": f["executortype"],
         "colonyname": f["colonyname"], "funcname": f["funcname"]}
    if f.get("description"):
        v["description"] = f["description"]
    if f.get("args"):
        v["args"] = [None if a is None else _funcarg_view(a) for a in f["args"]]
    for k in ("counter", "minwaittime", "maxwaittime", "minexectime", "maxexectime", "avgwaittime", "avgexectime"):
        v[k] = f[k]
    if f.get("locationname"):
        v["locationname"] = f["locationname"]
    return v


def _funcarg_view(a):
    v = {"name": a["name"], "type": a["type"]}
    if a.get("description"):
        v["description"] = a["description"]
    if a.get("required"):
        v["required"] = True
    if a.get("enum"):
        v["enum"] = a["enum"]
    return v


def process_view(p, attribute_state=None):
    """The process JSON as the server sends it (core.Process, fields in Go's order)."""
    st = p["attrstate"] if attribute_state is None else attribute_state
    attrs = []
    for key, value in p["spec"]["env"].items():
        attrs.append({
            "attributeid": sha3_hex(p["processid"] + key + "3"), "targetid": p["processid"],
            "targetcolonyname": p["spec"]["conditions"]["colonyname"], "targetprocessgraphid": "",
            "state": st, "attributetype": 3, "key": key, "value": value,
        })
    return {
        "processid": p["processid"], "initiatorid": p["initiatorid"], "initiatorname": p["initiatorname"],
        "assignedexecutorid": p["assignedexecutorid"], "isassigned": p["isassigned"], "state": p["state"],
        "prioritytime": p["prioritytime"], "submissiontime": go_time(p["submissiontime"]),
        "starttime": go_time(p["starttime"]), "endtime": go_time(p["endtime"]),
        "waitdeadline": go_time(p["waitdeadline"]), "execdeadline": go_time(p["execdeadline"]),
        "retries": p["retries"], "attributes": attrs, "spec": p["spec"], "waitforparents": False,
        "parents": [], "children": [], "processgraphid": "", "in": p["in"], "out": p["out"], "errors": p["errors"],
    }


def normalize_spec(spec):
    """A decoded core.FunctionSpec as the server returns it after its database round trip, and the
    numbers the scheduler compares. Raises ApiError(400) as AddProcess does."""
    c = spec["conditions"]
    try:
        cpu = convert_cpu_to_int(c["cpu"])
        mem = convert_memory_to_bytes(c["mem"])
        storage = convert_memory_to_bytes(c["storage"])
        gpumem = convert_memory_to_bytes(c["gpu"]["mem"])
    except ValueError as e:
        raise ApiError(400, str(e))
    names = c["executornames"]
    if names is not None and len(names) == 1 and names[0] == "*":
        names = []
    cond = {"colonyname": c["colonyname"], "executornames": names, "executortype": c["executortype"]}
    if c["locationname"]:
        cond["locationname"] = c["locationname"]
    cond.update({
        "dependencies": c["dependencies"] or [], "nodes": c["nodes"], "cpu": cpu_to_string(cpu),
        "processes": c["processes"], "processespernode": c["processespernode"], "mem": memory_to_string(mem),
        "storage": memory_to_string(storage),
        "gpu": {"name": c["gpu"]["name"], "mem": memory_to_string(gpumem), "count": c["gpu"]["count"], "nodecount": 0},
        "walltime": c["walltime"],
    })
    # CreateFunctionSpec rebuilds args and kwargs with make(): never null once stored.
    out = {
        "nodename": spec["nodename"], "funcname": spec["funcname"], "args": spec["args"] or [],
        "kwargs": spec["kwargs"] or {},
        "priority": spec["priority"], "maxwaittime": spec["maxwaittime"], "maxexectime": spec["maxexectime"],
        "maxretries": spec["maxretries"], "conditions": cond, "label": spec["label"], "fs": spec["fs"],
        "env": spec["env"] or {},
    }
    if spec["channels"]:
        out["channels"] = spec["channels"]
    match = {"cpu": cpu, "mem": mem, "storage": storage, "names": c["executornames"]}
    return out, match


# --------------------------------------------------------------------------------------------
# Persistence (--state) and the request log (--log)

class Persister:
    """--state FILE: a snapshot plus a journal (FILE.journal), so that a kill -9 at any moment
    loses nothing that was acknowledged.

    FILE is one JSON object written atomically (temp file, fsync, rename, fsync of the folder):
    format "colonies-standin-state", formatversion 2, version, serverid, seq, colonies, users,
    executors, functions, processes (the stand-in's own records: times are integer microseconds
    since the epoch, null for Go's zero time; keys starting with "_" are internal). FILE.journal
    has one JSON object per line, appended and fdatasync'ed: {"v": N, "p": PROCESS} (a process
    as it now is), {"v": N, "del": ID}, or {"v": N, "meta": {...}} (colonies, users, executors,
    functions, whole). Loading takes FILE and applies the journal lines with v above its version;
    the journal is folded into a new FILE at start, at exit and whenever it grows large.

    A request that changed something is answered only once its change is on disk (one write for
    all requests waiting at that moment); changes nobody waits for are written within ~50 ms, an
    executor's lastheardfromtime (stamped by every assign) within about a second."""

    COMPACT_MIN = 8 << 20

    def __init__(self, path, store):
        self.path = path
        self.jpath = path + ".journal"
        self.store = store
        self.cond = threading.Condition(threading.Lock())
        self.io_lock = threading.Lock()
        self.durable = 0
        self.waiters = 0
        self.last_write = 0.0
        self.stopping = False
        self.error = None
        self.jfd = None
        self.journal_size = 0
        self.snapshot_size = 0
        self.thread = threading.Thread(target=self.loop, name="persister", daemon=True)

    @staticmethod
    def read(path):
        snapshot, lines = None, []
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path, encoding="utf-8") as f:
                snapshot = json.load(f)
        if os.path.exists(path + ".journal"):
            with open(path + ".journal", encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        return snapshot, lines

    def start(self):
        self.jfd = os.open(self.jpath, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.compact()
        self.thread.start()

    def _fsync_dir(self):
        try:
            dfd = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass

    def compact(self):
        with self.io_lock:
            with self.store.cond:
                version = self.store.version
                text = self.store.snapshot_text()
            tmp = self.path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            self._fsync_dir()
            os.ftruncate(self.jfd, 0)
            os.fsync(self.jfd)
            self.journal_size = 0
            self.snapshot_size = len(text)
        self._done(version)

    def write_once(self):
        with self.io_lock:
            with self.store.cond:
                version = self.store.version
                text = self.store.journal_text()
            if text:
                data = text.encode("utf-8")
                os.write(self.jfd, data)
                os.fdatasync(self.jfd)
                self.journal_size += len(data)
        self._done(version)
        if self.journal_size > max(self.COMPACT_MIN, 2 * self.snapshot_size):
            self.compact()

    def _done(self, version):
        with self.cond:
            self.durable = max(self.durable, version)
            self.last_write = time.monotonic()
            self.cond.notify_all()

    def kick(self):
        with self.cond:
            self.cond.notify_all()

    def wait_durable(self, version):
        with self.cond:
            self.waiters += 1
            self.cond.notify_all()
            try:
                while self.durable < version and not self.stopping:
                    self.cond.wait(1.0)
            finally:
                self.waiters -= 1

    def loop(self):
        while True:
            with self.cond:
                while True:
                    if self.stopping:
                        return
                    pending = self.store.version > self.durable
                    if pending and self.waiters > 0:
                        break
                    since = time.monotonic() - self.last_write
                    if pending:
                        left = 0.05 - since
                    elif self.store.soft_dirty:
                        left = 1.0 - since
                    else:
                        self.cond.wait(0.25)
                        continue
                    if left <= 0:
                        break
                    self.cond.wait(left)
            try:
                self.write_once()
            except Exception as e:  # keep serving; say so once
                if self.error is None:
                    print("colonies-standin: state write failed: %r" % e, file=sys.stderr, flush=True)
                self.error = e
                time.sleep(0.05)

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        self.thread.join(5)
        self.compact()


class RequestLog:
    """The --log file: one JSON object per answered /api request, appended and flushed before the
    reply is sent: ts (receipt, epoch seconds), end (reply), msgtype (the envelope's payloadtype, or
    null when the body was not an envelope), caller (the recovered id, or null), caller_name (the
    user's or executor's name, "<server>", "<colony NAME>", or null), processid (the request's, or
    the one submitted/assigned; null if none), status (HTTP), error (the message, null on 200),
    and for assignprocessmsg: timeout."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="utf-8", buffering=1) if path else None

    def write(self, entry):
        if self.f is None:
            return
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self.lock:
            self.f.write(line)
            self.f.flush()


# --------------------------------------------------------------------------------------------
# The server

def go_b64_decode(s):
    """base64.StdEncoding.DecodeString as the server uses it: errors ignored, partial result."""
    s2 = s.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(s2.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        pass
    good = 0
    for end in range(4, len(s2) + 1, 4):
        try:
            base64.b64decode(s2[:end].encode("ascii"), validate=True)
            good = end
        except (binascii.Error, ValueError, UnicodeEncodeError):
            break
    return base64.b64decode(s2[:good].encode("ascii")) if good else b""


class Reply:
    def __init__(self, status, body, processid=None):
        self.status = status
        self.body = body
        self.processid = processid


def ok_reply(payloadtype, json_text, processid=None):
    body = go_json({"payloadtype": payloadtype, "payload": base64.b64encode(json_text.encode("utf-8")).decode("ascii"),
                    "error": False})
    return Reply(200, body, processid)


def error_reply(status, message, processid=None):
    payload = go_json({"status": status, "message": message})
    body = go_json({"payloadtype": "error", "payload": base64.b64encode(payload.encode("utf-8")).decode("ascii"),
                    "error": True})
    r = Reply(status, body, processid)
    r.message = message
    return r


class Server:
    def __init__(self, args):
        self.args = args
        self.store = Store(args.server_id)
        self.recover_cache = RecoverCache()
        self.persister = None
        self.log = RequestLog(args.log)
        self.stale_duration = args.stale_duration
        self.cleanup_interval = args.cleanup_interval
        self.allow_reregister = args.allow_executor_reregister
        self.stopping = threading.Event()
        if args.state:
            self.store.load(*Persister.read(args.state))
            self.persister = Persister(args.state, self.store)
        self.handlers = {
            "addcolonymsg": self.h_add_colony,
            "getcolonymsg": self.h_get_colony,
            "getcoloniesmsg": self.h_get_colonies,
            "addusermsg": self.h_add_user,
            "getusersmsg": self.h_get_users,
            "addexecutormsg": self.h_add_executor,
            "approveexecutormsg": self.h_approve_executor,
            "rejectexecutormsg": self.h_reject_executor,
            "removeexecutormsg": self.h_remove_executor,
            "getexecutormsg": self.h_get_executor,
            "getexecutorsmsg": self.h_get_executors,
            "submitfuncspecmsg": self.h_submit,
            "assignprocessmsg": self.h_assign,
            "closesuccessfulmsg": self.h_close_successful,
            "closefailedmsg": self.h_close_failed,
            "setoutputmsg": self.h_set_output,
            "getprocessmsg": self.h_get_process,
            "getprocessesmsg": self.h_get_processes,
            "removeprocessmsg": self.h_remove_process,
            "cancelprocessmsg": self.h_cancel_process,
            "addfunctionmsg": self.h_add_function,
            "getfunctionsmsg": self.h_get_functions,
        }

    # --- durability
    def changed(self, p=None):
        """Call with the store lock held after a change; returns the version to wait for."""
        return self.store.touch(p)

    def durable(self, version):
        if self.persister is not None and version:
            self.persister.wait_durable(version)

    # --- the request
    def handle_api(self, body, ctx):
        err, obj = go_loads(body)
        if err is not None:
            return error_reply(400, err)
        if obj is None:
            raise PanicError()
        dec = Decoder()
        if not isinstance(obj, Pairs):
            return error_reply(400, "json: cannot unmarshal %s into Go value of type rpc.RPCMsg" % _json_kind(obj))
        env = dec.decode(RPCMSG_T, obj)
        if dec.error is not None:
            return error_reply(400, dec.error)
        ptype = env["payloadtype"]
        ctx["msgtype"] = ptype
        payload_text = go_b64_decode(env["payload"])
        if ptype == "versionmsg":
            return self.h_version(ptype, payload_text)
        if ptype == "getserverinfomsg":
            return self.h_server_info(ptype)
        try:
            rid = self.recover_cache.recover(env["payload"], env["signature"])
        except SignatureError as e:
            return error_reply(403, str(e))
        ctx["caller"] = rid
        handler = self.handlers.get(ptype)
        if handler is None:
            if ptype == "":
                return error_reply(403, "invalid rpcMsg.PayloadType: empty (this usually means the client is "
                                        "misconfigured - check that COLONIES_PRVKEY and other environment "
                                        "variables are set correctly)")
            return error_reply(403, "invalid rpcMsg.PayloadType: " + ptype)
        return handler(rid, ptype, payload_text, ctx)

    def parse_msg(self, ptype, payload_bytes, what, mismatch=None):
        """Decode the message as CreateXMsgFromJSON would; ApiError with the handler's answers."""
        err, obj = go_loads(payload_bytes)
        if err is not None:
            raise ApiError(400, "Failed to %s, invalid JSON" % what)
        if obj is None:
            raise PanicError()
        if not isinstance(obj, Pairs):
            raise ApiError(400, "Failed to %s, invalid JSON" % what)
        dec = Decoder()
        msg = dec.decode(MSG_SCHEMAS[ptype], obj)
        if dec.error is not None:
            raise ApiError(400, "Failed to %s, invalid JSON" % what)
        if msg["msgtype"] != ptype:
            raise ApiError(400, mismatch or ("Failed to %s, msg.MsgType does not match payloadType" % what))
        return msg

    # --- unsigned calls
    def h_version(self, ptype, payload):
        try:
            self.parse_msg(ptype, payload, "get server version")
        except ApiError as e:
            return error_reply(e.status, e.message)
        return ok_reply(ptype, go_json({"buildversion": "", "buildtime": "", "msgtype": "versionmsg"}))

    def h_server_info(self, ptype):
        info = {"buildversion": "dev", "buildtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "backends": [{"type": "http", "port": self.args.port_bound, "host": "0.0.0.0"}]}
        return ok_reply(ptype, go_json(info))

    # --- colonies and users
    def h_add_colony(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "add colony")
        st = self.store
        with st.cond:
            st.require_server_owner(rid)
            colony = msg["colony"]
            if colony is None:
                raise ApiError(400, "Failed to add colony, colony is <nil>")
            if len(colony["colonyid"]) != 64:
                raise ApiError(400, "Failed to add colony, invalid colony Id length")
            if colony["name"] in st.colonies:
                raise ApiError(400, "A Colony with name <" + colony["name"] + "> already exists")
            for c in st.colonies.values():
                if c["colonyid"] == colony["colonyid"]:
                    raise ApiError(400, 'pq: duplicate key value violates unique constraint "prod_colonies_pkey"')
            st.colonies[colony["name"]] = {"colonyid": colony["colonyid"], "name": colony["name"]}
            v = self.changed()
        self.durable(v)
        return ok_reply(ptype, go_json(st.colonies[colony["name"]]))

    def h_get_colony(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "get colony")
        st = self.store
        with st.cond:
            st.require_membership(rid, msg["colonyname"])
            c = st.colonies.get(msg["colonyname"])
            if c is None:
                raise ApiError(500, "Failed to get colony, colony is nil")
            return ok_reply(ptype, go_json(c))

    def h_get_colonies(self, rid, ptype, payload, ctx):
        self.parse_msg(ptype, payload, "get colonies")
        st = self.store
        with st.cond:
            st.require_server_owner(rid)
            cols = list(st.colonies.values())
            return ok_reply(ptype, go_json(cols if cols else None))

    def h_add_user(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "add user")
        st = self.store
        with st.cond:
            user = msg["user"]
            if user is None:
                raise ApiError(400, "Failed to add user, executor is nil")
            colony = st.colonies.get(user["colonyname"])
            if colony is None:
                raise ApiError(400, "Colony with name <" + user["colonyname"] + "> does not exists")
            st.require_colony_owner(rid, colony["name"])
            if (user["colonyname"], user["name"]) in st.users:
                raise ApiError(400, "A user with name <" + user["name"] + "> already exists in Colony with name <"
                               + user["colonyname"] + ">")
            u = {"colonyname": user["colonyname"], "userid": user["userid"], "name": user["name"],
                 "email": user["email"], "phone": user["phone"]}
            st.users[(u["colonyname"], u["name"])] = u
            st.users_by_id.setdefault((u["colonyname"], u["userid"]), u)
            v = self.changed()
        self.durable(v)
        return ok_reply(ptype, go_json(u))

    def h_get_users(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "get users")
        st = self.store
        with st.cond:
            if msg["colonyname"] not in st.colonies:
                raise ApiError(400, "Colony with name <" + msg["colonyname"] + "> does not exists")
            st.require_membership(rid, msg["colonyname"], approved=False)
            users = [u for (c, _), u in st.users.items() if c == msg["colonyname"]]
            return ok_reply(ptype, go_json(users if users else None))

    # --- executors
    def h_add_executor(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "add executor")
        st = self.store
        with st.cond:
            ex = msg["executor"]
            if ex is None:
                raise ApiError(400, "Failed to add executor, executor is nil")
            st.require_colony_owner(rid, ex["colonyname"])
            key = (ex["colonyname"], ex["executorname"])
            existing = st.executors.get(key)
            now_us = ns_to_us(now_ns())
            if existing is not None:
                if not self.allow_reregister:
                    raise ApiError(400, "Executor with name <" + existing["executorname"] + "> in Colony <"
                                   + existing["colonyname"] + "> already exists")
                self._unregister(existing)
                # AddExecutor reactivates the unregistered record with the new id.
                if st.executors_by_id.get(existing["executorid"]) is existing:
                    del st.executors_by_id[existing["executorid"]]
                existing.update({"executorid": ex["executorid"], "executortype": ex["executortype"],
                                 "state": PENDING, "commissiontime": now_us,
                                 "lastheardfromtime": ex["lastheardfromtime"],
                                 "locationname": ex["locationname"], "capabilities": ex["capabilities"],
                                 "allocations": ex["allocations"], "blueprintid": ex["blueprintid"],
                                 "blueprintgen": ex["blueprintgen"]})
                st.executors_by_id.setdefault(ex["executorid"], existing)
                rec = existing
            else:
                for other in st.executors.values():
                    if other["executorid"] == ex["executorid"] and other["colonyname"] == ex["colonyname"]:
                        raise ApiError(400, "Executor not unique, both Name and ExecutorId must be unique within a Colony")
                rec = {"executorid": ex["executorid"], "executortype": ex["executortype"],
                       "executorname": ex["executorname"], "colonyname": ex["colonyname"], "state": PENDING,
                       "requirefuncreg": ex["requirefuncreg"], "commissiontime": now_us,
                       "lastheardfromtime": ex["lastheardfromtime"], "locationname": ex["locationname"],
                       "capabilities": ex["capabilities"], "allocations": ex["allocations"],
                       "blueprintid": ex["blueprintid"], "blueprintgen": ex["blueprintgen"]}
                st.executors[key] = rec
                st.executors_by_id.setdefault(rec["executorid"], rec)
            v = self.changed()
            reply = go_json(executor_view(st.executors_by_id.get(ex["executorid"], rec)))
        self.durable(v)
        return ok_reply(ptype, reply)

    def _executor_by_name(self, colonyname, name, what):
        ex = self.store.executors.get((colonyname, name))
        if ex is None:
            raise ApiError(500, "Failed to %s, executor is nil" % what)
        return ex

    def h_approve_executor(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "approve executor")
        st = self.store
        with st.cond:
            ex = self._executor_by_name(msg["colonyname"], msg["executorname"], "approve executor")
            st.require_colony_owner(rid, ex["colonyname"])
            for e in st.executors.values():
                if e["executorid"] == ex["executorid"]:
                    e["state"] = APPROVED
            v = self.changed()
        self.durable(v)
        return ok_reply(ptype, "{}")

    def h_reject_executor(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "reject executor")
        st = self.store
        with st.cond:
            ex = self._executor_by_name(msg["colonyname"], msg["executorname"], "reject executor")
            st.require_colony_owner(rid, ex["colonyname"])
            for e in st.executors.values():
                if e["executorid"] == ex["executorid"]:
                    e["state"] = REJECTED
            v = self.changed()
        self.durable(v)
        return ok_reply(ptype, "{}")

    def _unregister(self, ex):
        """RemoveExecutorByName: the executor becomes UNREGISTERED, its running processes go back
        to waiting (start and end times zeroed, retries kept), its functions are removed."""
        st = self.store
        ex["state"] = UNREGISTERED
        for pid in list(st.running):
            p = st.processes[pid]
            if p["assignedexecutorid"] == ex["executorid"]:
                p.update({"isassigned": False, "starttime": None, "endtime": None, "assignedexecutorid": ""})
                st.set_state(p, WAITING)
                st.touch(p)
        st.functions = [f for f in st.functions
                        if not (f["colonyname"] == ex["colonyname"] and f["executorname"] == ex["executorname"])]

    def h_remove_executor(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "remove executor")
        st = self.store
        with st.cond:
            ex = self._executor_by_name(msg["colonyname"], msg["executorname"], "remove executor")
            st.require_colony_owner(rid, ex["colonyname"])
            self._unregister(ex)
            v = self.changed()
        self.durable(v)
        return ok_reply(ptype, "{}")

    def h_get_executor(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "get executor")
        st = self.store
        with st.cond:
            ex = self._executor_by_name(msg["colonyname"], msg["executorname"], "get executor")
            st.require_membership(rid, ex["colonyname"])
            return ok_reply(ptype, go_json(executor_view(ex)))

    def h_get_executors(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "get executors")
        st = self.store
        with st.cond:
            st.require_membership(rid, msg["colonyname"], approved=False)
            exs = [executor_view(e) for (c, _), e in st.executors.items() if c == msg["colonyname"]]
            return ok_reply(ptype, go_json(exs if exs else None))

    # --- functions
    def h_add_function(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "add function")
        st = self.store
        with st.cond:
            fn = msg["fun"]
            if fn is None:
                raise ApiError(400, "Failed to add function, msg.Function is nil")
            if fn["functionid"] == "":
                fn["functionid"] = random_id()
            st.require_membership(rid, fn["colonyname"])
            ex = st.executors.get((fn["colonyname"], fn["executorname"]))
            if ex is None:
                raise ApiError(400, "Failed to add function, Executor with name <" + fn["executorname"] + "> does not exist")
            if ex["executorid"] != rid:
                raise ApiError(403, "Not allowed to add a function to another executor")
            fn["locationname"] = ex.get("locationname", "")
            st.functions.append(fn)
            v = self.changed()
            reply = go_json(function_view(fn))
        self.durable(v)
        return ok_reply(ptype, reply)

    def h_get_functions(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "get function")
        st = self.store
        with st.cond:
            st.require_membership(rid, msg["colonyname"])
            fns = [function_view(f) for f in st.functions if f["colonyname"] == msg["colonyname"]
                   and (msg["executorname"] == "" or f["executorname"] == msg["executorname"])]
            return ok_reply(ptype, go_json(fns if fns else None))

    # --- processes
    def h_submit(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "submit process",
                             mismatch="Failed to submit process spec, msg.MsgType does not match payloadType")
        spec = msg["spec"]
        if spec is None:
            raise ApiError(400, "Failed to submit process spec, msg.FunctionSpec is nil")
        st = self.store
        with st.cond:
            colonyname = spec["conditions"]["colonyname"]
            st.require_membership(rid, colonyname)
            if spec["priority"] < -50000 or spec["priority"] > 50000:
                raise ApiError(400, "Failed to submit function spec, priority outside range [-50000, 50000]")
            ex = st.executors_by_id.get(rid)
            if ex is not None:
                initiator = ex["executorname"]
            else:
                user = st.users_by_id.get((colonyname, rid))
                if user is None:
                    raise ApiError(500, "Could not derive InitiatorName")
                initiator = user["name"]
            nspec, match = normalize_spec(spec)
            sub_ns = now_ns()
            st.seq += 1
            pid = random_id()
            p = {
                "processid": pid, "initiatorid": rid, "initiatorname": initiator, "assignedexecutorid": "",
                "isassigned": False, "state": WAITING,
                "prioritytime": spec["priority"] * -86400 * 10 ** 9 + sub_ns,
                "submissiontime": ns_to_us(sub_ns), "starttime": None, "endtime": None,
                "waitdeadline": (ns_to_us(sub_ns) + spec["maxwaittime"] * 1_000_000) if spec["maxwaittime"] > 0 else None,
                "execdeadline": None, "retries": 0, "spec": nspec, "in": [], "out": [], "errors": [],
                "attrstate": PENDING, "_seq": st.seq, "_match": match,
            }
            st.processes[pid] = p
            st._queue_add(p)
            v = self.changed(p)
            reply = go_json(process_view(p), indent=True)
            st.cond.notify_all()
        ctx["processid"] = pid
        self.durable(v)
        return ok_reply(ptype, reply, pid)

    def _matches(self, p, ex, colonyname, cpu, mem):
        spec = p["spec"]
        cond = spec["conditions"]
        m = p["_match"]
        if cond["colonyname"] != colonyname or cond["executortype"] != ex["executortype"]:
            return False
        names = m["names"]
        if names and not (names == ["*"] or ex["executorname"] in names):
            return False
        if m["cpu"] > cpu or m["mem"] > mem:
            return False
        if cond["nodes"] > MAX_INT8 or cond["processes"] > MAX_INT8 or cond["processespernode"] > MAX_INT8:
            return False
        loc = cond.get("locationname", "")
        if loc and loc.lower() != (ex.get("locationname") or "").lower():
            return False
        return True

    def _try_assign(self, ex, colonyname, cpu, mem):
        """One DistributedAssign: stamp the executor alive, take the first matching waiting
        process (lowest priority time). Store lock held. Returns (reply text, pid) or None."""
        st = self.store
        ex["lastheardfromtime"] = ns_to_us(now_ns())
        st.soft_dirty = True
        for _, _, pid in st.waiting:
            p = st.processes[pid]
            if not self._matches(p, ex, colonyname, cpu, mem):
                continue
            start = ns_to_us(now_ns())
            p["isassigned"] = True
            p["starttime"] = start
            p["assignedexecutorid"] = ex["executorid"]
            if p["spec"]["maxexectime"] > 0:
                p["execdeadline"] = start + p["spec"]["maxexectime"] * 1_000_000
            st.set_state(p, RUNNING)
            # The reply is read back before the attributes' state is updated.
            reply = go_json(process_view(p), indent=True)
            p["attrstate"] = RUNNING
            st.touch(p)
            return reply, pid
        return None

    def h_assign(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "assign process",
                             mismatch="Failed to assign process, msg.msgType does not match payloadType")
        ctx["timeout"] = msg["timeout"]
        st = self.store
        with st.cond:
            st.require_membership(rid, msg["colonyname"])
            if msg["timeout"] == 0:
                raise ApiError(400, "Invalid timeout value, timeout cannot be zero")
            ex = st.executors_by_id.get(rid)
            if ex is None:
                raise ApiError(500, "Failed to assign process, executor not found")
        try:
            cpu = (1 << 63) - 1 if msg["availablecpu"] == "" else convert_cpu_to_int(msg["availablecpu"])
            mem = (1 << 63) - 1 if msg["availablemem"] == "" else convert_memory_to_bytes(msg["availablemem"])
        except ValueError as e:
            raise ApiError(400, str(e))
        deadline = time.monotonic() + msg["timeout"] if msg["timeout"] > 0 else None
        conn = ctx.get("connection")
        while True:
            with st.cond:
                got = self._try_assign(ex, msg["colonyname"], cpu, mem)
                if got is not None:
                    v = st.version
                    break
                if deadline is None:
                    got = None
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                st.cond.wait(min(left, 0.25))
            # The server's long poll ends when its client goes away (the request's context).
            if self.stopping.is_set() or (conn is not None and peer_closed(conn)):
                got = None
                break
        if self.persister is not None:
            self.persister.kick()
        if got is None:
            raise ApiError(404, "No process available for assignment")
        reply, pid = got
        ctx["processid"] = pid
        self.durable(v)
        for old, new in self.args.tamper_assign or []:
            # A test double of a server (or a path to it) that hands out bytes no Go server would
            # marshal, e.g. a duplicate key: the process as stored is unchanged.
            reply = reply.replace(old, new)
        return ok_reply(ptype, reply, pid)

    def _get_proc(self, pid, status, message):
        p = self.store.processes.get(pid)
        if p is None:
            raise ApiError(status, message)
        return p

    def h_close_successful(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "close successful",
                             mismatch="Failed to close process as successful, msg.MsgType does not match payloadType")
        ctx["processid"] = msg["processid"]
        st = self.store
        with st.cond:
            p = self._get_proc(msg["processid"], 500, "Failed to close process as successful, process is nil")
            st.require_membership(rid, p["spec"]["conditions"]["colonyname"])
            if p["assignedexecutorid"] == "":
                raise ApiError(403, "Failed to close process as successful, process is not assigned")
            if p["assignedexecutorid"] != rid:
                raise ApiError(403, "Failed to close process as successful, not allowed to close process as successful")
            out = msg["out"]
            if out:
                p["out"] = out
                v = self.changed(p)
            if p["state"] == FAILED:
                self._durable_error(p, 400, "Tried to set failed process as successful")
            if p["state"] == CANCELLED:
                self._durable_error(p, 400, "Tried to set cancelled process as successful")
            if p["state"] == WAITING:
                self._durable_error(p, 400, "Tried to set waiting process as successful without being running")
            end = ns_to_us(now_ns())
            p["endtime"] = end
            st.set_state(p, SUCCESS)
            p["attrstate"] = SUCCESS
            self._function_stats(p, rid)
            v = self.changed(p)
        self.durable(v)
        return ok_reply(ptype, "{}", p["processid"])

    def _durable_error(self, p, status, message):
        """An error after a change (close writes `out` before it checks the state): the change is
        kept, as in the server; raise after it is durable."""
        v = self.store.version
        e = ApiError(status, message)
        e.durable_version = v
        raise e

    def _function_stats(self, p, rid):
        st = self.store
        ex = st.executors_by_id.get(rid)
        if ex is None:
            return
        colony = p["spec"]["conditions"]["colonyname"]
        fns = [f for f in st.functions if f["colonyname"] == colony and f["executorname"] == ex["executorname"]
               and f["funcname"] == p["spec"]["funcname"]]
        if not fns:
            return
        f = fns[0]
        wait = ((p["starttime"] or 0) - (p["submissiontime"] or 0)) / 1e6
        proc = ((p["endtime"] or 0) - (p["starttime"] or 0)) / 1e6
        new = {
            "counter": f["counter"] + 1,
            "minwaittime": min(f["minwaittime"], wait) if f["minwaittime"] > 0 else wait,
            "maxwaittime": max(f["maxwaittime"], wait) if f["maxwaittime"] > 0 else wait,
            "minexectime": min(f["minexectime"], proc) if f["minexectime"] > 0 else proc,
            "maxexectime": max(f["maxexectime"], proc) if f["maxexectime"] > 0 else proc,
            "avgwaittime": (f["avgwaittime"] + wait) / 2 if f["avgwaittime"] > 0 else wait,
            "avgexectime": (f["avgexectime"] + proc) / 2 if f["avgexectime"] > 0 else proc,
        }
        for g in st.functions:
            if g["colonyname"] == colony and g["executorname"] == f["executorname"] and g["funcname"] == f["funcname"]:
                g.update(new)

    def _mark_failed(self, p, errors):
        """MarkFailed (state checks as ApiError(400)) and SetErrors. Store lock held."""
        st = self.store
        if p["state"] == SUCCESS:
            raise ApiError(400, "Tried to set successful process as failed")
        if p["state"] == FAILED:
            raise ApiError(400, "Tried to set failed process as failed")
        if p["state"] == CANCELLED:
            raise ApiError(400, "Tried to set cancelled process as failed")
        p["endtime"] = ns_to_us(now_ns())
        st.set_state(p, FAILED)
        p["attrstate"] = FAILED
        p["errors"] = errors
        return self.changed(p)

    def h_close_failed(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "close failed",
                             mismatch="Failed to close process as failed, msg.MsgType does not match payloadType")
        ctx["processid"] = msg["processid"]
        st = self.store
        with st.cond:
            p = self._get_proc(msg["processid"], 500, "Failed to close process as failed, process is nil")
            st.require_membership(rid, p["spec"]["conditions"]["colonyname"])
            if p["assignedexecutorid"] == "":
                raise ApiError(403, "Failed to close process as failed, process is not assigned")
            if p["assignedexecutorid"] != rid:
                raise ApiError(403, "Failed to close process as failed, not allowed to close process as failed")
            v = self._mark_failed(p, msg["errors"])
        self.durable(v)
        return ok_reply(ptype, "{}", p["processid"])

    def h_set_output(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "set output")
        ctx["processid"] = msg["processid"]
        st = self.store
        v = 0
        with st.cond:
            p = self._get_proc(msg["processid"], 500, "Failed to set output, process is nil")
            st.require_membership(rid, p["spec"]["conditions"]["colonyname"])
            if p["assignedexecutorid"] != rid:
                raise ApiError(403, "Failed to close process as successful, not allowed to close process as successful")
            if p["state"] != RUNNING:
                raise ApiError(403, "Failed to set output, process is not running")
            if msg["out"]:
                p["out"] = msg["out"]
                v = self.changed(p)
        self.durable(v)
        return ok_reply(ptype, "{}", p["processid"])

    def h_get_process(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "get process")
        ctx["processid"] = msg["processid"]
        st = self.store
        with st.cond:
            p = self._get_proc(msg["processid"], 404, "Failed to get process, process not found")
            st.require_membership(rid, p["spec"]["conditions"]["colonyname"])
            reply = go_json(process_view(p), indent=True)
        return ok_reply(ptype, reply, p["processid"])

    def h_get_processes(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "get processes")
        st = self.store
        with st.cond:
            st.require_membership(rid, msg["colonyname"])
            if msg["count"] > MAX_COUNT:
                raise ApiError(400, "Count is larger than MaxCount limit <%d>" % MAX_COUNT)
            colony = msg["colonyname"]
            if msg["initiator"] != "":
                if (colony, msg["initiator"]) not in st.users:
                    raise ApiError(400, "User <" + msg["initiator"] + "> does not exist")
            state = msg["state"]
            if state not in (WAITING, RUNNING, SUCCESS, FAILED, CANCELLED):
                raise ApiError(400, "Failed to get processes, invalid msg.State")
            if msg["count"] < 0:
                raise ApiError(400, "pq: LIMIT must not be negative")
            sel = [p for p in st.processes.values()
                   if p["spec"]["conditions"]["colonyname"] == colony and p["state"] == state]
            if msg["executortype"] != "":
                sel = [p for p in sel if p["spec"]["conditions"]["executortype"] == msg["executortype"]]
            elif msg["initiator"] != "":
                sel = [p for p in sel if p["initiatorname"] == msg["initiator"]]
            elif msg["label"] != "":
                sel = [p for p in sel if p["spec"]["label"] == msg["label"]]
            if state == WAITING:
                sel.sort(key=lambda p: (p["prioritytime"], p["_seq"]))
            elif state == RUNNING:
                sel.sort(key=lambda p: (p["starttime"] or -1, p["_seq"]))
            else:
                sel.sort(key=lambda p: (-(p["endtime"] or -(1 << 62)), p["_seq"]))
            sel = sel[:msg["count"]]
            reply = go_json([process_view(p) for p in sel] if sel else None, indent=True)
        return ok_reply(ptype, reply)

    def h_remove_process(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "remove process")
        ctx["processid"] = msg["processid"]
        st = self.store
        with st.cond:
            p = self._get_proc(msg["processid"], 500, "Failed to remove process, process is nil")
            st.require_membership(rid, p["spec"]["conditions"]["colonyname"])
            if p["state"] == RUNNING:
                raise ApiError(400, "Failed to remove process, cannot remove a running process")
            if p["state"] == WAITING:
                st._queue_remove(p)
            v = st.delete_process(p["processid"])
        self.durable(v)
        return ok_reply(ptype, "{}", p["processid"])

    def h_cancel_process(self, rid, ptype, payload, ctx):
        msg = self.parse_msg(ptype, payload, "cancel process")
        ctx["processid"] = msg["processid"]
        st = self.store
        with st.cond:
            p = self._get_proc(msg["processid"], 500, "Failed to cancel process, process is nil")
            st.require_membership(rid, p["spec"]["conditions"]["colonyname"])
            if p["state"] == SUCCESS:
                raise ApiError(400, "Tried to cancel successful process")
            if p["state"] == FAILED:
                raise ApiError(400, "Tried to cancel failed process")
            if p["state"] == CANCELLED:
                raise ApiError(400, "Tried to cancel already cancelled process")
            p["endtime"] = ns_to_us(now_ns())
            st.set_state(p, CANCELLED)
            p["attrstate"] = CANCELLED
            v = self.changed(p)
        self.durable(v)
        return ok_reply(ptype, "{}", p["processid"])

    # --- background work
    def timeout_loop(self):
        """TimeoutLoop: maxexectime and maxwaittime, compared in whole Unix seconds as the server
        does, checked every 0.2 s (the server: every second)."""
        while not self.stopping.wait(0.2):
            st = self.store
            now_s = int(time.time())
            changed = False
            with st.cond:
                for pid in list(st.running):
                    p = st.processes.get(pid)
                    if p is None or p["state"] != RUNNING:
                        continue
                    spec = p["spec"]
                    if spec["maxexectime"] == -1:
                        continue
                    dl = p["execdeadline"]
                    dl_s = -62135596800 if dl is None else dl // 1_000_000
                    if now_s > dl_s:
                        if p["retries"] >= spec["maxretries"] and spec["maxretries"] > -1:
                            try:
                                self._mark_failed(p, ["Maximum execution time limit exceeded"])
                            except ApiError:
                                pass
                        else:
                            p["isassigned"] = False
                            p["endtime"] = ns_to_us(now_ns())
                            p["retries"] += 1
                            p["assignedexecutorid"] = ""
                            if spec["maxwaittime"] > 0:
                                p["waitdeadline"] = ns_to_us(now_ns()) + spec["maxwaittime"] * 1_000_000
                            st.set_state(p, WAITING)
                            p["attrstate"] = PENDING
                            self.changed(p)
                            st.cond.notify_all()
                        changed = True
                for _, _, pid in list(st.waiting):
                    p = st.processes.get(pid)
                    if p is None:
                        continue
                    mw = p["spec"]["maxwaittime"]
                    if mw == -1 or mw == 0:
                        continue
                    dl = p["waitdeadline"]
                    dl_s = -62135596800 if dl is None else dl // 1_000_000
                    if now_s > dl_s:
                        try:
                            self._mark_failed(p, ["Maximum waiting time limit exceeded"])
                            changed = True
                        except ApiError:
                            pass
            if changed and self.persister is not None:
                self.persister.kick()

    def cleanup_loop(self):
        """CleanupWorker: every cleanup interval, executors not heard from for longer than the
        stale duration (never-heard ones are spared) are unregistered and their running
        processes go back to waiting."""
        while not self.stopping.wait(self.cleanup_interval):
            st = self.store
            now_us = ns_to_us(now_ns())
            with st.cond:
                cleaned = False
                for ex in list(st.executors.values()):
                    if ex["lastheardfromtime"] is None:
                        continue
                    if now_us - ex["lastheardfromtime"] > self.stale_duration * 1_000_000:
                        self._unregister(ex)
                        cleaned = True
                        print("colonies-standin: auto-removing stale executor %s" % ex["executorname"],
                              file=sys.stderr, flush=True)
                if cleaned:
                    self.changed()
            if self.persister is not None:
                self.persister.kick()


class PanicError(Exception):
    """Where the server dereferences a nil message and gin's recovery answers 500, empty body."""


def peer_closed(conn):
    try:
        r, _, _ = select.select([conn], [], [], 0)
        if not r:
            return False
        data = conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        return data == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as Go's net/http (TCP_NODELAY): no 40 ms delayed-ACK stalls
    server_version = "colonies-standin"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body, content_type="text/plain; charset=utf-8"):
        # body None: gin's recovery after a panic (500, no body, no Content-Type)
        data = body.encode("utf-8") if body is not None else b""
        try:
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            # headers and body in one write
            self._headers_buffer.append(b"\r\n")
            self._headers_buffer.append(data)
            self.wfile.write(b"".join(self._headers_buffer))
            self._headers_buffer = []
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        if self.path.split("?")[0] == "/health":
            self._send(200, "")
        else:
            self._send(404, "404 page not found")

    def do_POST(self):
        body = self._read_body()
        if self.path.split("?")[0] != "/api":
            self._send(404, "404 page not found")
            return
        srv = self.server.app
        ts = time.time()
        ctx = {"msgtype": None, "caller": None, "processid": None, "connection": self.connection}
        try:
            reply = srv.handle_api(body, ctx)
        except ApiError as e:
            v = getattr(e, "durable_version", 0)
            if v:
                srv.durable(v)
            reply = error_reply(e.status, e.message)
        except PanicError:
            reply = Reply(500, None)
            reply.message = "panic: nil message"
        except Exception as e:  # a bug here: answer as a Go panic would, and say so
            traceback.print_exc()
            reply = Reply(500, "")
            reply.message = "stand-in error: %r" % e
        entry = {"ts": round(ts, 6), "end": round(time.time(), 6), "msgtype": ctx["msgtype"],
                 "caller": ctx["caller"], "caller_name": None, "processid": reply.processid or ctx.get("processid"),
                 "status": reply.status, "error": getattr(reply, "message", None)}
        if ctx["caller"] is not None:
            with srv.store.cond:
                entry["caller_name"] = srv.store.caller_name(ctx["caller"])
        if "timeout" in ctx:
            entry["timeout"] = ctx["timeout"]
        srv.log.write(entry)
        self._send(reply.status, reply.body)


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description="A stand-in for a Colonies server v1.9.12 (executor protocol).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--server-id", default=os.environ.get("COLONIES_SERVER_ID"),
                    help="the server owner's id (default $COLONIES_SERVER_ID)")
    ap.add_argument("--server-prvkey", default=None,
                    help="derive --server-id from this private key instead")
    ap.add_argument("--state", default=None, help="state file (kept across restarts)")
    ap.add_argument("--log", default=None, help="request log (JSON lines, appended)")
    ap.add_argument("--stale-duration", type=float,
                    default=float(os.environ.get("COLONIES_STALE_EXECUTOR_DURATION") or 600),
                    help="seconds (default $COLONIES_STALE_EXECUTOR_DURATION or 600)")
    ap.add_argument("--cleanup-interval", type=float,
                    default=float(os.environ.get("COLONIES_CLEANUP_INTERVAL") or 60),
                    help="seconds (default $COLONIES_CLEANUP_INTERVAL or 60)")
    ap.add_argument("--crypto", choices=("pycolonies", "libsecp256k1", "auto"), default="pycolonies",
                    help="signature recovery: pure Python on pycolonies' curve code (default), "
                         "libsecp256k1 through ctypes (faster, same answers), or auto (the library "
                         "when it loads)")
    ap.add_argument("--allow-executor-reregister", action="store_true",
                    default=(os.environ.get("COLONIES_ALLOW_EXECUTOR_REREGISTER", "").lower() in ("1", "true", "t")))
    ap.add_argument("--tamper-assign", nargs=2, action="append", metavar=("OLD", "NEW"),
                    help="tests only: replace the text OLD by NEW in every assignprocessmsg reply "
                         "(the process JSON, before base64), to hand an executor raw bytes such as a "
                         "duplicate key that a real server could not send")
    args = ap.parse_args(argv)
    if args.server_prvkey:
        args.server_id = key_id(args.server_prvkey)
    if not args.server_id:
        ap.error("--server-id (or --server-prvkey, or $COLONIES_SERVER_ID) is required")
    if args.crypto in ("libsecp256k1", "auto"):
        try:
            use_libsecp256k1()
        except OSError as e:
            if args.crypto == "libsecp256k1":
                ap.error("--crypto libsecp256k1: %s" % e)
    _gtable()
    # Many request threads share one interpreter: hand the GIL over more often than every 5 ms so
    # that the state writer and short calls are not stuck behind a signature recovery.
    sys.setswitchinterval(0.0005)
    app = Server(args)
    httpd = HTTPServer((args.host, args.port), Handler)
    httpd.app = app
    args.port_bound = httpd.server_address[1]
    if app.persister is not None:
        app.persister.start()
    threading.Thread(target=app.timeout_loop, name="timeouts", daemon=True).start()
    threading.Thread(target=app.cleanup_loop, name="cleanup", daemon=True).start()

    def on_term(signum, frame):
        app.stopping.set()
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    # A parent may hand down a blocked SIGTERM (children of `swift test` inherit the runner's
    # signal mask): unblock, or SIGTERM would stay pending and the stand-in never stop.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    print("colonies-standin listening on %s:%d" % (args.host, args.port_bound), flush=True)
    try:
        httpd.serve_forever(poll_interval=0.1)
    finally:
        app.stopping.set()
        with app.store.cond:
            app.store.cond.notify_all()
        if app.persister is not None:
            app.persister.stop()
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
