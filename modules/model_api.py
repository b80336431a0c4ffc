"""The whole API as one construct; the stacks differ only in where its inputs come from."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from .alarms import Alarms
from .api import GraphqlApi
from .codegen.ir import Schema
from .codegen.render import Plan, render
from .data_sources import DataSources
from .events import KINDS, TrainingEvents, supports
from .inputs import Inputs
from .ml import MlDataSources, ml_locals
from .resolvers import Resolvers
from .tables import Tables, table_name
from .waf import Waf


class ModelApi(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, schema: Schema) -> None:
        super().__init__(scope, id_)
        # Templates name tables by their final name: a literal in the root stack,
        # "${var.name_prefix}-..." in the module.
        self.plan: Plan = render(schema, lambda e: table_name(inputs, e),
                                 ml_locals(self, inputs))
        self.tables = Tables(self, "tables", inputs=inputs, schema=schema)
        first = next(iter(self.tables.by_type.values()))
        self.graphql = GraphqlApi(self, "graphql", inputs=inputs, schema=schema.appsync_sdl,
                                  home_arn=first.arn, groups=schema.auth_groups)
        self.sources = DataSources(self, "sources", inputs=inputs, api=self.graphql.api,
                                   plan=self.plan, tables=self.tables.by_type)
        self.ml = MlDataSources(self, "ml", inputs=inputs, api=self.graphql.api, plan=self.plan)
        self.sources.by_type.update(self.ml.by_name)
        self.resolvers = Resolvers(self, "resolvers", api=self.graphql.api, plan=self.plan,
                                   sources=self.sources.by_type)
        self.waf = Waf(self, "waf", inputs=inputs, api=self.graphql.api) \
            if inputs.waf_enabled else None
        self.training_events = TrainingEvents(
            self, "training_events", inputs=inputs, api=self.graphql.api,
            sdl=schema.appsync_sdl) if inputs.training_events else None
        # Batch predictions' transform jobs, behind the same switch.
        transform = KINDS["transform"]
        self.batch_events = TrainingEvents(
            self, "batch_events", inputs=inputs, api=self.graphql.api, sdl=schema.appsync_sdl,
            kind=transform) if inputs.training_events and supports(schema.appsync_sdl,
                                                                    transform) else None
        # The same switch: SageMaker endpoint state changes refresh deployments.
        self.deployment_events = TrainingEvents(
            self, "deployment_events", inputs=inputs, api=self.graphql.api,
            sdl=schema.appsync_sdl, kind=KINDS["deploy"]) if inputs.training_events and any(
                op.kind == "deploy" for op in schema.operations) else None
        self.alarms = Alarms(self, "alarms", inputs=inputs, api=self.graphql.api, schema=schema,
                             tables=self.tables.by_type)

    def outputs(self, stack: TerraformStack) -> None:
        api = self.graphql.api
        out = {
            "appsync_graphql_url": (api.uris.lookup("GRAPHQL"), "GraphQL endpoint of the API."),
            "appsync_api_id": (api.id, "AppSync API id."),
            "appsync_api_arn": (api.arn, "AppSync API ARN."),
            "dynamodb_table_names": ({t: table.name for t, table in self.tables.by_type.items()},
                                     "DynamoDB table names by GraphQL type."),
            "dynamodb_table_arns": ({t: table.arn for t, table in self.tables.by_type.items()},
                                    "DynamoDB table ARNs by GraphQL type."),
            "iam_role_arns": ({"logs": self.graphql.logs_role.arn,
                               **{t: r.arn for t, r in self.sources.roles.items()},
                               **{t: r.arn for t, r in self.ml.roles.items()}},
                              "IAM roles AppSync assumes: logs, and one per data source."),
            "sagemaker_execution_role_arn": ("${local.sagemaker_execution_role_arn}",
                                             "Role SageMaker runs training jobs with (created "
                                             "or given)."),
            "appsync_resolver_arns": ({n: r.arn for n, r in self.resolvers.resolvers.items()},
                                      "Resolver ARNs keyed \"Type.field\"."),
        }
        out.update(self.graphql.auth.outputs())
        for name, (value, description) in out.items():
            # Construct ids are shared with the module's variables (sagemaker_execution_role_arn
            # is both): the output gets its Terraform name as logical id instead.
            TerraformOutput(stack, f"output_{name}", value=value,
                            description=description).override_logical_id(name)
        TerraformOutput(stack, "appsync_api_key", value=self.graphql.api_key_value,
                        sensitive=True, description="The API key (empty when API_KEY is off).")
