"""Every operation the synthesized templates send is one the local runtime can run.

Read from the texts alone: the top-level "operation" of each template and of each
TransactWriteItems item, against the handlers of local/dynamodb-loader.js. A template that
starts using an operation the runtime lacks fails here, before any end-to-end test.
"""

from __future__ import annotations

import re

from tests.conftest import ROOT

LOADER = (ROOT / "local" / "dynamodb-loader.js").read_text()


def loader_operations() -> set[str]:
    return set(re.findall(r"^\s+async op(\w+)\(", LOADER, re.M))


def transact_operations() -> set[str]:
    return set(re.findall(r"case '(\w+)':", LOADER))


def test_loader_lists_what_it_handles():
    assert {"GetItem", "Query", "BatchGetItem", "TransactWriteItems"} <= loader_operations()
    assert {"PutItem", "ConditionCheck"} <= transact_operations()


def test_every_template_operation_is_supported(root_stack):
    res = root_stack["resource"]
    sources = {f"${{aws_appsync_datasource.{k}.name}}": v["type"]
               for k, v in res["aws_appsync_datasource"].items()}
    templates = [(r.get("data_source"), r["request_template"])
                 for r in res["aws_appsync_resolver"].values()]
    templates += [(f["data_source"], f["request_mapping_template"])
                  for f in res["aws_appsync_function"].values()]
    used, items = set(), set()
    for source, text in templates:
        if source is not None and sources[source] == "HTTP":
            # local/http-loader.js sends any request; HTTP templates name no DynamoDB operation
            # (POST to SageMaker and Bedrock, PUT of an object to S3).
            assert '"operation"' not in text and re.search(r'"method": "(POST|PUT)"', text), \
                source
            continue
        if source is not None:
            assert sources[source] in ("AMAZON_DYNAMODB", "NONE"), source
        used |= set(re.findall(r'^  "operation": "(\w+)"', text, re.M))
        items |= set(re.findall(r'"table": "[^"]+", "operation": "(\w+)"', text))
    assert used, "no operation found: the pattern no longer matches the templates"
    assert used <= loader_operations(), used - loader_operations()
    assert items <= transact_operations(), items - transact_operations()
