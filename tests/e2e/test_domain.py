"""End-to-end: every operation of the domain against the synthesized API in the local runtime.

The runtime starts once per session (tests/e2e/conftest.py); each test uses its own model
names, so tests do not depend on each other's data.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from modules.codegen import load
from tests.conftest import ROOT

MODEL = "name id status owner framework tags description revision latestVersionNumber"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_model(graphql, name: str, **fields) -> dict:
    return graphql.data(
        "mutation($i: CreateModelInput!) { createModel(input: $i) { " + MODEL + " } }",
        {"i": {"name": name, **fields}})["createModel"]


def register(graphql, model: str, uri: str = "s3://bucket/model.tar.gz") -> dict:
    return graphql.data(
        "mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
        "{ modelName version approvalStatus artifactUri } }",
        {"i": {"modelName": model, "artifactUri": uri}})["registerModelVersion"]


def only_error(res) -> tuple[str, str]:
    assert len(res.errors) == 1, res.errors
    return res.errors[0].get("errorType"), res.errors[0].get("message")


# --- the seed's operations ------------------------------------------------------------------

def test_seed_add_then_get_round_trips(graphql):
    name = unique("seed")
    added = graphql.data('mutation($n: String!) { addModel(name: $n) { id name status } }',
                         {"n": name})["addModel"]
    assert added["name"] == name and added["id"] and added["status"] is None
    got = graphql.execute('query($n: String!) { getModel(name: $n) { id name status } }',
                          {"n": name})
    assert got.data["getModel"] == added
    assert got.dynamodb["byOperation"] == {"GetItem": 1}


@pytest.mark.parametrize("name", ["has space", "a/b", "a#b", "nul\u0000", "", "x" * 64])
def test_seed_add_refuses_what_create_refuses_with_the_same_rule(graphql, name):
    """addModel and createModel store the same attribute: one rule (Model.name's @constraint)."""
    added = graphql.execute('mutation($n: String!) { addModel(name: $n) { name } }', {"n": name})
    created = graphql.execute('mutation($n: String!) { createModel(input: {name: $n}) { name } }',
                              {"n": name})
    assert only_error(added)[0] == "ValidationError" and added.requests == 0
    assert only_error(added) == only_error(created)
    assert graphql.data('query($n: String!) { getModel(name: $n) { name } }',
                        {"n": name}) == {"getModel": None}


# --- models ---------------------------------------------------------------------------------

def test_create_sets_server_side_fields_and_refuses_a_duplicate(graphql):
    name = unique("dup")
    model = create_model(graphql, name, owner="alice", framework="sklearn")
    assert model["revision"] == 1 and model["latestVersionNumber"] == 0 and model["id"]
    again = graphql.execute(
        'mutation($i: CreateModelInput!) { createModel(input: $i) { name } }',
        {"i": {"name": name, "owner": "mallory"}})
    assert only_error(again) == ("AlreadyExists", "Model already exists")
    kept = graphql.data('query($n: String!) { getModel(name: $n) { owner inference } }',
                        {"n": name})
    assert kept["getModel"] == {"owner": "alice", "inference": "SAGEMAKER_ENDPOINT"}  # enum default
    bedrock = create_model(graphql, unique("bedrock"), inference="BEDROCK")
    assert graphql.data('query($n: String!) { getModel(name: $n) { inference } }',
                        {"n": bedrock["name"]})["getModel"]["inference"] == "BEDROCK"


def test_get_of_a_missing_model_is_null(graphql):
    res = graphql.execute('query { getModel(name: "never-created") { name } }')
    assert res.errors == [] and res.data == {"getModel": None}


def rule(operation: str, arg: str) -> str:
    """The rule in words of an argument's @constraint pattern, as the schema states it."""
    schema = load(ROOT / "schema" / "model_registry.graphql")
    op = next(o for o in schema.operations if o.name == operation)
    return next(a for a in op.args if a.name == arg).constraint.rule


@pytest.mark.parametrize("fields, message", [
    ({"name": "has space"}, "name must be {name}"),
    ({"name": "x" * 64}, "name must be {name}"),
    ({"name": "-leading-dash"}, "name must be {name}"),
    ({"name": "ok-name", "description": "x" * 1025},
     "description must have at most 1024 characters"),
    ({"name": "ok-name", "tags": [f"t{i}" for i in range(21)]}, "tags has more than 20 items"),
    ({"name": "ok-name", "tags": ["bad tag"]}, "each element of tags must be {tags}"),
    ({"name": "ok-name", "tags": [""]}, "each element of tags must be {tags}"),
])
def test_invalid_input_is_refused_before_any_write(graphql, fields, message):
    """A refusal states the rule (lengths and the pattern in words), not only that it failed."""
    message = message.format(**{a: rule("Mutation.createModel", a) for a in ("name", "tags")})
    res = graphql.execute('mutation($i: CreateModelInput!) { createModel(input: $i) { name } }',
                          {"i": fields})
    kind, text = only_error(res)
    assert kind == "ValidationError" and text == message
    assert res.requests == 0


def test_each_argument_is_checked_against_its_own_value(graphql):
    """A free-text description followed by arguments left out: on AppSync (Velocity 1.7) a #set
    from null keeps the old value, so a check reusing one variable tested the description
    against framework's pattern and task's length. Create and update share the checks."""
    text = "A model with spaces, commas and more than 128 characters. " * 3
    name = unique("own")
    created = create_model(graphql, name, description=text)
    assert created["description"] == text
    updated = graphql.data(
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { description revision } }",
        {"i": {"name": name, "expectedRevision": 1, "description": text + "!"}})["updateModel"]
    assert updated == {"description": text + "!", "revision": 2}


