"""Who may call what, read from the schema's @auth rules: the authorization matrix.

The end-to-end tests check every cell against the local runtime (tests/e2e/
test_authorization.py); `python -m modules.codegen.matrix` prints it as a markdown table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from .ir import Auth, Schema


@dataclass(frozen=True)
class Caller:
    """A kind of caller: its mode, its groups, and whether it owns the item it acts on."""

    label: str
    mode: str
    groups: tuple[str, ...] = ()
    owns: bool = False


def callers(schema: Schema, modes: tuple[str, ...]) -> list[Caller]:
    """The kinds of caller the enabled `modes` admit: the API key, an IAM principal, and per
    token mode a signed-in user, the owner of the item, and a member of each group named."""
    out = []
    if "API_KEY" in modes:
        out.append(Caller("API key", "API_KEY"))
    if "AWS_IAM" in modes:
        out.append(Caller("IAM", "AWS_IAM"))
    for mode, name in (("AMAZON_COGNITO_USER_POOLS", "Cognito"), ("OPENID_CONNECT", "OIDC")):
        if mode in modes:
            out.append(Caller(f"{name} user", mode))
            out.append(Caller(f"{name} owner", mode, owns=True))
            out += [Caller(f"{name} {g}", mode, (g,)) for g in schema.auth_groups]
    if "AWS_LAMBDA" in modes:
        out.append(Caller("Lambda", "AWS_LAMBDA"))
    return out


YES, OWN, NO = "yes", "own", "—"


def allowed(auth: Auth, caller: Caller, listing: bool = False) -> str:
    """What the rules say for this caller (the @aws_* directives and the resolver's checks
    implement exactly this): YES, NO, or OWN when only an owner rule lets it in, so a listing
    (or a subscription) gives it its own items only and a single item only if it owns it."""
    rules = auth.by_mode(caller.mode)
    if any(r.allow in ("public", "private") for r in rules) or any(
            r.allow == "groups" and set(r.groups) & set(caller.groups) for r in rules):
        return YES
    if any(r.allow == "owner" for r in rules):
        return OWN if listing else (YES if caller.owns else NO)
    return NO


def rows(schema: Schema) -> list[tuple[str, Auth, bool]]:
    """Every operation a client calls, with its rules and whether it lists (queries,
    mutations, subscriptions)."""
    out = [(op.name, op.auth, op.kind == "list") for op in schema.operations]
    out += [(f"Subscription.{name}", auth, True) for name, auth in schema.subscriptions.items()]
    return out


def markdown(schema: Schema, modes: tuple[str, ...]) -> str:
    kinds = callers(schema, modes)
    lines = ["| operation | " + " | ".join(c.label for c in kinds) + " |",
             "| --- |" + " --- |" * len(kinds)]
    for name, auth, listing in rows(schema):
        cells = [allowed(auth, c, listing) for c in kinds]
        lines.append(f"| `{name.split('.', 1)[1]}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    from ..config import Settings
    from .parse import load

    root = Path(__file__).resolve().parents[2]
    settings = Settings.load(root / "cdktf.json")
    schema = load(root / settings.schema_path)
    modes = ("API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT", "AWS_LAMBDA") \
        if "--all-modes" in sys.argv else settings.auth_modes
    sys.stdout.write(markdown(schema, modes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
