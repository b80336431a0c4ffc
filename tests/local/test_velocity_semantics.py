# ruff: noqa: E501 - the VTL cases and the Node script below are data, one case per line
"""The simulator's VTL engine (velocityjs, patched by local/patches.js) renders as Velocity 1.7
does where our templates depend on it. Each case cites what it follows; cases without $util are
also rendered by Apache Velocity 1.7 itself (Debian's velocity) and must agree with it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT, node_env

VELOCITY_CLASSPATH = os.environ.get("VELOCITY_CLASSPATH", ":".join(
    f"/usr/share/java/{jar}" for jar in ("velocity-1.7.jar", "commons-collections3.jar",
                                          "commons-lang.jar")))

# Renders each template of stdin's JSON list with $ctx.args = {"a": "A", "n": null} through the patched
# simulator, and prints the outputs as a JSON list.
RENDER = """
const sim = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const info = { fieldName: 'f', parentType: { name: 'Query' }, fieldNodes: [], variableValues: {},
  operation: { selectionSet: { selections: [] } } };
const out = cases.map((content) => {
  const t = new sim.VelocityTemplate({ path: 'case', content }, { appSyncConfig: {} });
  return t.compiler.render(t.buildRenderContext({ arguments: { a: 'A', n: null }, stash: {} }, { headers: {} }, info));
});
console.log(JSON.stringify(out));
"""


def render(*templates: str) -> list[str]:
    res = subprocess.run(["node", "-e", RENDER, str(ROOT / "local" / "patches.js")],
                         input=json.dumps(templates), capture_output=True, text=True,
                         cwd=ROOT, env=node_env(), timeout=120, check=True)
    return [out.strip() for out in json.loads(res.stdout)]


def render_velocity_17(*templates: str) -> list[str]:
    """The same templates rendered by Apache Velocity 1.7 (None when it is not installed)."""
    jars = VELOCITY_CLASSPATH.split(":")
    if not shutil.which("java") or not all(os.path.isfile(j) for j in jars):
        return None
    res = subprocess.run(["java", "-cp", VELOCITY_CLASSPATH, str(ROOT / "tests" / "local" / "VtlRender.java")],
                         input="".join(f"{t}\0" for t in templates), capture_output=True,
                         text=True, timeout=120, check=True)
    return [out.strip() for out in res.stdout.split("\0")[:-1]]


# Pure VTL (no $util): what the patched runtime renders must equal what Velocity 1.7 renders.
PURE = [
    # User guide, "#set": a null right side is not assigned.
    ('#set($v = "kept")#set($v = $ctx.args.missing)$v', "kept"),
    ('#set($m = {"k": "kept"})#set($m.k = $ctx.args.missing)$m.k', "kept"),
    ('#set($v = "old")#set($v = $ctx.args.a)$v', "A"),
    ("#set($l = [])#set($added = $l.add(1))$l.size()", "1"),
    # Ordering with a null side is false; arithmetic with null, or by zero, has no value.
    ("[#if($ctx.args.n < 1)T#{else}F#end][#if($ctx.args.n >= -1)T#{else}F#end][#if(1 < 2)T#end]",
     "[F][F][T]"),
    ('#set($x = "old")#set($x = $ctx.args.n + 1)$x', "old"),
    ('#set($x = "old")#set($x = 7 / 0)$x', "old"),
    ('#set($x = "old")#set($x = 7 % 0)$x', "old"),
    ("#set($x = 6 * 7 - 2)$x", "40"),
    ('#set($x = "n" + 1)$x', "n1"),
    # Java SE API: String.replace is literal on both sides; String.matches matches the whole.
    ('#set($s = "a.b.c")$s.replace(".", "-")', "a-b-c"),
    ('#set($s = "{name}#{name}")$s.replace("{name}", "x$&y")', "x$&y#x$&y"),
    ('#set($s = "abc")[$s.matches("b")][$s.matches("a.c")]', "[false][true]"),
    # User guide, "Quiet Reference Notation": a null reference renders as its text, $! as nothing.
    ('[$ctx.args.n][$!ctx.args.n]["x $ctx.args.n y"][$ctx.args.a]', '[$ctx.args.n][]["x $ctx.args.n y"][A]'),
    ('#set($m = {"k": $ctx.args.n})[$m.k][$m.size()]', "[$m.k][1]"),
    # No String.replace(String, Integer): the call has no value; "$n" is a string.
    ('#set($n = 3)#set($s = "v{n}")#set($s = $s.replace("{n}", $n))$s', "v{n}"),
    ('#set($n = 3)#set($s = "v{n}")#set($s = $s.replace("{n}", "$n"))$s', "v3"),
]


@pytest.mark.parametrize("template, expected", PURE)
def test_pure_vtl_as_velocity_17(template, expected):
    assert render(template) == [expected]


def test_the_expectations_are_velocity_17s():
    """The expected outputs above are what Velocity 1.7 itself renders."""
    reference = render_velocity_17(*(t for t, _ in PURE))
    if reference is None:
        pytest.skip(f"Velocity 1.7 not installed ({VELOCITY_CLASSPATH}); the cases still run")
    assert reference == [expected for _, expected in PURE]


# Velocity 1.7 user guide, "#set": "If the RHS is a property or method reference that evaluates
# to null, it will not be assigned to the LHS" (directive.set.null.allowed=false by default).
@pytest.mark.parametrize("template, expected", [
    ('#set($v = "kept")#set($v = $util.defaultIfNull($ctx.args.missing, $ctx.args.gone))$v', "kept"),
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


def test_util_matches_the_whole_value():
    """AppSync's $util reference: $util.matches "is based on Pattern" (the whole input matches)."""
    assert render('[$util.matches("b", "abc")][$util.matches("a|abc", "abc")]') == [
        "[false][true]"]


