#!/usr/bin/env python3
"""Regenerates the seed corpora under tests/fuzz/corpus/<target>/ (developer tool; CI only
reads the committed files). Needs python3, openssl and protoc. Every seed is written to a
file named after its content hash, so re-running adds new seeds without duplicating old ones;
delete a corpus directory first to regenerate it from scratch.

Usage: tests/fuzz/make_seeds.py
"""
import base64
import hashlib
import json
import os
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

# Must match fuzz_jwt.cc.
ISSUER = "https://id.example.test"
AUDIENCE = "registry"
NOW = 1_700_000_000
ED_SEED = bytes([0x66, 0x75, 0x7A, 0x7A]) + bytes(28)


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


# --- openssl helpers -------------------------------------------------------------------------

def ed25519_sign(msg):
    # PKCS#8 wrapping of the raw 32-byte seed (RFC 8410).
    der = bytes.fromhex("302e020100300506032b657004220420") + ED_SEED
    with tempfile.TemporaryDirectory() as t:
        key, m = os.path.join(t, "k.der"), os.path.join(t, "m")
        open(key, "wb").write(der)
        open(m, "wb").write(msg)
        return subprocess.check_output(
            ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-keyform", "DER", "-in", m])


def ed25519_public():
    der = bytes.fromhex("302e020100300506032b657004220420") + ED_SEED
    with tempfile.TemporaryDirectory() as t:
        key = os.path.join(t, "k.der")
        open(key, "wb").write(der)
        pub = subprocess.check_output(
            ["openssl", "pkey", "-inform", "DER", "-in", key, "-pubout", "-outform", "DER"])
        return pub[-32:]


def ec_public_xy():
    with tempfile.TemporaryDirectory() as t:
        key = os.path.join(t, "k.pem")
        subprocess.check_call(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                               "ec_paramgen_curve:P-256", "-out", key])
        pub = subprocess.check_output(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"])
        point = pub[-65:]
        return point[1:33], point[33:]


def rsa_public_n(bits):
    with tempfile.TemporaryDirectory() as t:
        key = os.path.join(t, "k.pem")
        subprocess.check_call(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                               f"rsa_keygen_bits:{bits}", "-out", key], stderr=subprocess.DEVNULL)
        out = subprocess.check_output(["openssl", "rsa", "-in", key, "-noout", "-modulus"]).decode()
        return bytes.fromhex(out.strip().split("=", 1)[1])


def encode_registry(text):
    return subprocess.check_output(
        ["protoc", "-I", os.path.join(REPO, "proto"), "-I", "/usr/include",
         "--encode=cloudmanager.registry.v1.Registry", "cloudmanager/registry/v1/registry.proto"],
        input=text.encode(), cwd=REPO)


# --- targets ---------------------------------------------------------------------------------

def image_reference():
    for s in [
        "nginx", "nginx:1.25", "library/nginx", "bitnami/redis:7", "a/b/c/d", "docker.io/nginx",
        "docker.io/library/nginx:latest", "index.docker.io/nginx", "index.docker.io/foo/bar",
        "ghcr.io/team/app:1.2", "localhost/foo", "localhost:5000/foo/bar:dev", "[::1]:5000/foo",
        "[fe80::1]/img", "Example.com/app", "registry.example.com:443/a_b/c__d/e-f---g.h:v1.0-rc",
        "ubuntu@sha256:" + "a" * 64, "ubuntu:22.04@sha256:" + "0123456789abcdef" * 4,
        "quay.io/x/y@sha512:" + "f" * 128, "a" * 64, "A" * 64, "nginx@sha256:" + "A" * 64,
        "nginx@md5:" + "0" * 32, "nginx@sha256:abc", "NGINX", "nginx:", ":tag", "@sha256:",
        "nginx:.bad", "nginx:" + "t" * 129, "foo//bar", "/foo", "foo/", "a" * 256,
        "library/" + "a" * 248, "ex ample.com/foo", "-example.com/foo", "example-.com/foo",
        "example.com:/foo", "example.com:abc/foo", "[::1/foo", "[]/foo", "foo\x00bar", "foo\tbar",
        "caf\xc3\xa9/x", "a.b.c.d.e.f/g/h/i:j@sha256:" + "1" * 64, "a__b", "a___b", "a._b",
        "x" * 300 + ":tag",
    ]:
        write("fuzz_image_reference", s)


