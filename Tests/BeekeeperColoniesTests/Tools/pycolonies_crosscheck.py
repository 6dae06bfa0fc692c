"""Checks Beekeeper's ColonyOS signatures with pycolonies' own pure-Python secp256k1.

Input (argv[1]): a JSON list of {"prvkey", "payload", "signature"} (hex, text, 130 hex).
Output: a JSON list of {"id", "signature", "recovered_id"}: pycolonies' id for the key, its
signature of the payload, and the id recovered from *our* signature with pycolonies' curve
arithmetic (pycolonies itself has no recovery; this is what the Go server does with it).
Exit status 3: pycolonies is not installed.
"""
import hashlib
import json
import sys

try:
    import pycolonies  # noqa: F401  (imports pycolonies' own `crypto` module)
    import crypto
except ImportError as error:
    print(f"pycolonies is not installed: {error}", file=sys.stderr)
    sys.exit(3)


def recover_id(payload, signature_hex):
    signature = bytes.fromhex(signature_hex)
    r = int.from_bytes(signature[0:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    z = int.from_bytes(hashlib.sha3_256(payload.encode("utf-8")).digest(), "big")
    # R is the curve point with x = r and the parity v names; Q = r^-1 (sR - zG).
    y_squared = (pow(r, 3, crypto.P) + 7) % crypto.P
    y = pow(y_squared, (crypto.P + 1) // 4, crypto.P)
    if y % 2 != v % 2:
        y = crypto.P - y
    s_r = crypto.jacobian_multiply(crypto.to_jacobian((r, y)), s)
    z_g = crypto.jacobian_multiply(crypto.to_jacobian(crypto.G), z % crypto.N)
    minus_z_g = (z_g[0], (-z_g[1]) % crypto.P, z_g[2])
    q = crypto.from_jacobian(crypto.jacobian_multiply(crypto.jacobian_add(s_r, minus_z_g), crypto.inv(r, crypto.N)))
    public_hex = "04" + crypto.encode_raw_public_key(q).hex()
    return hashlib.sha3_256(public_hex.encode("utf-8")).hexdigest()


results = []
for case in json.loads(sys.argv[1]):
    results.append({
        "id": crypto.Crypto().id(case["prvkey"]),
        "signature": crypto.Crypto().sign(case["payload"], case["prvkey"]),
        "recovered_id": recover_id(case["payload"], case["signature"]),
    })
print(json.dumps(results))