def test_update_with_the_current_revision_and_a_stale_one(graphql):
    name = unique("upd")
    create_model(graphql, name, description="v1")
    query = ("mutation($i: UpdateModelInput!) { updateModel(input: $i) "
             "{ description revision updatedAt } }")
    updated = graphql.data(query, {"i": {"name": name, "expectedRevision": 1,
                                         "description": "v2"}})["updateModel"]
    assert updated["description"] == "v2" and updated["revision"] == 2
    stale = graphql.execute(query, {"i": {"name": name, "expectedRevision": 1,
                                          "description": "lost"}})
    assert only_error(stale) == ("StaleRevision",
                                 "expectedRevision is stale: Model is at revision 2")
    missing = graphql.execute(query, {"i": {"name": unique("nope"), "expectedRevision": 1}})
    assert only_error(missing)[0] == "NotFound"
    final = graphql.data('query($n: String!) { getModel(name: $n) { description revision } }',
                         {"n": name})["getModel"]
    assert final == {"description": "v2", "revision": 2}


@pytest.mark.parametrize("round_", range(3))  # a lost update shows up only now and then
def test_parallel_updates_with_one_revision_exactly_one_wins(graphql, round_):
    name = unique("race")
    create_model(graphql, name)
    query = "mutation($i: UpdateModelInput!) { updateModel(input: $i) { description revision } }"

    def attempt(i: int):
        return graphql.execute(query, {"i": {"name": name, "expectedRevision": 1,
                                             "description": f"writer {i}"}})

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(attempt, range(20)))
    winners = [r for r in results if not r.errors]
    assert len(winners) == 1, [r.errors for r in results]
    assert {e["errorType"] for r in results if r.errors for e in r.errors} == {"StaleRevision"}
    final = graphql.data('query($n: String!) { getModel(name: $n) { description revision } }',
                         {"n": name})["getModel"]
    assert final == winners[0].data["updateModel"] and final["revision"] == 2


