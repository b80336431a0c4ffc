"""The README's "Add your own type", run as written on a copy of the repository.

The schema snippets are read from the README itself (the `<!-- own-type: ... -->` blocks), so
the section and this test cannot drift apart. In a temporary copy (sources only; the shared
.venv and node_modules are symlinked, never installed into), the type is added and the
README's regeneration steps run (`make golden`, `make synth`, terraform/ committed); then the
copy's own codegen and synth tiers and this tree's plan tier pass on the extended schema
without an edit, and the new operations work in the local runtime: create, get, list by the
table's key and by the index, page, read nested, and the model's delete cascades to its
datasets within one transaction.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local.harness import LocalRuntime
from tests.conftest import ROOT, node_env
from tests.e2e.graphql_client import IAM_AUTH, GraphQLClient

README = ROOT / "README.md"
# What `make golden`, `make synth` and the codegen/synth tiers read.
COPIED = ("main.py", "cdktf.json", "Makefile", "mk", "modules", "templates", "schema", "tests",
          "tools", "terraform", "bench", "pytest.ini", "ruff.toml", ".gitignore",
          "requirements.txt", "requirements-dev.txt", "package.json", "package-lock.json")
SHARED = (".venv", "node_modules")
# Install stamps, copied with their times: make sees the shared toolchains as installed.
STAMPS = ("venv", "npm", "install")
# Settings or outputs of the outer run that must not leak into the copy's.
OUTER = ("MODEL_API_CONFIG", "MODEL_API_SYNTH_DIR", "PLAN_SYNTH_DIR", "CDKTF_OUTDIR",
         "PYTEST_ADDOPTS")
DATASET = "modelName name owner uri rows revision model { name }"


def readme_steps() -> dict[str, str]:
    """The section's schema snippets by where they go: append, Model, Query, Mutation."""
    text = README.read_text()
    start = text.index("### Add your own type")
    section = text[start:text.index("\n## ", start)]
    steps = dict(re.findall(r"<!-- own-type: (\w+) -->\n```graphql\n(.*?)```", section, re.S))
    assert set(steps) == {"append", "Model", "Query", "Mutation"}, sorted(steps)
    return steps


def extend(schema: str, steps: dict[str, str]) -> str:
    """Add the snippets as the README says: at the end, and at the top of each type's body."""
    text = schema.rstrip("\n") + "\n\n" + steps["append"]
    for type_name in ("Model", "Query", "Mutation"):
        start = re.search(rf"^type {type_name}\b", text, re.M)
        assert start, type_name
        # The body's brace is the first one outside the directives' arguments (@auth rules
        # hold braces of their own).
        depth, at = 0, start.end()
        while not (text[at] == "{" and depth == 0):
            depth += {"(": 1, ")": -1}.get(text[at], 0)
            at += 1
        end = text.index("\n", at) + 1
        text = text[:end] + steps[type_name] + text[end:]
    return text


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    res = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert res.returncode == 0, (f"{' '.join(args)} failed:\n{res.stdout[-4000:]}\n"
                                 f"{res.stderr[-4000:]}")
    return res.stdout


