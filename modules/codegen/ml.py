"""Operations that call SageMaker and Bedrock: @training and @transform (start, stop, refresh:
one machinery, parameterized by JobKind) and @predict.

Each is a pipeline of DynamoDB steps and one HTTP step (an AppSync HTTP data source that signs
with its own role). render.py hands these kinds here; templates live in templates/vtl/ml/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphql import parse
from graphql.language import ObjectTypeDefinitionNode

from .ir import Operation

if TYPE_CHECKING:  # render imports this module: no cycle at run time
    from .render import Plan, _Renderer

ML_KINDS = ("training", "transform", "predict", "deploy")
# The mutation an EventBridge rule calls on SageMaker job state changes (modules/events.py).
MUTATION = "refreshTrainingJob"

TRAINING_ACTIONS = ("start", "stop", "refresh")
# The batch predictions' status mutation (EventBridge: "SageMaker Transform Job State Change").
TRANSFORM_MUTATION = "refreshBatchPrediction"

# HTTP data sources: name -> (host prefix of https://<prefix>.<region>.amazonaws.com, SigV4 name)
SAGEMAKER = "SageMaker"
SAGEMAKER_RUNTIME = "SageMakerRuntime"
BEDROCK = "Bedrock"
# S3 (predict's long outputs): addressed https://<bucket>.s3.<region>.amazonaws.com, the bucket
# of prediction_output_uri (modules/ml.py builds that endpoint).
S3 = "S3"
HTTP_SOURCES = {
    SAGEMAKER: ("api.sagemaker", "sagemaker"),
    SAGEMAKER_RUNTIME: ("runtime.sagemaker", "sagemaker"),
    BEDROCK: ("bedrock-runtime", "bedrock"),
    S3: ("s3", "s3"),
}
# The TrainingJobStatus values with no way out (schema: @transitions), and SageMaker's names.
FINAL = ("COMPLETED", "FAILED", "STOPPED")
STATUSES = {"InProgress": "IN_PROGRESS", "Completed": "COMPLETED", "Failed": "FAILED",
            "Stopping": "STOPPING", "Stopped": "STOPPED"}


@dataclass(frozen=True)
class JobKind:
    """What differs between SageMaker job kinds the start/stop/refresh templates serve: the
    API's action and member names (SageMaker API reference) and how messages name the job.
    TrainingJobStatus and TransformJobStatus share their values (STATUSES)."""

    kind: str  # the directive
    noun: str  # in messages
    create: str
    describe: str
    stop: str
    name_param: str  # the job's name in requests (the job's id)
    status_param: str  # DescribeX's status member
    arn_param: str  # CreateX's answer


JOB_KINDS = {
    "training": JobKind("training", "training job", "CreateTrainingJob", "DescribeTrainingJob",
                        "StopTrainingJob", "TrainingJobName", "TrainingJobStatus",
                        "TrainingJobArn"),
    "transform": JobKind("transform", "batch prediction", "CreateTransformJob",
                         "DescribeTransformJob", "StopTransformJob", "TransformJobName",
                         "TransformJobStatus", "TransformJobArn"),
}
# Each prediction is stored as one DynamoDB item (at most 400 KB; a character is up to 3 bytes
# of UTF-8), so predict takes at most 65,536 characters of input (SageMaker's InvokeEndpoint
# would take 6 MB) and stores an output only up to 65,536 characters: a longer one is written to
# S3 under prediction_output_uri (the item records its outputUri and length), or, with no such
# setting, only returned to the caller (the item records its length alone).
MAX_PAYLOAD_CHARS = 64 * 1024
MAX_STORED_OUTPUT_CHARS = 64 * 1024
DEFAULT_MAX_RUNTIME_SECONDS = 86400
VOLUME_SIZE_GB = 30
# Stored predictions expire: DynamoDB TTL deletes an item once this attribute (epoch seconds) has
# passed (DynamoDB Developer Guide, "Time to Live"). The @predict table gets TTL on it, and every
# write of that table (predict, and a @create of it) sets it from prediction_ttl_days.
TTL_ATTRIBUTE = "expiresAt"


def expiring(schema) -> set[str]:
    """Types whose items expire: the tables @predict stores predictions in."""
    return {op.entity.type_name for op in schema.operations if op.kind == "predict"}


# Between a deployment's name_prefix and a job id: a prefix cannot contain it (config), so one
# deployment's "<prefix>--*" grants never match another's jobs.
JOB_DELIMITER = "--"
# What templates say where the module's values go, when rendered without them (golden, checks).
# The training policy is a VTL map literal (JSON): its placeholder is one too.
PLACEHOLDERS = {
    "name_prefix": "<name_prefix>", "execution_role_arn": "<execution_role_arn>",
    "training_policy": '{"images": ["<image>"], "instanceTypes": ["<instance type>"], '
                       '"maxInstanceCount": 1, "maxRuntimeSeconds": 3600, '
                       '"inputPrefixes": ["<s3 prefix>"], "outputPrefixes": ["<s3 prefix>"], '
                       '"networkIsolation": true, "subnets": [], "securityGroups": [], '
                       '"volumeKmsKey": "", "outputKmsKey": ""}',
    "inference_policy": '{"endpoints": ["<endpoint>"], "bedrockModels": ["<model id>"]}',
    "prediction_ttl_seconds": "7776000",
    "prediction_output_uri": "s3://<bucket>/<prefix>/",
    # Aliases that take only an approved version (setting protected_aliases), as JSON.
    "protected_aliases": '["prod"]',
    # deployModelVersion deploys only APPROVED versions while true (a VTL boolean literal).
    "deploy_requires_approval": "true",
}


# How long a registration's claim on a training job holds (ml/refresh_read.res): longer than a
# resolver may run (30 s).
CLAIM_SECONDS = 60
# How long a job or deployment stored PENDING must have been unwritten before a refresh asks
# SageMaker about it by name (ml/_http.vtl.j2 ask_after_start): its start has run out (a resolver
# runs 30 s at most, so the start's own record can no longer land), having had no answer from
# the call that starts it (or having failed to store the answer).
START_SECONDS = 60


def operation(r: _Renderer, op: Operation, ctx: dict) -> None:
    from .render import Access

    e = op.entity
    # A start without SageMaker's answer leaves its job PENDING, and these fields ask
    # SageMaker about it once the start has run out (ml/start_create.res, deploy/call.res).
    getter, refresher = refresh_field(r, op.kind, e, "Query"), refresh_field(r, op.kind, e)
    ctx = dict(ctx, getter=getter, refresher=refresher, start_seconds=START_SECONDS,
               asked_by=" or ".join(f for f in (refresher, getter) if f))
    if op.kind == "deploy":  # SageMaker hosting: modules/codegen/deploy.py
        from .deploy import operation as deploy
        deploy(r, op, ctx)
        return
    model, versions = op.options["model"], op.options["versions"]
    counter = next((o.counter[1] for o in r.schema.operations
                    if o.counter and o.entity is versions), None)
    ctx = dict(ctx, model=model, versions=versions, final=list(FINAL), counter=counter)
    fn = f"{op.parent}_{op.field}"
    get_job, put_job, update_job = (Access("GetItem", e.type_name), Access("PutItem", e.type_name),
                                    Access("UpdateItem", e.type_name))
    get_model = Access("GetItem", model.type_name)

    def http(name, template, source, action, res="ml/raise_http.res", **extra):
        return r.function(name, source, f"ml/{template}.req", res,
                          (Access(action, source),), service=source, **ctx, **extra)

    if op.kind == "predict":
        sagemaker = "/endpoints/$target/invocations"
        r.pipeline(op.parent, op.field, [
            r.function(f"{fn}_model", model.type_name, "ml/predict_model.req",
                       "ml/predict_model.res", (get_model,), max_payload=MAX_PAYLOAD_CHARS,
                       aliases_field=r._aliases_field(model), **ctx),
            r.function(f"{fn}_version", versions.type_name, "ml/predict_version.req",
                       "ml/predict_version.res", (Access("GetItem", versions.type_name),), **ctx),
            http(f"{fn}_sagemaker", "predict_invoke", SAGEMAKER_RUNTIME, "sagemaker:InvokeEndpoint",
                 "ml/predict_invoke.res", flag="sagemaker", path=sagemaker),
            http(f"{fn}_bedrock", "predict_invoke", BEDROCK, "bedrock:InvokeModel",
                 "ml/predict_invoke.res", flag="bedrock", path="/model/$target/invoke"),
            # An output too long for the item goes to S3 first: a failed write stores nothing.
            http(f"{fn}_store", "predict_store", S3, "s3:PutObject", "ml/predict_store.res",
                 max_output=MAX_STORED_OUTPUT_CHARS),
            r.function(f"{fn}_put", e.type_name, "ml/predict_put.req", "ml/predict_put.res",
                       (Access("PutItem", e.type_name),), max_output=MAX_STORED_OUTPUT_CHARS,
                       **ctx),
        ])
        return
    action = op.options["action"]
    job = JOB_KINDS[op.kind]
    # A resumed registration's claim on a training job (ml/refresh_read.res): an attribute
    # the schema does not show, and how long it holds.
    ctx = dict(ctx, job=job, claim="registrationClaimedAt", claim_seconds=CLAIM_SECONDS)
    sagemaker = f"sagemaker:{job.create}"
    if action == "start" and op.kind == "transform":
        steps = _transform_start(r, op, ctx, fn, http)
    elif action == "start":
        stored = [a.name for a in op.args if a.name in e.attributes and a.name not in e.key.names]
        # 2 DynamoDB requests: one transaction stores the job PENDING (the model must exist),
        # one UpdateItem records SageMaker's answer; a retry's put fails, and _existing reads.
        steps = [
            r.function(f"{fn}_put", e.type_name, "ml/start_put.req", "ml/start_put.res",
                       (put_job, Access("ConditionCheck", model.type_name)), stored_args=stored,
                       default_runtime=DEFAULT_MAX_RUNTIME_SECONDS, **ctx),
            r.function(f"{fn}_existing", e.type_name, "ml/start_existing.req",
                       "ml/start_existing.res", (get_job,), **ctx),
            http(f"{fn}_create", "start_create", SAGEMAKER, sagemaker,
                 "ml/start_create.res", volume_gb=VOLUME_SIZE_GB, outcome_call=True),
            r.function(f"{fn}_record", e.type_name, "ml/start_record.req",
                       "ml/start_record.res", (update_job,), **ctx),
        ]
    elif action == "stop":
        steps = [
            r.function(f"{fn}_read", e.type_name, "ml/job_read.req", "ml/stop_read.res",
                       (get_job,), **ctx),
            http(f"{fn}_call", "stop_call", SAGEMAKER, f"sagemaker:{job.stop}"),
            r.function(f"{fn}_write", e.type_name, "ml/stop_write.req", "ml/job_write.res",
                       (update_job,), **ctx),
        ]
    else:
        # One set of functions serves every refreshing field (a read and the status mutation).
        fn = f"{e.type_name}_refresh"
        # Only training registers what it produced (a version); a batch prediction's output is
        # in S3 already.
        names = ("read", "describe", "write", "allocate", "register", "release") \
            if op.kind == "training" else ("read", "describe", "write")
        if any(f.name == f"{fn}_read" for f in r.functions):
            steps = [f"{fn}_{s}" for s in names]
        else:
            steps = [
                r.function(f"{fn}_read", e.type_name, "ml/job_read.req", "ml/refresh_read.res",
                           (get_job,), **ctx),
                http(f"{fn}_describe", "refresh_describe", SAGEMAKER,
                     f"sagemaker:{job.describe}", "ml/refresh_describe.res",
                     statuses=STATUSES),
                # The write comes first and is conditioned on the revision read: of two refreshes
                # racing (the EventBridge rule and a reader), only its winner numbers a version.
                r.function(f"{fn}_write", e.type_name, "ml/refresh_write.req",
                           "ml/refresh_write.res", (update_job,), **ctx),
            ]
            if op.kind == "training":
                # A registration that failed once the completion was stored is resumed by the
                # refresh mutation (ml/refresh_read.res), not by sending the read again.
                advice = (f"the training job is stored COMPLETED, but registering its version "
                          f"met another request writing the same item: {ctx['refresher']} "
                          f"registers it, {CLAIM_SECONDS} s after this attempt")
                steps += [
                    r.function(f"{fn}_allocate", model.type_name, "ml/refresh_allocate.req",
                               "ml/refresh_allocate.res",
                               (Access("UpdateItem", model.type_name),), resume_advice=advice,
                               **ctx),
                    # One transaction: the version item and the job's link to it.
                    r.function(f"{fn}_register", versions.type_name,
                               "ml/refresh_register.req", "ml/refresh_register.res",
                               (Access("PutItem", versions.type_name), update_job),
                               version_defaults=versions.enum_defaults, resume_advice=advice,
                               **ctx),
                    # A register that failed gives its number back (counter_release).
                    r.counter_release(f"{fn}_release", model, counter, "$ctx.stash.current",
                                      ["modelName"]),  # the job's field, as allocate reads it
                ]
    r.pipeline(op.parent, op.field, steps)


def refresh_field(r: _Renderer, kind: str, e, parent: str = "Mutation") -> str | None:
    """The `parent` field that refreshes jobs of `e` (the Query one reads a job; the Mutation
    one also resumes a registration), if the schema has one."""
    return next((o.field for o in r.schema.operations if o.kind == kind and o.entity is e
                 and o.parent == parent and o.options.get("action") == "refresh"), None)


def _transform_start(r: _Renderer, op: Operation, ctx: dict, fn: str, http) -> list[str]:
    """startBatchPrediction: the version (given, the alias's, else the latest), its artifact and
    image, then as a training start (put, existing on a retry, record) with two SageMaker calls
    between:
    CreateModel (a SageMaker Model named as the job, of the version's artifact and image) and
    CreateTransformJob."""
    from .render import Access

    e, model, versions, jobs = op.entity, ctx["model"], ctx["versions"], op.options["jobs"]
    stored = [a.name for a in op.args if a.name in e.attributes and a.name not in e.key.names]
    return [
        r.function(f"{fn}_model", model.type_name, "ml/transform_model.req",
                   "ml/predict_model.res", (Access("GetItem", model.type_name),),
                   aliases_field=r._aliases_field(model), **ctx),
        r.function(f"{fn}_version", versions.type_name, "ml/predict_version.req",
                   "ml/transform_version.res", (Access("GetItem", versions.type_name),),
                   **ctx),
        r.function(f"{fn}_image", jobs.type_name, "ml/transform_image.req",
                   "ml/transform_image.res", (Access("GetItem", jobs.type_name),),
                   jobs=jobs, **ctx),
        r.function(f"{fn}_put", e.type_name, "ml/start_put.req", "ml/start_put.res",
                   (Access("PutItem", e.type_name), Access("ConditionCheck", versions.type_name)),
                   stored_args=stored, **ctx),
        r.function(f"{fn}_existing", e.type_name, "ml/start_existing.req",
                   "ml/start_existing.res", (Access("GetItem", e.type_name),), **ctx),
        http(f"{fn}_sagemaker_model", "transform_sagemaker_model", SAGEMAKER,
             "sagemaker:CreateModel", "ml/start_create.res", arn_param="ModelArn",
             arn_stash="modelArn"),
        http(f"{fn}_create", "transform_create", SAGEMAKER, "sagemaker:CreateTransformJob",
             "ml/start_create.res", arn_param=ctx["job"].arn_param, arn_stash="jobArn",
             outcome_call=True),
        r.function(f"{fn}_record", e.type_name, "ml/start_record.req",
                   "ml/start_record.res", (Access("UpdateItem", e.type_name),), **ctx),
    ]


def http_access(plan: Plan) -> dict[str, set[str]]:
    """IAM actions each HTTP data source's templates call (the source of its role's policy)."""
    out: dict[str, set[str]] = {}
    for f in plan.functions:
        if f.data_source in HTTP_SOURCES:
            out.setdefault(f.data_source, set()).update(a.action for a in f.access)
    return out


__all__ = ["HTTP_SOURCES", "JOB_DELIMITER", "JOB_KINDS", "MAX_STORED_OUTPUT_CHARS", "ML_KINDS",
           "PLACEHOLDERS", "S3", "TRAINING_ACTIONS", "TRANSFORM_MUTATION", "TTL_ATTRIBUTE",
           "expiring", "http_access", "operation"]


def refresh_operation(sdl: str, mutation: str = MUTATION) -> str:
    """The mutation EventBridge sends: `$id` from the event, and every scalar and enum field
    of the result selected (subscribers receive only what the mutation selects)."""
    doc = parse(sdl)
    types = {d.name.value: d for d in doc.definitions if isinstance(d, ObjectTypeDefinitionNode)}
    field = next((f for f in getattr(types.get("Mutation"), "fields", None) or ()
                  if f.name.value == mutation), None)
    if field is None:
        raise ValueError(f"training_events: the schema has no Mutation.{mutation}")
    args = {a.name.value for a in field.arguments}
    if args != {"id"}:
        raise ValueError(f"training_events: Mutation.{mutation} must take exactly `id`, "
                         f"it takes {sorted(args)}")

    def named_type(node):
        while hasattr(node, "type"):
            node = node.type
        return node.name.value

    result = types[named_type(field.type)]
    selection = " ".join(f.name.value for f in result.fields if named_type(f.type) not in types)
    return (f"mutation {mutation[0].upper() + mutation[1:]}($id: ID!) {{ {mutation}(id: $id) "
            f"{{ {selection} }} }}")
