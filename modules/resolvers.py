"""AppSync functions and resolvers from the rendered plan, created one after another.

AppSync refuses concurrent schema changes (ConcurrentModificationException), so each function
and resolver depends on the one before it: `terraform apply` creates them in a chain.
"""

from __future__ import annotations

from cdktf import TerraformResource
from constructs import Construct

from .aws import AppsyncDatasource, AppsyncFunction, AppsyncGraphqlApi, AppsyncResolver
from .codegen.render import Plan
from .naming import named


def resolver_id(type_: str, field: str) -> str:
    return f"{type_}_{field}"


class Resolvers(Construct):
    def __init__(self, scope: Construct, id_: str, *, api: AppsyncGraphqlApi, plan: Plan,
                 sources: dict[str | None, AppsyncDatasource]) -> None:
        super().__init__(scope, id_)
        previous: list[TerraformResource] = []
        self.functions: dict[str, AppsyncFunction] = {}
        for f in plan.functions:
            fn = named(AppsyncFunction(
                self, f.name,
                api_id=api.id,
                name=f.name,
                data_source=sources[f.data_source].name,
                request_mapping_template=f.request,
                response_mapping_template=f.response,
                depends_on=previous,
            ), f.name)
            self.functions[f.name] = fn
            previous = [fn]
        self.resolvers: dict[str, AppsyncResolver] = {}
        for r in plan.resolvers:
            options = ({"pipeline_config": {"functions": [self.functions[n].function_id
                                                          for n in r.functions]}}
                       if r.functions else {"data_source": sources[r.data_source].name})
            res = named(AppsyncResolver(
                self, r.name,
                api_id=api.id,
                type=r.type,
                field=r.field,
                kind=r.kind,
                request_template=r.request,
                response_template=r.response,
                depends_on=previous,
                **options,
            ), resolver_id(r.type, r.field))
            self.resolvers[r.name] = res
            previous = [res]
