"""Codegen units over the domain schema, and golden files for every generated template."""

from __future__ import annotations

import difflib
import re

import pytest

from modules.codegen import load
from modules.codegen.docs import without_descriptions
from modules.codegen.ir import MAX_LIMIT, NESTED_MAX_LIMIT
from modules.codegen.render import check_terraform_safe, render
from tests.codegen.golden import GOLDEN, SCHEMA, rendered


@pytest.fixture(scope="module")
def schema():
    return load(SCHEMA)


@pytest.fixture(scope="module")
def plan(schema):
    return render(schema, lambda e: f"<{e.table}>")


def test_golden_files_match_the_rendered_templates():
    files = rendered()
    on_disk = {str(p.relative_to(GOLDEN)): p.read_text()
               for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(files), "run `make golden` after an intended change"
    for name, text in files.items():
        if on_disk[name] != text:
            diff = "".join(difflib.unified_diff(on_disk[name].splitlines(True),
                                                text.splitlines(True), name, "rendered", n=1))
            pytest.fail(f"{name} differs from its golden file (`make golden` if intended):\n"
                        f"{diff[:2000]}")


def test_every_query_and_mutation_field_has_a_resolver(schema, plan):
    fields = {f"{t}.{f}" for t in ("Query", "Mutation")
              for f in re.findall(r"^  (\w+)[(:]", _type_body(schema.appsync_sdl, t), re.M)}
    assert fields == {r.name for r in plan.resolvers if r.type in ("Query", "Mutation")}
    assert len(fields) == len([op for op in schema.operations
                               if op.parent in ("Query", "Mutation")])


def test_no_template_scans_and_every_list_is_a_bounded_query(plan):
    for name, text in plan.templates().items():
        assert '"Scan"' not in text, name
        if '"operation": "Query"' in text:
            limit = re.search(r'"limit": (\$limit|\d+)', text)
            assert limit, name
            if limit.group(1) != "$limit":  # a delete looking up children: at most 100
                assert int(limit.group(1)) <= 100, name
    # A page's limit is checked once per resolver (a list through a membership: in its first step).
    functions = {f.name: f for f in plan.functions}
    for r in plan.resolvers:
        requests = [r.request] + [functions[f].request for f in r.functions]
        if any('"limit": $limit' in t for t in requests):
            # at most MAX_LIMIT; a nested list (@hasMany) at most NESTED_MAX_LIMIT (below)
            checks = [int(n) for t in requests for n in re.findall(r"\$limit > (\d+)", t)]
            assert len(checks) == 1 and checks[0] <= MAX_LIMIT, r.name


def test_nested_lists_page_at_most_the_nested_cap(schema, plan):
    """Every @hasMany field's query (run once per parent) is capped at NESTED_MAX_LIMIT."""
    # A @hasMany field is a unit resolver "<Type>.<field>" or a pipeline whose query function is
    # "<Type>_<field>_query" (render.py).
    fields = [(r.parent_type, r.field) for r in schema.relations if r.kind == "hasMany"]
    names = {f"resolvers/{t}.{f}.req.vtl" for t, f in fields} | \
        {f"functions/{t}_{f}_query.req.vtl" for t, f in fields}
    found = [n for n, t in plan.templates().items() if n in names and '"operation": "Query"' in t]
    assert found, "the schema has nested lists"
    for name in found:
        assert f"$limit > {NESTED_MAX_LIMIT}" in plan.templates()[name], name


def test_seed_operations_keep_their_shape(schema):
    sdl = without_descriptions(schema.appsync_sdl)
    assert "getModel(name: String!): Model" in sdl
    assert "addModel(name: String!): Model" in sdl
    model = _type_body(sdl, "Model")
    for line in ("id: ID!", "name: String", "status: String"):
        assert f"  {line}\n" in model


def test_appsync_schema_has_no_codegen_directives_or_aws_scalar_declarations(schema):
    sdl = schema.appsync_sdl
    for word in ("@table", "@index", "@get", "@list", "@constraint", "@transitions",
                 "@belongsTo", "@hasMany", "@auth", "scalar AWS", "directive @"):
        assert word not in sdl


def test_transitions_are_read_from_the_enum(schema):
    op = next(o for o in schema.operations if o.field == "updateTrainingJob")
    allowed = op.transitions["status"]
    assert allowed["COMPLETED"] == ["IN_PROGRESS"]
    assert "COMPLETED" not in {src for froms in allowed.values() for src in froms}


def test_list_of_models_prefetches_latest_version_in_one_batch(plan):
    listing = next(r for r in plan.resolvers if r.name == "Query.listModels")
    assert listing.functions == ["Query_listModels_byTag", "Query_listModels_query",
                                 "Query_listModels_latestVersion"]
    prefetch = next(f for f in plan.functions if f.name == "Query_listModels_latestVersion")
    assert '"operation": "BatchGetItem"' in prefetch.request
    assert '"<model_versions>"' in prefetch.request
    nested = next(r for r in plan.resolvers if r.name == "Model.latestVersion")
    assert "#return($ctx.source.get(\"__related\").get(\"latestVersion\"))" in nested.request


def test_register_version_allocates_puts_then_releases_on_failure(plan):
    register = next(r for r in plan.resolvers if r.name == "Mutation.registerModelVersion")
    allocate, put, release = (next(f for f in plan.functions if f.name == n)
                              for n in register.functions)
    assert allocate.data_source == "Model" and "ADD #n_counter :one" in allocate.request
    assert put.data_source == "ModelVersion" and "$ctx.stash.allocated" in put.request
    # A failed put is not raised by the put: the release gives the number back, then raises.
    assert "writeFailure" in put.response and "$util.error" not in put.response
    assert release.data_source == "Model"
    assert '"expression": "#n_counter = :taken"' in release.request
    assert "$util.error($ctx.stash.writeFailure.message" in release.response


def test_user_values_only_reach_dynamodb_through_util(plan):
    # No template splices an argument into JSON text: every $ctx.args / $input value
    # that lands inside the request is wrapped by $util.dynamodb.* or $util.toJson.
    for name, text in plan.templates().items():
        for line in text.splitlines():
            if line.lstrip().startswith(("#", "$util.error", "$util.qr")):
                continue
            for m in re.finditer(r"\$(ctx\.args|input)\.\w+", line):
                before = line[:m.start()]
                assert re.search(r"\$util\.(dynamodb\.\w+|toJson|defaultIfNull)\($", before) \
                    or before.rstrip().endswith("$util.toJson($util.defaultIfNull("), (name, line)


def test_terraform_interpolation_in_vtl_is_refused(plan):
    bad = next(f for f in plan.functions if f.name == "Mutation_updateModel_diagnose")
    original = bad.request
    bad.request = original + "${oops}\n"
    with pytest.raises(ValueError,
                       match=r"Mutation_updateModel_diagnose.req.vtl:\d+: rendered VTL"):
        check_terraform_safe(plan)
    bad.request = original
    check_terraform_safe(plan)


def _type_body(sdl: str, name: str) -> str:
    # The derived type may carry AppSync's @aws_* directives (from @auth) before its body.
    start = re.search(rf"^type {name}\b[^{{]*{{", sdl, re.M).start()
    return sdl[start:sdl.index("\n}", start)] + "\n"