def server_key():
    for s in [
        "https://index.docker.io/v1/", "docker.io", "registry-1.docker.io", "index.docker.io:443",
        "ghcr.io", "http://localhost:5000", "registry.example.com:5000/team",
        "HTTPS://Registry.Example.COM/v2/Team/", "*.gcr.io", "*.dkr.ecr.*.amazonaws.com",
        "us-?.pkg.dev", "[::1]:5000", "[2001:db8::1]/path", "[::FFFF:1.2.3.4]", "[zz::1]", "[::1",
        "ftp://example.com", "user:pass@example.com", "example.com?x=1", "example.com/p?x",
        "example.com#frag", "example.com:0", "example.com:65535", "example.com:65536",
        "example.com:080", "example.com:1:2", "a..b", ".a", "a.", "-a.com", "a-.com",
        "a" * 64 + ".com", ".".join(["a" * 63] * 4), "exa mple.com", "example.com/UPPER",
        "example.com//a///b/", "example.com/v1/v2/x", "://example.com", "1http://x",
        "example.com/a__b/c---d", "\x7f", "h/" + "a" * 2046, "exa~~mple.com",
        "https://user:pa~~ss@example.com/x",
    ]:
        write("fuzz_server_key", s)


def jwt():
    def claims(**kw):
        c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": NOW - 300, "exp": NOW + 3600,
             "scope": "registry.read registry.write", "groups": ["dev", "ops"]}
        for k, v in kw.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        return compact(c)

    payloads = [
        claims(), claims(scope=None, groups=None, iat=None), claims(aud=["other", AUDIENCE]),
        claims(aud=["other"]), claims(aud=[1]), claims(aud=None), claims(iss="https://evil"),
        claims(iss=None), claims(sub=""), claims(sub=None), claims(sub=7),
        claims(exp=NOW - 61), claims(exp=NOW - 59), claims(exp=None), claims(exp="soon"),
        claims(exp=NOW + 0.5), claims(exp=1e300), claims(exp=18446744073709551615),
        claims(exp=-9223372036854775808), claims(nbf=NOW + 61), claims(nbf=NOW + 59),
        claims(iat=NOW + 61), claims(scope=["a"]), claims(scope="  a  b "),
        claims(groups="dev"), claims(groups=["dev", 1]), claims(groups=[]),
        claims(sub="a" * 40), claims(sub="~~"), claims(iss="~~"), claims(aud="~~"), '{"iss":1}',
        "[]", "null", "", "{", '{"a":' * 50 + "1" + "}" * 50,
        claims().replace('"alice"', '"al\\u00efce"'),
    ]
    for p in payloads:
        write("fuzz_jwt", "P" + p)
    for p in payloads[:4]:
        write("fuzz_jwt", "N" + p)
        write("fuzz_jwt", "E" + p)
    write("fuzz_jwt", "R" + payloads[0])
    for h in ['{"alg":"EdDSA","kid":"ed"}', '{"alg":"EdDSA"}', '{"alg":"none","kid":"ed"}',
              '{"alg":"HS256","kid":"ed"}', '{"alg":"RS256","kid":"ed"}',
              '{"alg":"EdDSA","kid":"ec"}', '{"alg":"ES256","kid":"ec"}',
              '{"alg":"EdDSA","kid":"nope"}', '{"alg":"EdDSA","kid":1}',
              '{"alg":"EdDSA","kid":"ed","crit":["exp"]}', '{"alg":"EdDSA","kid":"ed","jku":"x"}',
              '[]', 'not json']:
        write("fuzz_jwt", "H" + h + "\n" + payloads[0])

    def token(header, payload):
        signing_input = (b64url(header.encode()) + "." + b64url(payload.encode())).encode()
        return signing_input.decode() + "." + b64url(ed25519_sign(signing_input))

    good = token('{"alg":"EdDSA","typ":"JWT","kid":"ed"}', payloads[0])
    for t in [
        good, token('{"alg":"EdDSA","typ":"JWT"}', payloads[0]),
        token('{"alg":"EdDSA","typ":"JWT","kid":"ed"}', claims(exp=NOW - 3600)),
        good[:-2] + ("AA" if not good.endswith("AA") else "BA"),
        good + "=", good.replace(".", "..", 1), good.rsplit(".", 1)[0] + ".",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "a.b.c", "..", "", "x" * 9000,
    ]:
        write("fuzz_jwt", "T" + t)


