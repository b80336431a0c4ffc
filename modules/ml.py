"""HTTP data sources for SageMaker and Bedrock, each with a role allowing only what it must.

- SageMaker (control plane): Create/Describe/StopTrainingJob on training jobs named
  "<name_prefix>--*" (JOB_DELIMITER), CreateTrainingJob only within the training policy's
  condition keys (modules/guardrails.py), and iam:PassRole on the execution role only, only to
  SageMaker.
- SageMakerRuntime: InvokeEndpoint on the configured endpoints only (no policy when none).
- Bedrock: InvokeModel on the configured foundation models only (no policy when none).
- S3: PutObject under prediction_output_uri only, where predict writes outputs too long for
  their item (no policy when unset).
AppSync signs each request with the data source's role (authorization_config AWS_IAM).
"""

from __future__ import annotations

import json

from cdktf import TerraformLocal, Token
from constructs import Construct

from .api import api_trust_policy, assume_role_policy
from .aws import AppsyncDatasource, AppsyncGraphqlApi, IamRole, IamRolePolicy
from .codegen.ml import (
    BEDROCK,
    HTTP_SOURCES,
    JOB_DELIMITER,
    S3,
    SAGEMAKER,
    SAGEMAKER_RUNTIME,
    http_access,
)
from .codegen.render import Plan
from .guardrails import (
    INFERENCE_LOCAL,
    POLICY_LOCAL,
    REPOSITORIES_LOCAL,
    condition_value,
    image_repositories,
    locals_values,
    render_policy,
)
from .inputs import API_ACCOUNT, API_ARN_PARTS, Inputs
from .naming import named

# The execution role the stack creates when asked, by its Terraform address.
EXECUTION_ROLE_RESOURCE = "aws_iam_role.sagemaker_execution"
# Logical ids and role name suffixes of the HTTP sources.
SLUGS = {SAGEMAKER: "sagemaker", SAGEMAKER_RUNTIME: "sagemaker_runtime", BEDROCK: "bedrock",
         S3: "s3"}


def arns(inputs: Inputs) -> dict[str, str]:
    """ARN prefixes in the API's partition, region and account (strings with references)."""
    p, r, a = inputs.ml_partition, inputs.ml_region, f"${{local.{API_ACCOUNT}}}"
    return {
        # A prefix never holds the delimiter (config: name_prefix), so this matches no job
        # of a deployment whose prefix extends ours ("mlapi-dev--x" is not "mlapi--*").
        "training_jobs": (f"arn:{p}:sagemaker:{r}:{a}:training-job/"
                          f"{inputs.name_prefix}{JOB_DELIMITER}*"),
        # Batch predictions: transform jobs, and the SageMaker Models they run (named alike).
        "transform_jobs": (f"arn:{p}:sagemaker:{r}:{a}:transform-job/"
                           f"{inputs.name_prefix}{JOB_DELIMITER}*"),
        "models": f"arn:{p}:sagemaker:{r}:{a}:model/{inputs.name_prefix}{JOB_DELIMITER}*",
        "endpoint": f"arn:{p}:sagemaker:{r}:{a}:endpoint/",
        # deployModelVersion's SageMaker Models, EndpointConfigs and endpoints (codegen/deploy.py).
        "hosting": [f"arn:{p}:sagemaker:{r}:{a}:{kind}/{inputs.name_prefix}{JOB_DELIMITER}*"
                    for kind in ("model", "endpoint-config", "endpoint")],
        "endpoint_configs": (f"arn:{p}:sagemaker:{r}:{a}:endpoint-config/"
                             f"{inputs.name_prefix}{JOB_DELIMITER}*"),
        "endpoints": f"arn:{p}:sagemaker:{r}:{a}:endpoint/{inputs.name_prefix}{JOB_DELIMITER}*",
        # Foundation models have no account in their ARN.
        "foundation_model": f"arn:{p}:bedrock:{r}::foundation-model/",
        "inference_profile": f"arn:{p}:bedrock:{r}:{a}:inference-profile/",
        # A cross-region profile routes to the model in any of its regions.
        "routed_model": f"arn:{p}:bedrock:*::foundation-model/",
    }