# Renders each template of stdin's JSON list as AppSync does (patched VelocityTemplate.render),
# and prints each one's output and error messages.
RENDER_RESOLVED = """
const sim = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const info = { fieldName: 'f', path: { key: 'f' }, parentType: { name: 'Query' }, fieldNodes: [],
  variableValues: {}, operation: { selectionSet: { selections: [] } } };
console.log(JSON.stringify(cases.map((content) => {
  const out = new sim.VelocityTemplate({ path: 'case', content }, { appSyncConfig: {} })
    .render({ arguments: {}, stash: {} }, { headers: {} }, info);
  return [out.result, out.errors.map((e) => `${e.errorType}: ${e.message}`)];
})));
"""

COUNT = "#set($c = 0){loops}$c"


@pytest.mark.parametrize("loops, result, error", [
    ("#foreach($x in [1..1000])#set($c = $c + 1)#end", 1000, None),
    ("#foreach($x in [1..1001])#set($c = $c + 1)#end", None, "#foreach($x) exceeds"),
    # An inner loop's iterations add up over its outer loop's (the stricter reading).
    ("#foreach($y in [1..2])#foreach($x in [1..500])#set($c = $c + 1)#end#end", 1000, None),
    ("#foreach($y in [1..2])#foreach($x in [1..501])#set($c = $c + 1)#end#end", None, "#foreach($x) exceeds"),
])
def test_a_foreach_stops_at_appsyncs_quota(loops, result, error):
    """AWS General Reference, AppSync quotas: "Iterations in a foreach loop in mapping templates:
    1000". Whether AppSync truncates or fails is not documented: the runtime fails the template
    with a MappingTemplate error naming the quota, never more lenient than either."""
    res = subprocess.run(["node", "-e", RENDER_RESOLVED, str(ROOT / "local" / "patches.js")],
                         input=json.dumps([COUNT.format(loops=loops)]), capture_output=True,
                         text=True, cwd=ROOT, env=node_env(), timeout=120, check=True)
    [(out, errors)] = json.loads(res.stdout)
    if error is None:
        assert (out, errors) == (result, [])
    else:
        assert out is None and len(errors) == 1
        assert errors[0].startswith(f"MappingTemplate: {error} AppSync's quota of 1000 iterations")
