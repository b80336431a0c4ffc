"""Make a token for the local runtime: a Cognito (or OIDC) ID token for a user in groups.

    .venv/bin/python local/jwt_token.py --sub alice --group ml-engineers
    curl -H "Authorization: $(.venv/bin/python local/jwt_token.py --group ml-admins)" ...

The AppSync simulator decodes a JWT without checking its signature, so the token is signed
with a throwaway key (HS256, key "local"): it works only against `make local`, never against
AppSync, which checks the signature against the user pool's (or issuer's) published keys.
A Cognito token's issuer names the user pool (https://cognito-idp.<region>.amazonaws.com/<pool
id>; locally the pool the stack creates is `us-east-1_localpool`); an OIDC token's is the
`oidc_issuer` setting, and its groups go in the `groups` claim.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import time
import uuid

LOCAL_USER_POOL_ID = "us-east-1_localpool"  # local/tfstack.js


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(sub: str | None = None, groups: list[str] = (), *, issuer: str | None = None,
               region: str = "us-east-1", pool_id: str = LOCAL_USER_POOL_ID,
               username: str | None = None, ttl: int = 3600) -> str:
    """An HS256 JWT: Cognito's claims by default, an OIDC token when `issuer` is given."""
    sub = sub or str(uuid.uuid4())
    now = int(time.time())
    claims = {"sub": sub, "iat": now, "auth_time": now, "exp": now + ttl, "token_use": "id"}
    if issuer is None:
        claims.update({"iss": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
                       "cognito:username": username or sub, "cognito:groups": list(groups)})
    else:
        claims.update({"iss": issuer, "groups": list(groups)})
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    sig = hmac.new(b"local", f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sub", help="the user's subject (default: a new UUID)")
    ap.add_argument("--group", action="append", default=[], help="a group (repeatable)")
    ap.add_argument("--oidc-issuer", help="make an OIDC token of this issuer instead")
    ap.add_argument("--region", default="us-east-1")
    args = ap.parse_args(argv)
    print(make_token(args.sub, args.group, issuer=args.oidc_issuer, region=args.region))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