# Geography prefixes of Bedrock's system-defined cross-region inference profiles
# ("us.anthropic.claude-...", "global.anthropic..."; Bedrock User Guide, "Supported Regions and
# models for inference profiles"): the id after the prefix is the foundation model's.
PROFILE_GEOS = ("us", "eu", "apac", "us-gov", "global", "jp", "au", "ca")


def bedrock_statements(inputs: Inputs, ids: list[str], actions: list[str]) -> list[dict]:
    """InvokeModel on each foundation model, and on each inference profile plus the foundation
    models it routes to, only through that profile (bedrock:InferenceProfileArn; Bedrock User
    Guide, "Prerequisites for inference profiles")."""
    a = arns(inputs)
    profiles = [i for i in ids if i.split(".", 1)[0] in PROFILE_GEOS]
    models = [i for i in ids if i not in profiles]
    direct = [a["foundation_model"] + m for m in models] + \
        [a["inference_profile"] + p for p in profiles]
    out = [{"Effect": "Allow", "Action": actions, "Resource": direct}]
    if profiles:
        out.append({"Effect": "Allow", "Action": actions,
                    "Resource": sorted({a["routed_model"] + p.split(".", 1)[1]
                                        for p in profiles}),
                    "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": [
                        a["inference_profile"] + p for p in profiles]}}})
    return out


EXECUTION_ROLE = "sagemaker_execution_role_arn"
# Seconds a stored prediction lives (0: forever); templates/vtl/_macros.vtl.j2 `expiry`.
TTL_LOCAL = "prediction_ttl_seconds"
# s3://bucket/prefix/ of long prediction outputs, "" for none (templates/vtl/ml/predict_store).
OUTPUT_URI_LOCAL = "prediction_output_uri"
PROTECTED_LOCAL = "protected_aliases"
# "true" while deployModelVersion deploys only APPROVED versions (deploy_requires_approval).
APPROVAL_LOCAL = "deploy_requires_approval"


def ml_locals(scope: Construct, inputs: Inputs) -> dict[str, str]:
    """Terraform locals: the API's partition, region and account, and the execution role.
    Returns what templates name them by."""
    values = {name: f'${{element(split(":", aws_appsync_graphql_api.api.arn), {part})}}'
              for name, part in API_ARN_PARTS.items()}
    values[EXECUTION_ROLE] = inputs.ml_execution_role_arn
    values.update(locals_values(inputs.settings, inputs.ml_lists_are_variables,
                                arns(inputs)["models"]))
    # A literal in the root stack (the local runtime reads it), an expression in the module.
    values[TTL_LOCAL] = inputs.expression(inputs.prediction_ttl_seconds) \
        if inputs.ml_lists_are_variables else inputs.prediction_ttl_seconds
    values[OUTPUT_URI_LOCAL] = inputs.expression(inputs.prediction_output_uri) \
        if inputs.ml_lists_are_variables else inputs.prediction_output_uri
    # setModelAlias's protected aliases, as the JSON list its template parses.
    values[PROTECTED_LOCAL] = "${jsonencode(var.protected_aliases)}" \
        if inputs.ml_lists_are_variables else json.dumps(list(inputs.settings.protected_aliases))
    values[APPROVAL_LOCAL] = "${var.deploy_requires_approval}" \
        if inputs.ml_lists_are_variables \
        else str(inputs.settings.deploy_requires_approval).lower()
    for name, value in values.items():
        TerraformLocal(scope, name, value).override_logical_id(name)
    return {"name_prefix": inputs.name_prefix, "execution_role_arn": f"${{local.{EXECUTION_ROLE}}}",
            "training_policy": f"${{local.{POLICY_LOCAL}}}",
            "inference_policy": f"${{local.{INFERENCE_LOCAL}}}",
            "prediction_ttl_seconds": f"${{local.{TTL_LOCAL}}}",
            "prediction_output_uri": f"${{local.{OUTPUT_URI_LOCAL}}}",
            "protected_aliases": f"${{local.{PROTECTED_LOCAL}}}",
            "deploy_requires_approval": f"${{local.{APPROVAL_LOCAL}}}"}