def test_delete_refused_while_versions_exist_and_done_without(graphql):
    kept, gone = unique("keep"), unique("gone")
    create_model(graphql, kept)
    register(graphql, kept)
    create_model(graphql, gone, tags=["to-delete"])
    query = ("mutation($n: String!, $r: Int!) { deleteModel(name: $n, expectedRevision: $r) "
             "{ name } }")
    refused = graphql.execute(query, {"n": kept, "r": 1})
    assert only_error(refused)[0] == "HasDependents"
    assert only_error(graphql.execute(query, {"n": gone, "r": 9}))[0] == "StaleRevision"
    done = graphql.execute(query, {"n": gone, "r": 1})
    assert done.data["deleteModel"] == {"name": gone}
    # One conditional DeleteItem: no read, no look-up of versions (`unless` guards them), and
    # the tag items stay behind, ignored by listModels(tag) below.
    assert done.dynamodb["byOperation"] == {"DeleteItem": 1}
    assert graphql.data('query($n: String!) { getModel(name: $n) { name } }',
                        {"n": gone})["getModel"] is None
    by_tag = graphql.data('query { listModels(tag: "to-delete") { items { name } } }')
    assert by_tag["listModels"]["items"] == []


def test_delete_refuses_versions_through_the_counter_alone(graphql, local_runtime):
    """Model.versions is `onDelete: REFUSE`, and every version is numbered by the model's
    `latestVersionNumber` (deleteModel's `unless`), so the delete's condition refuses a model
    with versions without Querying them. A version written outside the API (a restored backup)
    must move that counter too: then it is refused like any other, in one DeleteItem."""

    name = unique("orphan")
    create_model(graphql, name)
    client = local_runtime.dynamodb()
    client.put_item(TableName="mlapi-model_versions",
                    Item={"modelName": {"S": name}, "version": {"N": "7"}})
    client.update_item(TableName="mlapi-models", Key={"name": {"S": name}},
                       UpdateExpression="SET latestVersionNumber = :n",
                       ExpressionAttributeValues={":n": {"N": "7"}})
    query = ("mutation($n: String!) { deleteModel(name: $n, expectedRevision: 1) { name } }")
    refused = graphql.execute(query, {"n": name})
    assert only_error(refused) == (
        "HasDependents",
        "Model still has latestVersionNumber above 0; remove its dependents first")
    # The write, AppSync's read of the item after its failed condition, the cause's read.
    assert refused.dynamodb["byOperation"] == {"DeleteItem": 1, "GetItem": 2}
    assert graphql.data('query($n: String!) { getModel(name: $n) { name } }',
                        {"n": name})["getModel"] == {"name": name}


def test_list_filters_use_indexes_and_refuse_two_at_once(graphql):
    owner, tag = unique("owner"), unique("tag")
    names = sorted(unique("filtered") for _ in range(3))
    for i, name in enumerate(names):
        create_model(graphql, name, owner=owner, framework="jax", tags=[tag] if i else [])
    res = graphql.execute('query($o: String) { listModels(owner: $o) { items { name } } }',
                          {"o": owner})
    assert [m["name"] for m in res.data["listModels"]["items"]] == names
    assert res.dynamodb["byOperation"] == {"Query": 1}
    res = graphql.execute('query($t: String) { listModels(tag: $t) { items { name tags } } }',
                          {"t": tag})
    assert [m["name"] for m in res.data["listModels"]["items"]] == names[1:]
    assert res.dynamodb["byOperation"] == {"Query": 1, "BatchGetItem": 1}
    both = graphql.execute('query { listModels(owner: "a", tag: "b") { items { name } } }')
    assert only_error(both) == ("ValidationError", "give at most one of owner, framework, tag")
    assert only_error(graphql.execute('query { listModels(limit: 101) { items { name } } }')) \
        == ("ValidationError", "limit must be from 1 to 100")


def test_updating_tags_moves_the_model_between_tag_lists(graphql):
    name, old, new = unique("retag"), unique("old"), unique("new")
    create_model(graphql, name, tags=[old])
    graphql.data("mutation($i: UpdateModelInput!) { updateModel(input: $i) { tags } }",
                 {"i": {"name": name, "expectedRevision": 1, "tags": [new, new]}})
    query = 'query($t: String) { listModels(tag: $t) { items { name tags } } }'
    assert graphql.data(query, {"t": old})["listModels"]["items"] == []
    assert graphql.data(query, {"t": new})["listModels"]["items"] == [
        {"name": name, "tags": [new, new]}]


