"""@deploy: approved model versions served by SageMaker real-time endpoints.

One endpoint per model (Model.endpointName, "<name_prefix>--<model>"); each deployModelVersion
creates a SageMaker Model and an EndpointConfig named as the deployment's id
("<name_prefix>--<clientToken or a new id>") and points the endpoint at it: CreateEndpoint when
the model has none, else UpdateEndpoint, whose default deployment is blue/green (SageMaker API
reference, UpdateEndpoint: "DeploymentConfig ... the default is blue/green all at once").
A Deployment's status follows DescribeEndpoint (refresh), as a training job's follows
DescribeTrainingJob; the one that goes IN_SERVICE becomes the model's serving version, which
predict reads with the model it reads anyway (no extra request). Templates: templates/vtl/deploy/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ir import Operation

if TYPE_CHECKING:  # render imports this module through ml: no cycle at run time
    from .render import _Renderer

DEPLOY_ACTIONS = ("start", "undeploy", "refresh")
# The mutation an EventBridge rule calls on SageMaker endpoint state changes (events.py).
MUTATION = "refreshDeployment"
# What the SageMaker data source's role may do on this deployment's hosting resources
# (modules/ml.py scopes them to model/, endpoint-config/ and endpoint/ "<name_prefix>--*").
HOSTING_ACTIONS = frozenset({
    "sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint",
    "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:DeleteEndpoint",
    "sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel",
})
# DescribeEndpoint's EndpointStatus (API reference, DescribeEndpoint) -> DeploymentStatus, for
# the deployment whose config the endpoint runs (refresh_describe.res decides the rest). Not
# listed, so no change: SystemUpdating (SageMaker patching the instances; still serving).
ENDPOINT_STATUSES = {"Creating": "CREATING", "Updating": "UPDATING",
                     "RollingBack": "ROLLING_BACK", "InService": "IN_SERVICE",
                     "Deleting": "DELETING", "Failed": "FAILED", "UpdateRollbackFailed": "FAILED"}
# Statuses a refresh leaves alone: final ones (no edge out) and PENDING while
# deployModelVersion may still run (modules/codegen/ml.py START_SECONDS; after it, SageMaker is
# asked whether the start's endpoint call reached it: deploy/refresh_read.res).
UNREFRESHED = ("PENDING",)
# One production variant takes all traffic (CreateEndpointConfig, ProductionVariant).
VARIANT = "AllTraffic"
# undeployModelVersion marks at most this many of the model's newest deployments DELETING (one
# TransactWriteItems of at most 100 items, with the model's item).
UNDEPLOY_PAGE = 25
# Endpoint names: 1-63 of [a-zA-Z0-9-], no leading or trailing '-' (API reference, CreateEndpoint
# EndpointName pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}).
MAX_NAME = 63


def final(op: Operation) -> list[str]:
    """Statuses without an edge out (schema: @transitions)."""
    edges = op.options["transitions"]  # to -> [from]
    sources = {s for froms in edges.values() for s in froms}
    return sorted({to for to in edges} - sources)


def operation(r: _Renderer, op: Operation, ctx: dict) -> None:
    from .render import Access

    e = op.entity
    model, versions = op.options["model"], op.options["versions"]
    action = op.options["action"]
    ctx = dict(ctx, model=model, versions=versions, final=final(op),
               transitions=op.options["transitions"], unrefreshed=list(UNREFRESHED),
               max_name=MAX_NAME, variant=VARIANT, statuses=ENDPOINT_STATUSES,
               aliases_field=r._aliases_field(model))
    fn = f"{op.parent}_{op.field}"
    get, update = Access("GetItem", e.type_name), Access("UpdateItem", e.type_name)
    get_model, update_model = (Access("GetItem", model.type_name),
                               Access("UpdateItem", model.type_name))

    def sagemaker(name, template, actions, res="deploy/call.res", **extra):
        return r.function(name, "SageMaker", f"deploy/{template}.req", res,
                          tuple(Access(a, "SageMaker") for a in actions), service="SageMaker",
                          **ctx, **extra)

    if action == "start":
        jobs = op.options["jobs"]
        steps = [
            r.function(f"{fn}_model", model.type_name, "deploy/start_model.req",
                       "deploy/start_model.res", (get_model,), **ctx),
            r.function(f"{fn}_version", versions.type_name, "deploy/start_version.req",
                       "deploy/start_version.res", (Access("GetItem", versions.type_name),),
                       **ctx),
            r.function(f"{fn}_job", jobs.type_name, "deploy/start_job.req",
                       "deploy/start_job.res", (Access("GetItem", jobs.type_name),),
                       jobs=jobs, **ctx),
            # One transaction: the deployment (PENDING) and the model's endpoint name.
            r.function(f"{fn}_put", e.type_name, "deploy/start_put.req",
                       "deploy/start_put.res", (Access("PutItem", e.type_name), update_model),
                       **ctx),
            # Only when the put found the id taken (a retried clientToken): read the first.
            r.function(f"{fn}_existing", e.type_name, "ml/start_existing.req",
                       "ml/start_existing.res", (get,), job={"noun": "deployment"}, **ctx),
            sagemaker(f"{fn}_describe", "start_describe", ["sagemaker:DescribeEndpoint"],
                      "deploy/start_describe.res"),
            sagemaker(f"{fn}_create_model", "start_create_model", ["sagemaker:CreateModel"]),
            sagemaker(f"{fn}_create_config", "start_create_config",
                      ["sagemaker:CreateEndpointConfig"]),
            # Without its answer the endpoint may be on its way: the deployment stays PENDING.
            sagemaker(f"{fn}_endpoint", "start_endpoint",
                      ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"],
                      outcome_call=True),
            r.function(f"{fn}_record", e.type_name, "deploy/start_record.req",
                       "deploy/start_record.res", (update,), **ctx),
        ]
    elif action == "undeploy":
        index = next(i for i in e.indexes if i.key.hash == "modelName")
        steps = [
            r.function(f"{fn}_model", model.type_name, "deploy/undeploy_model.req",
                       "deploy/undeploy_model.res", (get_model,), **ctx),
            r.function(f"{fn}_deployments", e.type_name, "deploy/undeploy_query.req",
                       "deploy/undeploy_query.res", (Access("Query", e.type_name, index.name),),
                       index=index, page=UNDEPLOY_PAGE, **ctx),
            sagemaker(f"{fn}_endpoint", "undeploy_endpoint", ["sagemaker:DeleteEndpoint"],
                      "deploy/undeploy_endpoint.res"),
            sagemaker(f"{fn}_config", "undeploy_config", ["sagemaker:DeleteEndpointConfig"],
                      "deploy/undeploy_cleanup.res"),
            sagemaker(f"{fn}_sagemaker_model", "undeploy_sagemaker_model",
                      ["sagemaker:DeleteModel"], "deploy/undeploy_cleanup.res"),
            r.function(f"{fn}_write", e.type_name, "deploy/undeploy_write.req",
                       "deploy/undeploy_write.res", (update, update_model), **ctx),
        ]
    else:
        # One set of functions serves every refreshing field (a read and the status mutation).
        fn = f"{e.type_name}_refresh"
        if any(f.name == f"{fn}_read" for f in r.functions):
            steps = [f"{fn}_{s}" for s in ("read", "describe", "write", "retire")]
        else:
            steps = [
                r.function(f"{fn}_read", e.type_name, "deploy/refresh_read.req",
                           "deploy/refresh_read.res", (get,), **ctx),
                sagemaker(f"{fn}_describe", "refresh_describe", ["sagemaker:DescribeEndpoint"],
                          "deploy/refresh_describe.res"),
                # IN_SERVICE also makes the deployment the model's serving one (a transaction).
                r.function(f"{fn}_write", e.type_name, "deploy/refresh_write.req",
                           "deploy/refresh_write.res", (update, update_model), **ctx),
                # Going IN_SERVICE marks REPLACED the deployment this one replaces.
                r.function(f"{fn}_retire", e.type_name, "deploy/refresh_retire.req",
                           "deploy/refresh_retire.res", (update,), **ctx),
            ]
    r.pipeline(op.parent, op.field, steps)


__all__ = ["DEPLOY_ACTIONS", "HOSTING_ACTIONS", "MUTATION", "operation"]