# The resources each SageMaker action acts on, by the ARN kinds of arns() (training by default).
# Hosting (deployModelVersion) acts only on this deployment's names: model/, endpoint-config/ and
# endpoint/ "<name_prefix>--*". Service Authorization Reference, "Actions, resources, and
# condition keys for Amazon SageMaker": CreateModel on model*, CreateEndpointConfig on
# endpoint-config*, Describe/DeleteEndpoint on endpoint*, and CreateEndpoint and UpdateEndpoint
# on both endpoint* and endpoint-config* (the config they deploy is a required resource too, as
# AWS CDK's SageMakerUpdateEndpoint task grants).
ACTION_RESOURCES = {"CreateModel": ("models",), "DeleteModel": ("models",),
                    "CreateTransformJob": ("transform_jobs",),
                    "DescribeTransformJob": ("transform_jobs",),
                    "StopTransformJob": ("transform_jobs",),
                    "CreateEndpointConfig": ("endpoint_configs",),
                    "DeleteEndpointConfig": ("endpoint_configs",),
                    "CreateEndpoint": ("endpoints", "endpoint_configs"),
                    "UpdateEndpoint": ("endpoints", "endpoint_configs"),
                    "DescribeEndpoint": ("endpoints",), "DeleteEndpoint": ("endpoints",)}
# Create actions: each within its condition keys (guardrails.ACTION_KEYS).
CREATES = ("sagemaker:CreateTrainingJob", "sagemaker:CreateTransformJob", "sagemaker:CreateModel")


def sagemaker_policy(inputs: Inputs, actions: set[str]) -> dict:
    a = arns(inputs)

    def resource(action: str) -> str | list[str]:
        """One ARN, or the list of every resource type the action requires."""
        kinds = ACTION_RESOURCES.get(action.split(":")[1], ("training_jobs",))
        return a[kinds[0]] if len(kinds) == 1 else sorted(a[k] for k in kinds)

    rest = actions - set(CREATES)
    # One statement per resource (or list of them), its actions sorted: single ARNs first.
    by_resource: dict[str, list[str]] = {}
    for action in rest:
        by_resource.setdefault(json.dumps(resource(action)), []).append(action)
    statements = [{"Effect": "Allow", "Action": sorted(acts), "Resource": json.loads(arn)}
                  for arn, acts in sorted(by_resource.items())]
    for create in (c for c in CREATES if c in actions):
        # The training policy again, in IAM: a template that forgot a check cannot widen it.
        statements.append({"Effect": "Allow", "Action": [create], "Resource": resource(create),
                           "Condition": condition_value(inputs.settings,
                                                        inputs.ml_lists_are_variables, create,
                                                        a["models"])})
    if actions & {"sagemaker:CreateTrainingJob", "sagemaker:CreateModel"}:
        # Both name the execution role SageMaker runs the job (or the model) with.
        statements.append({
            "Effect": "Allow", "Action": ["iam:PassRole"],
            "Resource": f"${{local.{EXECUTION_ROLE}}}",
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        })
    return {"Version": "2012-10-17", "Statement": statements}