def test_pagination_returns_every_item_once(graphql):
    owner = unique("pager")
    names = sorted(unique("page") for _ in range(25))
    for name in names:
        create_model(graphql, name, owner=owner)
    seen, token, pages = [], None, 0
    while True:
        page = graphql.data(
            'query($o: String, $t: String) { listModels(owner: $o, limit: 10, nextToken: $t) '
            "{ items { name } nextToken } }", {"o": owner, "t": token})["listModels"]
        seen += [m["name"] for m in page["items"]]
        pages += 1
        token = page["nextToken"]
        if not token:
            break
    assert seen == names and pages >= 3


def test_list_with_latest_version_costs_two_requests_not_n_plus_one(graphql):
    owner = unique("batch")
    names = sorted(unique("nplus") for _ in range(50))
    for i, name in enumerate(names):
        create_model(graphql, name, owner=owner)
        if i % 2 == 0:
            register(graphql, name)
    res = graphql.execute(
        'query($o: String) { listModels(owner: $o, limit: 50) '
        "{ items { name latestVersion { version } } } }", {"o": owner})
    assert res.errors == []
    items = res.data["listModels"]["items"]
    assert [m["name"] for m in items] == names
    assert [m["latestVersion"] for m in items] == [
        {"version": 1} if i % 2 == 0 else None for i in range(50)]
    assert res.dynamodb["byOperation"] == {"Query": 1, "BatchGetItem": 1}
    unfiltered = graphql.execute(
        "query { listModels(limit: 50) { items { latestVersion { version } } } }")
    assert unfiltered.errors == [] and unfiltered.requests == 2
    without = graphql.execute('query($o: String) { listModels(owner: $o, limit: 50) '
                              "{ items { name } } }", {"o": owner})
    assert without.requests == 1


def test_strings_are_stored_verbatim(graphql):
    tricky = ['quote " and \' apostrophe', "#set($x = 1)$x", "$util.error('boom')",
              '{"json": ["value", 1]}', "${terraform} %{directive} #if(true) #end",
              "back\\slash \\n newline\n tab\t"]
    for i, text in enumerate(tricky):
        name = unique(f"verbatim{i}")
        created = create_model(graphql, name, description=text, status=text[:64])
        assert created["description"] == text and created["status"] == text[:64]
        got = graphql.data('query($n: String!) { getModel(name: $n) { description status } }',
                           {"n": name})["getModel"]
        assert got == {"description": text, "status": text[:64]}


# --- versions and aliases --------------------------------------------------------------------

def test_parallel_registrations_get_distinct_consecutive_numbers(graphql):
    name = unique("versions")
    create_model(graphql, name)
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda i: register(graphql, name, f"s3://b/{name}/{i}"),
                                range(20)))
    assert sorted(r["version"] for r in results) == list(range(1, 21))
    listed = graphql.data(
        'query($n: String!) { listModelVersions(modelName: $n, limit: 100) '
        "{ items { version model { name latestVersionNumber } } } }", {"n": name})
    items = listed["listModelVersions"]["items"]
    assert [v["version"] for v in items] == list(range(20, 0, -1))  # newest first
    assert {v["model"]["latestVersionNumber"] for v in items} == {20}


def test_register_for_a_missing_model_is_refused(graphql):
    res = graphql.execute(
        'mutation { registerModelVersion(input: {modelName: "ghost-model", '
        'artifactUri: "s3://b/x"}) { version } }')
    assert only_error(res) == ("NotFound", "Model not found")
    bad = graphql.execute(
        'mutation { registerModelVersion(input: {modelName: "ghost-model", '
        'artifactUri: "ftp://x"}) { version } }')
    assert only_error(bad)[0] == "ValidationError" and bad.requests == 0


