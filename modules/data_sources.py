"""AppSync data sources, each with its own role scoped to what its templates do."""

from __future__ import annotations

import json
from collections import defaultdict

from constructs import Construct

from .api import api_trust_policy
from .aws import AppsyncDatasource, AppsyncGraphqlApi, DynamodbTable, IamRole, IamRolePolicy
from .codegen.render import ACTIONS, Access, Plan
from .inputs import Inputs
from .naming import named

NONE_SOURCE = "Local"


def policy_statements(access: set[Access], arn) -> list[dict]:
    """IAM statements for a set of accesses: one per table or index, exact actions only.

    `arn(ident)` gives the ARN of a table by its data source name (a token at synth time).
    """
    grouped: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for a in access:
        grouped[(a.table, a.index)].add(ACTIONS[a.action])
    statements = []
    for (entity, index), actions in sorted(grouped.items(), key=lambda kv: (kv[0][0],
                                                                            kv[0][1] or "")):
        resource = arn(entity) if index is None else f"{arn(entity)}/index/{index}"
        statements.append({"Effect": "Allow", "Action": sorted(actions), "Resource": resource})
    return statements


class DataSources(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, api: AppsyncGraphqlApi,
                 plan: Plan, tables: dict[str, DynamodbTable]) -> None:
        super().__init__(scope, id_)
        self.by_type: dict[str | None, AppsyncDatasource] = {}
        self.roles: dict[str, IamRole] = {}
        for type_name, access in plan.access_by_data_source().items():
            entity = plan.schema.table(type_name)
            table = tables[type_name]
            role = named(IamRole(
                self, f"role_{entity.table}",
                name=f"{inputs.name_prefix}-appsync-{entity.table}"[:64],
                description=f"AppSync data source {type_name}: only what its templates do.",
                assume_role_policy=api_trust_policy(),
                tags=inputs.tags,
            ), f"ds_{entity.table}")
            statements = policy_statements(access, lambda t: tables[t].arn)
            named(IamRolePolicy(
                self, f"policy_{entity.table}",
                name="dynamodb",
                role=role.id,
                # Plain JSON with ARN references inside: readable in the output and in tests.
                policy=json.dumps({"Version": "2012-10-17", "Statement": statements},
                                  sort_keys=True),
            ), f"ds_{entity.table}")
            self.roles[type_name] = role
            self.by_type[type_name] = named(AppsyncDatasource(
                self, f"source_{entity.table}",
                api_id=api.id,
                name=type_name,
                type="AMAZON_DYNAMODB",
                service_role_arn=role.arn,
                dynamodb_config={"table_name": table.name},
            ), entity.table)
        self.by_type[None] = named(AppsyncDatasource(
            self, "source_none", api_id=api.id, name=NONE_SOURCE, type="NONE",
            description="Resolvers that compute from their parent without a request.",
        ), "local")


__all__ = ["DataSources", "policy_statements"]
