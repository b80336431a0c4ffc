"""Every template the stacks deploy parses under Apache Velocity 1.7, as AppSync parses it.

AppSync's resolver guides link the Velocity 1.7 user guide and its parse errors carry 1.7's
messages; the local simulator's velocityjs accepts more. The templates are read from the
synthesized Terraform JSON (what deploys), not from the Jinja sources, and parsed by Debian's
`velocity` package through tools/vtlcheck (the Makefile installs it when root; elsewhere these
tests skip and say why).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, load_stack

VTLCHECK = ROOT / "tools" / "vtlcheck" / "vtlcheck"
STACKS = ("model-api", "module", "module-hardened")
# Where each resource type keeps its two templates.
TEMPLATE_KEYS = {
    "aws_appsync_resolver": ("request_template", "response_template"),
    "aws_appsync_function": ("request_mapping_template", "response_mapping_template"),
}
# Terraform's escapes `$${`/`%%{` and its interpolations `${...}`: AppSync receives the text
# after Terraform rendered it, so a reference becomes a plain value (here a placeholder word).
TERRAFORM = re.compile(r"\$\$\{|%%\{|\$\{[^}]*\}")


def as_deployed(template: str) -> str:
    return TERRAFORM.sub(lambda m: {"$${": "${", "%%{": "%{"}.get(m.group(), "tfvalue"), template)


def stack_templates(stack_name: str, stack: dict) -> dict[str, str]:
    """{"<stack>/<resource address>.<key>": template} for every resolver and function."""
    out = {}
    for rtype, keys in TEMPLATE_KEYS.items():
        for rid, res in stack.get("resource", {}).get(rtype, {}).items():
            if rid == "//":
                continue
            for key in keys:
                # A resolver without a template gets AppSync's default, which parses.
                if res.get(key) is not None:
                    out[f"{stack_name}/{rtype}.{rid}.{key}"] = as_deployed(res[key])
    return out


def vtlcheck(templates: dict[str, str]) -> subprocess.CompletedProcess:
    """Runs the checker over {name: template}; skips (saying why) when the toolchain is missing."""
    records = "".join(f"{name}\0{text}\0" for name, text in templates.items())
    res = subprocess.run([str(VTLCHECK), "-"], input=records, capture_output=True, text=True,
                         timeout=300)
    if res.returncode == 3:
        pytest.skip(f"Velocity 1.7 check not run: {res.stderr.strip()}")
    assert res.returncode in (0, 1), res.stderr
    return res


def failures(res: subprocess.CompletedProcess) -> list[str]:
    return res.stdout.splitlines()


def test_every_deployed_template_parses_under_velocity_17(synth_dir: Path):
    templates = {}
    for name in STACKS:
        templates.update(stack_templates(name, load_stack(synth_dir, name)))
    assert templates, "no templates found in the synthesized stacks"
    res = vtlcheck(templates)
    assert failures(res) == [], "\n".join(failures(res))
    assert f"{len(templates)} templates parsed by Velocity 1.7, 0 failed" in res.stderr


# What Velocity 1.7 refuses and velocityjs accepts: the checker must say so, at the right place.
REFUSED = {
    "underscore_property": ('#if(!$util.isNull($ctx.source.__related))\n#end', 1, 31),
    "null_in_map": ('#return({"items": [], "nextToken": null})', 1, 36),
    "unclosed_if": ("#if($ctx.args.a)\nyes", None, None),
}
ACCEPTED = {
    "get_underscore_key": '#if(!$util.isNull($ctx.source.get("__related")))\n#end',
    "empty_map_value": '#return({"items": [], "nextToken": $null})',
    "formal_reference": '{"a": "${ctx.args.a}"}',
    # A bare `null` method argument parses (Amplify's templates use it); only literals refuse it.
    "null_argument": '#set($x = $util.defaultIfNull($ctx.args.a, null))',
}


def test_checker_refuses_what_velocity_17_cannot_parse():
    res = vtlcheck({**{k: v[0] for k, v in REFUSED.items()}, **ACCEPTED})
    found = {line.split(":", 1)[0]: line for line in failures(res)}
    assert set(found) == set(REFUSED), res.stdout
    for name, (_, line, col) in REFUSED.items():
        if line is not None:
            assert found[name].startswith(f"{name}:{line}:{col}: "), found[name]


def test_terraform_rendering_before_the_check():
    assert as_deployed('"TableName": "${var.name_prefix}-models", "a": "$${ctx.args.a}"') == (
        '"TableName": "tfvalue-models", "a": "${ctx.args.a}"')