def test_an_oversized_json_field_is_refused_before_a_number_is_taken(graphql):
    """DynamoDB items hold 400 KB: a larger version would fail after the counter moved on."""
    name = unique("big-json")
    create_model(graphql, name)
    big = json.dumps({"m": "x" * 40000})
    res = graphql.execute(
        "mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) { version } }",
        {"i": {"modelName": name, "artifactUri": "s3://b/x", "metrics": big}})
    assert only_error(res) == ("ValidationError", "metrics must have at most 32768 characters")
    assert res.requests == 0
    assert register(graphql, name, "s3://b/y")["version"] == 1


DEEP = "[" * 33 + "1" + "]" * 33  # DynamoDB nests 32 levels


@pytest.mark.parametrize("field, value, says", [
    # The item would pass 400 KB.
    ("trainingJobId", "j" * 410_000, "trainingJobId must be at most 63 characters"),
    ("metrics", '{"auc": 1e400}', "metrics holds the number"),
    ("metrics", '{"tiny": 1e-200}', "metrics holds the number"),
    ("parameters", '{"": 1}', "parameters has an empty object key"),
    ("parameters", DEEP, "parameters nests objects and arrays more than 32 deep"),
])
def test_unstorable_input_is_refused_before_a_number_is_taken(graphql, field, value, says):
    """Everything written after the counter moved is checked first: a version DynamoDB would
    refuse must not leave latestVersionNumber on a version that never exists."""
    name = unique("unstorable")
    create_model(graphql, name)
    res = graphql.execute(
        "mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) { version } }",
        {"i": {"modelName": name, "artifactUri": "s3://b/x", field: value}})
    assert only_error(res)[0] == "ValidationError" and says in res.errors[0]["message"]
    assert res.requests == 0
    assert register(graphql, name, "s3://b/y")["version"] == 1
    fine = graphql.data(
        "mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
        "{ version metrics } }",
        {"i": {"modelName": name, "artifactUri": "s3://b/z",
               "metrics": '{"n": [1.5, -2, 3e80, 12345678901234567890], "s": "", "deep": '
                          + DEEP[2:-2] + "}"}})  # a map and 31 lists: 32 levels, storable
    assert fine["registerModelVersion"]["version"] == 2


def test_version_approval_get_and_model_link(graphql):
    name = unique("approve")
    create_model(graphql, name, owner="carol")
    register(graphql, name)
    approved = graphql.data(
        'mutation($n: String!) { setModelVersionApproval(modelName: $n, version: 1, '
        "approvalStatus: APPROVED) { approvalStatus revision } }", {"n": name})
    assert approved["setModelVersionApproval"] == {"approvalStatus": "APPROVED", "revision": 2}
    got = graphql.execute(
        'query($n: String!) { getModelVersion(modelName: $n, version: 1) '
        "{ approvalStatus artifactUri model { owner latestVersion { version } } } }", {"n": name})
    assert got.data["getModelVersion"] == {
        "approvalStatus": "APPROVED", "artifactUri": "s3://bucket/model.tar.gz",
        "model": {"owner": "carol", "latestVersion": {"version": 1}}}
    missing = graphql.execute(
        'mutation($n: String!) { setModelVersionApproval(modelName: $n, version: 9, '
        'approvalStatus: REJECTED, comment: "no") { version } }', {"n": name})
    assert only_error(missing) == ("NotFound", "ModelVersion not found")


def test_a_version_is_pointed_at_its_endpoint(graphql):
    name = unique("endpoint")
    create_model(graphql, name)
    register(graphql, name)
    query = ('mutation($n: String!, $e: String) { setModelVersionEndpoint(modelName: $n, '
             "version: 1, endpointName: $e) { endpointName revision } }")
    assert graphql.data(query, {"n": name, "e": "ep-1"})["setModelVersionEndpoint"] == {
        "endpointName": "ep-1", "revision": 2}
    assert only_error(graphql.execute(query, {"n": name, "e": "bad endpoint"}))[0] == \
        "ValidationError"


