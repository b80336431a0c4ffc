# ruff: noqa: E501 - the VTL cases and the Node script below are data, one case per line
"""The simulator's VTL engine (velocityjs, patched by local/patches.js) renders as Velocity 1.7
does where our templates depend on it. Each case cites what it follows."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT, node_env

# Renders each template of stdin's JSON list with $ctx.args = {"a": "A"} through the patched
# simulator, and prints the outputs as a JSON list.
RENDER = """
const sim = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const info = { fieldName: 'f', parentType: { name: 'Query' }, fieldNodes: [], variableValues: {},
  operation: { selectionSet: { selections: [] } } };
const out = cases.map((content) => {
  const t = new sim.VelocityTemplate({ path: 'case', content }, { appSyncConfig: {} });
  return t.compiler.render(t.buildRenderContext({ arguments: { a: 'A' }, stash: {} }, { headers: {} }, info));
});
console.log(JSON.stringify(out));
"""


def render(*templates: str) -> list[str]:
    res = subprocess.run(["node", "-e", RENDER, str(ROOT / "local" / "patches.js")],
                         input=json.dumps(templates), capture_output=True, text=True,
                         cwd=ROOT, env=node_env(), timeout=120, check=True)
    return [out.strip() for out in json.loads(res.stdout)]


# Velocity 1.7 user guide, "#set": "If the RHS is a property or method reference that evaluates
# to null, it will not be assigned to the LHS" (directive.set.null.allowed=false by default).
@pytest.mark.parametrize("template, expected", [
    ('#set($v = "kept")#set($v = $ctx.args.missing)$v', "kept"),
    ('#set($v = "kept")#set($v = $util.defaultIfNull($ctx.args.missing, $ctx.args.gone))$v', "kept"),
    ('#set($m = {"k": "kept"})#set($m.k = $ctx.args.missing)$m.k', "kept"),
    ('#set($v = "old")#set($v = $ctx.args.a)$v', "A"),
    # The right side runs once, also when its value is not null.
    ("#set($l = [])#set($added = $l.add(1))$l.size()", "1"),
])
def test_set_from_null_keeps_the_old_value(template, expected):
    assert render(template) == [expected]


# AppSync's $util reference: defaultIfNull returns the second object when the first is null (a
# null default stays null, and #set from it then changes nothing); a whitespace-only string is
# blank for isNullOrBlank/defaultIfNullOrBlank.
@pytest.mark.parametrize("template, expected", [
    ("[$util.toJson($util.defaultIfNull($ctx.args.missing, $ctx.args.gone))]", "[null]"),
    ('[$util.defaultIfNull($ctx.args.missing, "d")][$util.defaultIfNull($ctx.args.a, "d")]', "[d][A]"),
    ('[$util.isNullOrBlank("  ")][$util.isNullOrBlank("x")][$util.isNullOrBlank($ctx.args.m)]',
     "[true][false][true]"),
    ('[$util.defaultIfNullOrBlank(" ", "d")][$util.defaultIfNullOrBlank($ctx.args.a, "d")]', "[d][A]"),
])
def test_util_defaults_as_documented(template, expected):
    assert render(template) == [expected]


# Java SE API: String.replace(CharSequence, CharSequence) is literal on both sides; String.matches
# and $util.matches (AppSync: "based on Pattern") match the entire value.
@pytest.mark.parametrize("template, expected", [
    ('#set($s = "a.b.c")$s.replace(".", "-")', "a-b-c"),
    ('#set($s = "{name}#{name}")$s.replace("{name}", "x$&y")', "x$&y#x$&y"),
    ('#set($s = "abc")[$s.matches("b")][$s.matches("a.c")]', "[false][true]"),
    ('[$util.matches("b", "abc")][$util.matches("a|abc", "abc")]', "[false][true]"),
])
def test_java_string_methods_as_java_does(template, expected):
    assert render(template) == [expected]