@pytest.fixture(scope="module")
def extended(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(the copy, its environment) after the README's steps: schema edited, `make golden`,
    `make synth`."""
    repo = tmp_path_factory.mktemp("own-type") / "repo"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=ignore)
        else:
            shutil.copy2(src, repo / name)
    for name in SHARED:
        (repo / name).symlink_to((ROOT / name).resolve())
    (repo / ".make").mkdir()
    for stamp in STAMPS:
        if (ROOT / ".make" / stamp).exists():
            shutil.copy2(ROOT / ".make" / stamp, repo / ".make" / stamp)
    schema = repo / "schema" / "model_registry.graphql"
    schema.write_text(extend(schema.read_text(), readme_steps()))
    env = {k: v for k, v in node_env().items() if k not in OUTER}
    # -o: never remake an install stamp here, whatever the times say: the copy shares the
    # installed .venv and node_modules, and `npm ci` through the link would empty them.
    make = ["make", "-s", *(f"-o.make/{stamp}" for stamp in STAMPS)]
    run([*make, "golden"], repo, env)
    run([*make, "synth"], repo, env)
    # The user commits the republished modules (terraform/) with the schema: the copy's
    # test_published compares HEAD's commit with a fresh synth.
    run(["git", "init", "-q"], repo, env)
    run(["git", "add", "-A"], repo, env)
    run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm",
         "Add Dataset"], repo, env)
    return repo, env


def test_the_codegen_and_synth_tiers_pass_on_the_extended_copy(extended):
    repo, env = extended
    golden = repo / "tests" / "golden"
    assert (golden / "resolvers" / "Query.listDatasets.req.vtl").is_file(), "make golden ran"
    assert "type Dataset" in (golden / "schema.appsync.graphql").read_text()
    # -o addopts=-ra: the summary line with counts and each skip's reason (pytest.ini's -q
    # -q would hide the counts). Left out, as they check the tooling whatever the schema, each
    # with synths of its own: test_state.py (Make and Terraform state, four synths in a copy)
    # and test_cli.py (python main.py and the cdktf CLI).
    out = run([sys.executable, "-m", "pytest", "-o", "addopts=-ra", "-q", "-p",
               "no:cacheprovider", "tests/codegen", "tests/synth",
               "--ignore=tests/synth/test_state.py", "--ignore=tests/synth/test_cli.py"], repo,
              {**env, "MODEL_API_SYNTH_DIR": str(repo / "cdktf.out")})
    summary = out.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and not re.search(r"failed|error", summary), (
        out[-2000:])
    print(out[-1500:])  # the skips, with their reasons


def test_the_plan_tier_passes_on_the_extended_copy(extended):
    """This tree's plan tests, pointed at the copy's output and schema (PLAN_SYNTH_DIR,
    MODEL_API_CONFIG's schema_path): the inventories' counts follow the new type."""
    repo, env = extended
    config = repo.parent / "settings.json"
    config.write_text(json.dumps({"schema_path": str(repo / "schema" / "model_registry.graphql")}))
    out = run([sys.executable, "-m", "pytest", "-o", "addopts=-ra", "-q", "-p", "no:cacheprovider",
               "tests/plan/test_plan_examples.py"], ROOT,
              {**env, "PLAN_SYNTH_DIR": str(repo / "cdktf.out"), "MODEL_API_CONFIG": str(config)})
    summary = out.strip().splitlines()[-1]
    if "passed" not in summary:  # no Terraform toolchain here (`make terraform-toolchain`)
        pytest.skip(f"the plan tier planned nothing: {out.strip().splitlines()[-2][:300]}")
    assert "failed" not in summary, out[-2000:]


@pytest.fixture(scope="module")
def api(extended):
    repo, _ = extended
    with LocalRuntime(repo / "cdktf.out" / "stacks" / "model-api" / "cdk.tf.json") as rt:
        # An IAM caller: the README's rules let IAM create datasets (and addModel).
        yield GraphQLClient(rt.graphql, None, auth=IAM_AUTH), rt


def create(graphql, model: str, name: str, **fields):
    return graphql.execute(
        "mutation($i: CreateDatasetInput!) { createDataset(input: $i) { " + DATASET + " } }",
        {"i": {"modelName": model, "name": name, **fields}})


def listing(graphql, **args):
    return graphql.execute(
        "query($m: String, $o: String, $l: Int, $t: String) { listDatasets(modelName: $m, "
        "owner: $o, limit: $l, nextToken: $t) { items { name owner model { name } } nextToken } }",
        {"m": args.get("model"), "o": args.get("owner"), "l": args.get("limit"),
         "t": args.get("token")})


def test_create_get_list_page_and_read_nested(api):
    graphql, _ = api
    graphql.data('mutation { addModel(name: "m-data") { name } }')
    made = create(graphql, "m-data", "train", owner="alice", uri="s3://d/train", rows=10)
    assert made.errors == [] and made.data["createDataset"] == {
        "modelName": "m-data", "name": "train", "owner": "alice", "uri": "s3://d/train",
        "rows": 10, "revision": 1, "model": {"name": "m-data"}}
    for name, owner in (("test", "alice"), ("eval", "bob")):
        assert create(graphql, "m-data", name, owner=owner).errors == []
    assert create(graphql, "m-data", "train").error_types() == ["AlreadyExists"]
    assert create(graphql, "no-such-model", "x").error_types() == ["NotFound"]
    assert create(graphql, "m-data", "", owner="x").error_types() == ["ValidationError"]

    got = graphql.execute('query { getDataset(modelName: "m-data", name: "train") '
                          "{ " + DATASET + " } }")
    assert got.data["getDataset"] == made.data["createDataset"]
    assert got.dynamodb["byOperation"] == {"GetItem": 2}  # the item, then its model

    # By the table's own key: the model's datasets in name order, two pages.
    first = listing(graphql, model="m-data", limit=2)
    assert first.errors == [] and first.dynamodb["byOperation"] == {"Query": 1, "BatchGetItem": 1}
    page = first.data["listDatasets"]
    assert [d["name"] for d in page["items"]] == ["eval", "test"] and page["nextToken"]
    assert page["items"][0]["model"] == {"name": "m-data"}
    rest = listing(graphql, model="m-data", limit=2, token=page["nextToken"]).data
    assert [d["name"] for d in rest["listDatasets"]["items"]] == ["train"]
    assert rest["listDatasets"]["nextToken"] is None
    # By the owner index.
    alice = listing(graphql, owner="alice").data["listDatasets"]["items"]
    assert sorted(d["name"] for d in alice) == ["test", "train"]
    both = listing(graphql, model="m-data", owner="alice")
    assert both.error_types() == ["ValidationError"] and both.requests == 0
    assert listing(graphql).error_types() == ["ValidationError"]

    nested = graphql.execute('query { getModel(name: "m-data") { datasets(limit: 2) '
                             "{ items { name model { name } } nextToken } } }")
    datasets = nested.data["getModel"]["datasets"]
    assert [d["name"] for d in datasets["items"]] == ["eval", "test"] and datasets["nextToken"]
    assert nested.dynamodb["byOperation"] == {"GetItem": 1, "Query": 1, "BatchGetItem": 1}


def test_deleting_the_model_deletes_its_datasets_in_one_transaction(api):
    graphql, _ = api
    graphql.data('mutation { addModel(name: "m-gone") { name } }')
    for name in ("a", "b", "c"):
        assert create(graphql, "m-gone", name).errors == []
    gone = graphql.execute('mutation { deleteModel(name: "m-gone", expectedRevision: 1) '
                           "{ name } }")
    assert gone.data["deleteModel"] == {"name": "m-gone"}
    # Read, the datasets (CASCADE), then model and datasets at once; the versions (REFUSE) need
    # no Query: latestVersionNumber, in the delete's condition, rules them out.
    assert gone.dynamodb["byOperation"] == {"GetItem": 1, "Query": 1, "TransactWriteItems": 1}
    left = listing(graphql, model="m-gone").data["listDatasets"]
    assert left == {"items": [], "nextToken": None}


def test_a_cascade_beyond_one_transaction_is_refused_and_deletes_nothing(api):
    """DynamoDB takes at most 100 items in one TransactWriteItems: a delete that needs more
    is refused whole, from the write step (model + 2 tags + 98 datasets) or already from the
    look-up (100 datasets or more)."""

    graphql, rt = api
    name = "m-big"
    graphql.data('mutation { createModel(input: {name: "m-big", tags: ["t1", "t2"]}) '
                 "{ name } }")
    db = rt.dynamodb()

    def seed(names):
        items = [{"PutRequest": {"Item": {"modelName": {"S": name}, "name": {"S": n},
                                          "revision": {"N": "1"}}}} for n in names]
        for i in range(0, len(items), 25):
            db.batch_write_item(RequestItems={"mlapi-datasets": items[i:i + 25]})

    delete = ('mutation { deleteModel(name: "m-big", expectedRevision: 1) { name } }')
    seed([f"d{i:03d}" for i in range(98)])
    over = graphql.execute(delete)
    assert over.error_types() == ["TooManyDependents"], over.errors
    assert "101 items" in over.errors[0]["message"]
    assert "TransactWriteItems" not in over.dynamodb["byOperation"]
    seed(["d098", "d099"])
    over = graphql.execute(delete)
    assert over.error_types() == ["TooManyDependents"], over.errors
    assert over.dynamodb["byOperation"] == {"GetItem": 1, "Query": 1}
    assert graphql.data('query { getModel(name: "m-big") { name } }')["getModel"]
    count = db.query(TableName="mlapi-datasets", KeyConditionExpression="modelName = :m",
                     ExpressionAttributeValues={":m": {"S": name}}, Select="COUNT")["Count"]
    assert count == 100