def invoke_policy(inputs: Inputs, source: str, actions: set[str],
                  deployed: bool = False) -> tuple[str | None, str | None]:
    """(policy, count expression) of an invoke role: one statement over the configured names.

    Literal lists (root stack) give plain JSON, or no policy when empty. Variables (module)
    give a jsonencode expression and a count that drops the policy for an empty list.
    """
    if source == SAGEMAKER_RUNTIME:
        names, var, prefix, lower = (inputs.ml_endpoint_names, "sagemaker_endpoint_names",
                                     arns(inputs)["endpoint"], True)
    else:
        names, var, prefix, lower = (inputs.ml_bedrock_model_ids, "bedrock_model_ids",
                                     arns(inputs)["foundation_model"], False)
    # deployModelVersion's endpoints, "<name_prefix>--*" (names are lower case already).
    own = [arns(inputs)["hosting"][-1]] if deployed and source == SAGEMAKER_RUNTIME else []
    if not inputs.ml_lists_are_variables:
        if not names and not own:
            return None, None
        if source == BEDROCK:
            return json.dumps({"Version": "2012-10-17", "Statement": bedrock_statements(
                inputs, list(names), sorted(actions))}, sort_keys=True), None
        # SageMaker endpoint ARNs are lower case whatever the endpoint name's case.
        resources = [prefix + (n.lower() if lower else n) for n in names] + own
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": sorted(actions), "Resource": resources}]},
            sort_keys=True), None
    name = "lower(n)" if lower else "n"
    # Inside jsonencode(...) the prefix's own ${...} parts stay template interpolations.
    action_list = ", ".join(f'"{a}"' for a in sorted(actions))
    if source == BEDROCK:
        return _bedrock_module_policy(inputs, action_list), \
            f"${{length(var.{var}) > 0 ? 1 : 0}}"
    if own:
        policy = (f'${{jsonencode({{Version = "2012-10-17", Statement = [{{Effect = "Allow", '
                  f'Action = [{action_list}], Resource = concat([for n in var.{var} : '
                  f'"{prefix}${{{name}}}"], ["{own[0]}"])}}]}})}}')
        return policy, None
    policy = (f'${{jsonencode({{Version = "2012-10-17", Statement = [{{Effect = "Allow", '
              f'Action = [{action_list}], Resource = [for n in var.{var} : '
              f'"{prefix}${{{name}}}"]}}]}})}}')
    return policy, f"${{length(var.{var}) > 0 ? 1 : 0}}"


def s3_endpoint(inputs: Inputs) -> str:
    """The S3 data source's endpoint: the output bucket, virtual-hosted style (config:
    PREDICTION_OUTPUT_URI); with no bucket, the regional endpoint, which predict never calls."""
    uri, region = inputs.prediction_output_uri, inputs.ml_region
    if inputs.ml_lists_are_variables:
        # "s3://bucket/prefix/" split on "/" is ["s3:", "", "bucket", ...].
        return (f'${{{uri} == "" ? "https://s3.{region}.amazonaws.com" : '
                f'"https://${{split("/", {uri})[2]}}.s3.{region}.amazonaws.com"}}')
    if not uri:
        return f"https://s3.{region}.amazonaws.com"
    return f"https://{uri.split('/')[2]}.s3.{region}.amazonaws.com"


def store_policy(inputs: Inputs, actions: set[str]) -> tuple[str | None, str | None]:
    """(policy, count expression) of the S3 role: the actions on objects under
    prediction_output_uri only, arn:<partition>:s3:::<bucket>/<prefix>* (Service Authorization
    Reference, Amazon S3: PutObject's resource type is `object`). No policy without a prefix."""
    uri = inputs.prediction_output_uri
    action_list = sorted(actions)
    if not inputs.ml_lists_are_variables:
        if not uri:
            return None, None
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": action_list,
             "Resource": s3_arn(uri, inputs.ml_partition)}]}, sort_keys=True), None
    quoted = ", ".join(f'"{a}"' for a in action_list)
    policy = (f'${{jsonencode({{Version = "2012-10-17", Statement = [{{Effect = "Allow", '
              f'Action = [{quoted}], Resource = "arn:{inputs.ml_partition}:s3:::'
              f'${{trimprefix({uri}, "s3://")}}*"}}]}})}}')
    return policy, f'${{{uri} == "" ? 0 : 1}}'