def test_aliases_point_at_existing_versions_only(graphql):
    name = unique("alias")
    create_model(graphql, name)
    register(graphql, name)
    set_alias = ('mutation($n: String!, $a: String!, $v: Int!) { setModelAlias(name: $n, '
                 "alias: $a, version: $v) { aliases { alias version } revision } }")
    res = graphql.execute(set_alias, {"n": name, "a": "canary", "v": 1})
    assert res.data["setModelAlias"] == {"aliases": [{"alias": "canary", "version": 1}],
                                         "revision": 2}
    # One transaction (the version's check, the model's update); the model is read back for
    # what the write does not know (the other aliases, the revision).
    assert res.dynamodb["byOperation"] == {"TransactWriteItems": 1, "GetItem": 1}
    # Selecting only what it wrote: the one request.
    res = graphql.execute('mutation($n: String!) { setModelAlias(name: $n, alias: "beta", '
                          "version: 1) { name updatedAt } }", {"n": name})
    assert res.errors == [], res.errors
    assert res.dynamodb["byOperation"] == {"TransactWriteItems": 1}
    assert res.data["setModelAlias"]["updatedAt"] == graphql.data(
        "query($n: String!) { getModel(name: $n) { updatedAt } }", {"n": name}
    )["getModel"]["updatedAt"]
    assert only_error(graphql.execute(set_alias, {"n": name, "a": "canary", "v": 2})) == (
        "NotFound", "ModelVersion not found")
    # A protected alias too: no version, not the version's state, is what is wrong.
    assert only_error(graphql.execute(set_alias, {"n": name, "a": "prod", "v": 2})) == (
        "NotFound", "ModelVersion not found")
    # No model (so no version either): the model is named.
    assert only_error(graphql.execute(set_alias, {"n": unique("ghost"), "a": "canary",
                                                  "v": 1})) == ("NotFound", "Model not found")
    assert only_error(graphql.execute(set_alias, {"n": name, "a": "bad alias", "v": 1}))[0] \
        == "ValidationError"
    removed = graphql.data('mutation($n: String!) { removeModelAlias(name: $n, alias: "canary") '
                           "{ aliases { alias } } }", {"n": name})
    assert removed["removeModelAlias"]["aliases"] == [{"alias": "beta"}]
    missing = graphql.execute('mutation { removeModelAlias(name: "ghost", alias: "x") '
                              "{ name } }")
    assert only_error(missing) == ("NotFound", "Model not found")


def test_model_versions_field_pages_newest_first(graphql):
    name = unique("nested")
    create_model(graphql, name)
    for _ in range(3):
        register(graphql, name)
    page = graphql.data(
        'query($n: String!) { getModel(name: $n) { versions(limit: 2) '
        "{ items { version } nextToken } } }", {"n": name})["getModel"]["versions"]
    assert [v["version"] for v in page["items"]] == [3, 2] and page["nextToken"]
    # The versions' own `model` comes from one BatchGetItem, not one read per version.
    res = graphql.execute(
        'query($n: String!) { getModel(name: $n) { versions { items { model { name } } } } }',
        {"n": name})
    assert [v["model"] for v in res.data["getModel"]["versions"]["items"]] == [{"name": name}] * 3
    assert res.dynamodb["byOperation"] == {"GetItem": 1, "Query": 1, "BatchGetItem": 1}


# --- training jobs and predictions ----------------------------------------------------------