def jwks():
    ed = b64url(ed25519_public())
    x, y = ec_public_xy()
    n2048 = rsa_public_n(2048)
    e = b64url(b"\x01\x00\x01")
    okp = {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": ed, "alg": "EdDSA", "use": "sig"}
    ec = {"kty": "EC", "crv": "P-256", "kid": "ec", "x": b64url(x), "y": b64url(y), "alg": "ES256"}
    rsa = {"kty": "RSA", "kid": "rsa", "n": b64url(n2048), "e": e, "alg": "RS256"}
    docs = [
        {"keys": [okp]}, {"keys": [ec]}, {"keys": [rsa]}, {"keys": [okp, ec, rsa]},
        {"keys": [dict(okp, kid=None)]}, {"keys": [okp, okp]},
        {"keys": [dict(okp, alg="RS256")]}, {"keys": [dict(okp, use="enc")]},
        {"keys": [dict(okp, d=ed)]}, {"keys": [dict(okp, x=ed[:-2])]},
        {"keys": [dict(okp, x=ed + "=")]}, {"keys": [dict(okp, crv="X25519")]},
        {"keys": [dict(ec, y=b64url(bytes(32)))]}, {"keys": [dict(ec, crv="P-384")]},
        {"keys": [dict(rsa, n=b64url(rsa_public_n(1024)))]}, {"keys": [dict(rsa, e="AA")]},
        {"keys": [dict(rsa, n=b64url(b"\x00" * 256))]}, {"keys": [dict(okp, kid=5)]},
        {"keys": [{"kty": "oct", "k": "AAAA"}]}, {"keys": []}, {"keys": {}}, {}, [], "keys",
    ]
    for doc in docs:
        if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
            doc = {"keys": [{k: v for k, v in key.items() if v is not None}
                            for key in doc["keys"]]}
        write("fuzz_jwks", json.dumps(doc))
    write("fuzz_jwks", "")
    write("fuzz_jwks", '{"keys":[' + json.dumps(okp) + "]")
    write("fuzz_jwks", '{"keys":[' + json.dumps(okp) + "],}")


def envelope():
    nonce = bytes(range(24))
    for term, body in [(1, b"x" * 16), (1, b"secret" + bytes(26)), (7, bytes(100)),
                       (0xFFFFFFFF, bytes(16))]:
        write("fuzz_envelope", b"O" + b"\x01" + struct.pack(">I", term) + nonce + body)
    write("fuzz_envelope", b"O" + b"\x02" + struct.pack(">I", 1) + nonce + bytes(16))
    write("fuzz_envelope", b"O" + b"\x01" + bytes(43))
    write("fuzz_envelope", b"O")
    for term, key, off, mask, plain in [(1, b"r/users/alice/ghcr", 0, 1, b"hunter2"),
                                        (2, b"", 4, 0x80, b""), (9, b"k", 60, 0, b"x" * 100),
                                        (0xFFFFFFFF, b"\x00\xff", 30, 0xFF, b"{}")]:
        # FuzzedDataProvider: strings from the front, integers from the back (term first).
        write("fuzz_envelope", b"S" + key + b"\\\x00" + plain + bytes([mask]) +
              struct.pack("<H", off) + struct.pack("<I", term))

    def keyring(entries, count=None, version=1):
        out = bytes([version]) + struct.pack(">I", len(entries) if count is None else count)
        for term in entries:
            out += struct.pack(">I", term) + bytes([term % 256]) * 32
        return out

    for kr in [keyring([1]), keyring([1, 2, 3]), keyring([2, 5, 0xFFFFFFFF]), keyring([]),
               keyring([0]), keyring([2, 1]), keyring([1, 1]), keyring([1], count=2),
               keyring([1], version=2), keyring([1])[:-1], keyring([1]) + b"\x00", b"\x01"]:
        write("fuzz_envelope", b"K" + kr)
    k1 = base64.b64encode(bytes(range(32)))
    k2 = base64.b64encode(bytes(range(32, 64)))
    for mk in [k1 + b"\n", k1, k1.rstrip(b"=") + b"\n", b"# comment\n\n  " + k1 + b"  \r\n" + k2,
               b"", b"# only a comment\n", base64.b64encode(bytes(31)), base64.b64encode(bytes(33)),
               b"not base64!\n", k1 + b" " + k2, base64.urlsafe_b64encode(bytes([0xFB] * 32))]:
        write("fuzz_envelope", b"M" + mk)


def request_validators():
    # "users/registries" and "groups/registries": regression for ParseRegistryName splitting at
    # the first "/registries/" (names.cc).
    for s in ["users/alice", "groups/dev-team", "users/a.b_c@d-e", "users/", "users/.",
              "users/..", "users/a/b", "teams/a", "users/" + "a" * 129, "groups/registries",
              "users/registries", ""]:
        write("fuzz_request_validators", "O" + s)
    for s in ["users/alice/registries/ghcr", "groups/ops/registries/a1-b2",
              "registries/docker-hub", "users/alice/registries/", "users/alice/registries/Bad",
              "users/alice/registries/a-", "users/alice/registries/" + "a" * 64,
              "users/alice/registries/x/y", "users/registries/registries/x",
              "groups/registries/registries/registries", "users/../registries/x",
              "registries/docker-hub/x", ""]:
        write("fuzz_request_validators", "N" + s)

    def page_token(parent, last, version=1):
        def put(s):
            return struct.pack(">H", len(s)) + s.encode()
        body = bytes([version]) + put(parent) + put(last)
        digest = hashlib.blake2b(b"cloudmanager.registry.v1.PageToken/1\n" + body,
                                 digest_size=16).digest()
        return b64url(body + digest)

    for t in [page_token("users/alice", "ghcr"), page_token("users/alice", ""),
              page_token("groups/ops", "z" * 63), page_token("users/alice", "Bad"),
              page_token("users/alice", "a", version=2), page_token("x" * 700, "a"),
              page_token("users/alice", "ghcr")[:-1], page_token("users/alice", "ghcr") + "=",
              "not a token", ""]:
        write("fuzz_request_validators", "T" + t)
    for parent, last in [("users/alice", "ghcr"), ("", ""), ("users/bob", "Bad_id"),
                         ("x" * 800, "a")]:
        write("fuzz_request_validators",
              b"E" + parent.encode() + b"\\\x00" + last.encode() + b"\\\x00" + b"A\x05\x00")

    registries = [
        'display_name: "Docker Hub" server: "https://index.docker.io/v1/" '
        'credential_type: CREDENTIAL_TYPE_USERNAME_PASSWORD username: "alice" password: "pw"',
        'display_name: "GCR" server: "gcr.io" credential_type: CREDENTIAL_TYPE_OAUTH2_TOKEN '
        'oauth2_token: "ya29.token"',
        'display_name: "Artifact" server: "*.pkg.dev" credential_type: CREDENTIAL_TYPE_JSON_TOKEN '
        'json_token: "{\\"type\\":\\"service_account\\"}"',
        'display_name: "Bad JSON" server: "x.io" credential_type: CREDENTIAL_TYPE_JSON_TOKEN '
        'json_token: "[1,2]"',
        'display_name: "Anon" server: "ghcr.io" credential_type: CREDENTIAL_TYPE_NONE '
        'email: "a@b.c" thumbnail_uri: "https://example.com/x.png"',
        'display_name: "Data" server: "ghcr.io" credential_type: CREDENTIAL_TYPE_NONE '
        'thumbnail_uri: "data:image/png;base64,iVBORw0KGgo="',
        'display_name: "  " server: "ftp://x" credential_type: CREDENTIAL_TYPE_UNSPECIFIED',
        'display_name: "Bad" server: "ghcr.io" credential_type: 99 username: "a:b" email: "nope"',
        'display_name: "Mixed" server: "ghcr.io" credential_type: CREDENTIAL_TYPE_NONE '
        'password: "p" oauth2_token: "o" json_token: "{}"',
        'name: "users/eve/registries/x" global: true etag: "forged" secret_set: true '
        'create_time { seconds: 1 } display_name: "Out" server: "a.io" '
        'credential_type: CREDENTIAL_TYPE_NONE',
        'display_name: "tab\\there" server: "a.io" credential_type: CREDENTIAL_TYPE_NONE',
        'display_name: "Canary" server: "a.io" credential_type: CREDENTIAL_TYPE_JSON_TOKEN '
        'password: "pw~~" json_token: "not json ~~"',
        "",
    ]
    masks = ["*", "display_name", "server,credential_type,password", "credential_type",
             "name", "etag,global", "unknown.path", "*,server", "",
             "password,oauth2_token,json_token",
             "display_name,server,credential_type,username,email,password,oauth2_token,json_token,"
             "thumbnail_uri"]
    for i, text in enumerate(registries):
        patch = encode_registry(text)
        for j in range(len(masks)):
            if (i + j) % 4 == 0 or j == 0:
                write("fuzz_request_validators",
                      b"R" + bytes([(i + j) % 4]) + masks[j].encode() + b"\n" + patch)
    # Regression: an unknown mask path echoed cut inside a UTF-8 character made the BadRequest
    # payload unparseable (update_mask.cc Echo).
    write("fuzz_request_validators", "R\x00" + "a" * 63 + "\u00e9tail\n")
    # Invalid UTF-8 in a proto3 string: refused by the parser.
    write("fuzz_request_validators", b"R\x00*\n\x12\x02\xc3\x28")


if __name__ == "__main__":
    image_reference()
    server_key()
    jwt()
    jwks()
    envelope()
    request_validators()
    for t in sorted(os.listdir(CORPUS)):
        print(t, len(os.listdir(os.path.join(CORPUS, t))))