def _bedrock_module_policy(inputs: Inputs, action_list: str) -> str:
    """bedrock_statements over var.bedrock_model_ids, in HCL."""
    a = arns(inputs)
    geos = ", ".join(f'"{g}"' for g in PROFILE_GEOS)
    is_profile = f'contains([{geos}], split(".", n)[0])'
    profiles = f"[for n in var.bedrock_model_ids : n if {is_profile}]"
    direct = (f'[for n in var.bedrock_model_ids : {is_profile} ? '
              f'"{a["inference_profile"]}${{n}}" : "{a["foundation_model"]}${{n}}"]')
    model = 'join(".", slice(split(".", n), 1, length(split(".", n))))'
    routed = f'distinct([for n in {profiles} : "{a["routed_model"]}${{{model}}}"])'
    via = f'[for n in {profiles} : "{a["inference_profile"]}${{n}}"]'
    return (f'${{jsonencode({{Version = "2012-10-17", Statement = concat('
            f'[{{Effect = "Allow", Action = [{action_list}], Resource = {direct}}}], '
            f'length({profiles}) > 0 ? [{{Effect = "Allow", Action = [{action_list}], '
            f'Resource = {routed}, Condition = {{StringEquals = '
            f'{{"bedrock:InferenceProfileArn" = {via}}}}}}}] : [])}})}}')


class MlDataSources(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, api: AppsyncGraphqlApi,
                 plan: Plan) -> None:
        super().__init__(scope, id_)
        self.by_name: dict[str, AppsyncDatasource] = {}
        self.roles: dict[str, IamRole] = {}
        for source, actions in sorted(http_access(plan).items()):
            slug = SLUGS[source]
            host, service = HTTP_SOURCES[source]
            role = named(IamRole(
                self, f"role_{slug}",
                name=f"{inputs.name_prefix}-appsync-{slug.replace('_', '-')}",
                description=f"AppSync data source {source}: only what its templates call.",
                assume_role_policy=api_trust_policy(),
                tags=inputs.tags,
            ), f"ds_{slug}")
            if source == SAGEMAKER:
                policy, count = render_policy(sagemaker_policy(inputs, actions)), None
            elif source == S3:
                policy, count = store_policy(inputs, actions)
            else:
                policy, count = invoke_policy(inputs, source, actions, deployed=any(
                    op.kind == "deploy" for op in plan.schema.operations))
            if policy is not None:
                optional = {"count": Token.as_number(count)} if count else {}
                named(IamRolePolicy(self, f"policy_{slug}", name=slug, role=role.id,
                                    policy=policy, **optional), f"ds_{slug}")
            self.roles[source] = role
            self.by_name[source] = named(AppsyncDatasource(
                self, f"source_{slug}",
                api_id=api.id,
                name=source,
                type="HTTP",
                service_role_arn=role.arn,
                http_config={
                    "endpoint": s3_endpoint(inputs) if source == S3 else
                    f"https://{host}.{inputs.ml_region}.amazonaws.com",
                    # Signed with the data source's role: AWS refuses unsigned calls. Raises
                    # every stack's provider floor (config.BASE_FLOORS).
                    "authorization_config": {
                        "authorization_type": "AWS_IAM",
                        "aws_iam_config": {"signing_region": inputs.ml_region,
                                           "signing_service_name": service},
                    },
                },
            ), slug)
        # SageMaker runs batch predictions' and deployments' models with the same role.
        batch = "sagemaker:CreateTransformJob" in http_access(plan).get(SAGEMAKER, set())
        self.execution_role = ExecutionRole(
            self, "execution", inputs=inputs, batch=batch,
            hosting=any(op.kind == "deploy" for op in plan.schema.operations)) \
            if SAGEMAKER in self.by_name else None


# What a training job's execution role needs besides its data (SageMaker developer guide,
# "CreateTrainingJob API: Execution Role Permissions"): its logs, its metrics and its image.
# cloudwatch:PutMetricData and ecr:GetAuthorizationToken have no resource-level permissions
# (service authorization reference): "*", the metric namespace fixed by a condition.
TRAINING_NAMESPACE = "/aws/sagemaker/TrainingJobs"