def test_training_job_lifecycle_and_refused_transitions(graphql):
    name = unique("train")
    create_model(graphql, name)
    job = graphql.data(
        'mutation($i: CreateTrainingJobInput!) { createTrainingJob(input: $i) '
        "{ id status hyperparameters revision } }",
        {"i": {"modelName": name, "hyperparameters": '{"lr": 0.01}',
               "inputUri": "s3://data/train"}})["createTrainingJob"]
    assert job["status"] == "PENDING" and job["revision"] == 1
    update = ("mutation($i: UpdateTrainingJobInput!) { updateTrainingJob(input: $i) "
              "{ status metrics producedVersion revision } }")
    for status in ("IN_PROGRESS", "COMPLETED"):
        graphql.data(update, {"i": {"id": job["id"], "modelName": name, "status": status}})
    done = graphql.data(update, {"i": {"id": job["id"], "modelName": name,
                                       "metrics": '{"auc": 0.91}',
                                       "producedVersion": 1}})["updateTrainingJob"]
    assert done["status"] == "COMPLETED" and done["revision"] == 4
    refused = graphql.execute(update, {"i": {"id": job["id"], "modelName": name,
                                             "status": "IN_PROGRESS"}})
    assert only_error(refused) == ("InvalidTransition",
                                   "status cannot change from COMPLETED to IN_PROGRESS")
    by_status = graphql.data(
        'query($n: String!) { listTrainingJobs(modelName: $n, status: COMPLETED) '
        "{ items { id model { name } } } }", {"n": name})["listTrainingJobs"]["items"]
    assert by_status == [{"id": job["id"], "model": {"name": name}}]
    assert graphql.data('query($n: String!) { listTrainingJobs(modelName: $n, status: PENDING) '
                        "{ items { id } } }", {"n": name})["listTrainingJobs"]["items"] == []
    orphan = graphql.execute('mutation { createTrainingJob(input: {modelName: "ghost"}) { id } }')
    assert only_error(orphan) == ("NotFound", "Model not found")


def test_predictions_are_recorded_and_listed_newest_first(graphql):
    name = unique("predict")
    create_model(graphql, name)
    record = ("mutation($i: RecordPredictionInput!) { recordPrediction(input: $i) "
              "{ id createdAt output latencyMs model { name } } }")
    ids = []
    for i in range(3):
        p = graphql.data(record, {"i": {"modelName": name, "version": 1, "input": f'{{"x": {i}}}',
                                        "output": '{"y": 1}', "latencyMs": 12}})
        ids.append(p["recordPrediction"]["id"])
    listed = graphql.execute(
        'query($n: String!) { listPredictions(modelName: $n) { items { id model { name } } } }',
        {"n": name})
    assert [p["id"] for p in listed.data["listPredictions"]["items"]] == ids[::-1]
    assert listed.dynamodb["byOperation"] == {"Query": 1, "BatchGetItem": 1}
    got = graphql.data('query($i: ID!) { getPrediction(id: $i) { modelName input } }',
                       {"i": ids[0]})["getPrediction"]
    assert got["modelName"] == name and '"x"' in got["input"]
    bad = graphql.execute(record, {"i": {"modelName": name, "input": "{}", "latencyMs": -1}})
    assert only_error(bad)[0] == "ValidationError"


# --- auth -----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_missing_or_wrong_api_key_is_refused(api_key_client, graphql, key):
    res = api_key_client.execute('mutation { addModel(name: "unauthorized") { name } }',
                                 api_key=key)
    assert res.status == 401 and res.data is None
    assert res.errors and res.errors[0]["errorType"] == "UnauthorizedException"
    check = graphql.execute('query { getModel(name: "unauthorized") { name } }')
    assert check.data == {"getModel": None}


def test_json_too_large_to_walk_is_refused_before_a_number_is_taken(graphql):
    """AppSync runs at most 1000 iterations of a #foreach (General Reference, AppSync quotas):
    a check walking more would stop there on AWS, and a bad value past it (an empty key at the
    end) would reach DynamoDB after the counter moved. Such JSON is refused whole, by its rule."""
    name = unique("wide-json")
    create_model(graphql, name)
    wide = json.dumps([0] * 1200 + [{"": 1}])
    res = graphql.execute(
        "mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) { version } }",
        {"i": {"modelName": name, "artifactUri": "s3://b/x", "parameters": wide}})
    kind, message = only_error(res)
    assert kind == "ValidationError" and message.startswith("parameters holds more than")
    assert "AppSync's mapping templates walk at most 1000" in message
    assert res.requests == 0
    assert register(graphql, name, "s3://b/y")["version"] == 1