def s3_arn(uri: str, partition: str) -> str:
    """s3://bucket/prefix -> arn:<partition>:s3:::bucket/prefix* (objects under the prefix)."""
    return f"arn:{partition}:s3:::{uri.removeprefix('s3://')}*"


# Batch transform jobs log and report metrics under their own namespace, and their model
# containers load the version's artifact (a training output, under the output prefixes).
TRANSFORM_NAMESPACE = "/aws/sagemaker/TransformJobs"


# An endpoint's containers log to /aws/sagemaker/Endpoints/<endpoint name> (SageMaker
# developer guide, "CreateModel API: Execution Role Permissions").
ENDPOINTS_LOG_GROUP = "/aws/sagemaker/Endpoints"


def execution_policy(inputs: Inputs, batch: bool = False,
                     hosting: bool = False) -> str:
    """The created execution role's policy: JSON (literal prefixes) or a jsonencode expression
    (module variables), one statement per kind of access. `hosting`: it also serves
    deployModelVersion's models, reading their artifacts (under the output prefixes, where
    training writes them) and logging under this deployment's endpoints."""
    p, r, a = inputs.ml_partition, inputs.ml_region, f"${{local.{API_ACCOUNT}}}"
    namespaces = [TRAINING_NAMESPACE, TRANSFORM_NAMESPACE] if batch else [TRAINING_NAMESPACE]
    logs = [f"arn:{p}:logs:{r}:{a}:log-group:{n}:*" for n in namespaces]
    fixed = [
        {"Sid": "Logs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams",
                    "logs:PutLogEvents"],
         "Resource": logs if batch else logs[0]},
        {"Sid": "Metrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"],
         "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": namespaces if batch
                                        else namespaces[0]}}},
        {"Sid": "ImageToken", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"],
         "Resource": "*"},
    ]
    if hosting:
        fixed.append({"Sid": "EndpointLogs", "Effect": "Allow",
                      "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                 "logs:DescribeLogStreams", "logs:PutLogEvents"],
                      "Resource": f"arn:{p}:logs:{r}:{a}:log-group:{ENDPOINTS_LOG_GROUP}/"
                                  f"{inputs.name_prefix}{JOB_DELIMITER}*"})
    # Images: pull actions on the training policy's repositories only (training_images; AWS's
    # own algorithm images too must be listed there), so IAM bounds the image as well.
    pull = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    if not inputs.ml_lists_are_variables:
        repositories = image_repositories(inputs.settings, p)
        image = [{"Sid": "Image", "Effect": "Allow", "Action": pull,
                  "Resource": repositories}] if repositories else []
        def bucket(uri: str) -> str:
            return f"arn:{p}:s3:::{uri.removeprefix('s3://').split('/')[0]}"

        def key(uri: str) -> str:
            rest = uri.removeprefix("s3://").partition("/")[2]
            return f"{rest}*"

        data = [
            {"Sid": "ReadInput", "Effect": "Allow", "Action": ["s3:GetObject"],
             "Resource": [s3_arn(u, p) for u in inputs.ml_input_prefixes]},
            {"Sid": "WriteOutput", "Effect": "Allow",
             "Action": ["s3:GetObject", "s3:PutObject"] if batch else ["s3:PutObject"],
             "Resource": [s3_arn(u, p) for u in inputs.ml_output_prefixes]},
        ] + [
            {"Sid": f"ListInput{i}", "Effect": "Allow", "Action": ["s3:ListBucket"],
             "Resource": bucket(u), "Condition": {"StringLike": {"s3:prefix": [key(u)]}}}
            for i, u in enumerate(inputs.ml_input_prefixes)
        ] + ([{"Sid": "ReadModels", "Effect": "Allow", "Action": ["s3:GetObject"],
               "Resource": [s3_arn(u, p) for u in inputs.ml_output_prefixes]}]
             if hosting and not batch else [])
        return json.dumps({"Version": "2012-10-17", "Statement": fixed + data + image},
                          sort_keys=True)
    # Module: the same statements from the variables, inside jsonencode(...). The fixed ones
    # are JSON text (their ${...} parts are template interpolations inside the expression).
    arn = f'"arn:{p}:s3:::${{trimprefix(u, \"s3://\")}}*"'
    write = ["s3:GetObject", "s3:PutObject"] if batch else ["s3:PutObject"]
    fixed_hcl = json.dumps(fixed, sort_keys=True)
    return (
        "${jsonencode({Version = \"2012-10-17\", Statement = concat(jsondecode("
        + json.dumps(fixed_hcl) + "), [" +
        "{Sid = \"ReadInput\", Effect = \"Allow\", Action = [\"s3:GetObject\"], "
        f"Resource = [for u in var.sagemaker_input_s3_prefixes : {arn}]}}, "
        "{Sid = \"WriteOutput\", Effect = \"Allow\", Action = " + json.dumps(write) + ", "
        f"Resource = [for u in var.sagemaker_output_s3_prefixes : {arn}]}}], "
        "[for i, u in var.sagemaker_input_s3_prefixes : {Sid = \"ListInput${i}\", "
        "Effect = \"Allow\", Action = [\"s3:ListBucket\"], "
        f"Resource = \"arn:{p}:s3:::${{split(\"/\", trimprefix(u, \"s3://\"))[0]}}\", "
        "Condition = {StringLike = {\"s3:prefix\" = [\"${join(\"/\", slice(split(\"/\", "
        "trimprefix(u, \"s3://\")), 1, length(split(\"/\", trimprefix(u, \"s3://\")))))}*\"]}}"
        "}], " + ("[{Sid = \"ReadModels\", Effect = \"Allow\", Action = [\"s3:GetObject\"], "
                  f"Resource = [for u in var.sagemaker_output_s3_prefixes : {arn}]}}], "
                  if hosting and not batch else "")
        + "length(local." + REPOSITORIES_LOCAL + ") > 0 ? [{Sid = \"Image\", "
        "Effect = \"Allow\", Action = " + json.dumps(pull) + ", Resource = local."
        + REPOSITORIES_LOCAL + "}] : [])})}"
    )


class ExecutionRole(Construct):
    """The role SageMaker runs training jobs with, created only when asked (count)."""

    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, batch: bool = False,
                 hosting: bool = False) -> None:
        super().__init__(scope, id_)
        count = Token.as_number(inputs.expression(inputs.ml_role_count_expr))
        # SageMaker, only for this deployment's training jobs and, with batch predictions or
        # hosting, its transform jobs, models and endpoints (SageMaker Developer Guide,
        # "Cross-service confused deputy prevention").
        a = arns(inputs)
        sources = [a["training_jobs"]] + ([a["transform_jobs"], a["models"]] if batch else []) \
            + ([x for x in a["hosting"] if not (batch and x == a["models"])] if hosting else [])
        self.role = named(IamRole(
            self, "role",
            count=count,
            name=f"{inputs.name_prefix}-sagemaker-execution",
            description="SageMaker training jobs started by the API: their data, logs, "
                        "metrics and image.",
            assume_role_policy=assume_role_policy(
                "sagemaker.amazonaws.com", sources[0] if len(sources) == 1 else sources,
                f"${{local.{API_ACCOUNT}}}", like=True),
            tags=inputs.tags,
        ), EXECUTION_ROLE_RESOURCE.split(".")[1])
        named(IamRolePolicy(
            self, "policy", count=count, name="training",
            role=f"${{{EXECUTION_ROLE_RESOURCE}[0].id}}",
            policy=execution_policy(inputs, batch, hosting),
        ), EXECUTION_ROLE_RESOURCE.split(".")[1])


__all__ = ["ExecutionRole", "MlDataSources", "execution_policy", "invoke_policy", "ml_locals",
           "s3_endpoint", "sagemaker_policy", "store_policy"]
