"""The training policy: what startTrainingJob may ask of SageMaker, enforced twice.

1. The resolver (templates/vtl/ml/start_put.req) reads the policy from the Terraform local
   `training_policy` and refuses an out-of-policy request with a ValidationError naming the
   setting that refused it, before anything is stored or called.
2. IAM: the SageMaker data source's role may call CreateTrainingJob only under the condition
   keys SageMaker defines for it (Service Authorization Reference, "Actions, resources, and
   condition keys for Amazon SageMaker": sagemaker:InstanceTypes, MaxRuntimeInSeconds,
   NetworkIsolation, VpcSubnets, VpcSecurityGroupIds, VolumeKmsKey, OutputKmsKey), so a
   template bug cannot widen what the resolver checks.

SageMaker has no condition key for the image, the instance count or the S3 locations: those
are the resolver's, and the execution role's own ECR and S3 permissions bound what a job can
pull and write.

The root stack bakes the settings in as literals; the module reads its variables (declared
here, `declare`), so both paths yield the same local names.
"""

from __future__ import annotations

import json
from typing import Any

from cdktf import TerraformStack, TerraformVariable, TerraformVariableValidationConfig

from .config import (
    ECR_REPOSITORY_ARN,
    TRAINING_MAX_INSTANCE_COUNT,
    TRAINING_MAX_RUNTIME_SECONDS,
    Settings,
)

# Terraform locals: the policy as the resolver reads it (JSON, a VTL map literal) and the IAM
# Condition block of CreateTrainingJob.
POLICY_LOCAL = "training_policy"
# What predict may call (sagemaker_endpoint_names, bedrock_model_ids): the resolver refuses any
# other target before calling, as IAM would (endpoint names compared in lower case, as their
# ARNs are).
INFERENCE_LOCAL = "inference_policy"
CONDITION_LOCAL = "training_iam_condition"
ROWS_LOCAL = "training_iam_condition_rows"
# Variables of the module, each a setting of the same name (README: Settings).
# The S3 prefixes are sagemaker_input_s3_prefixes and sagemaker_output_s3_prefixes (inputs.py),
# which also bound a created execution role's S3 grants: one list for both.
VARIABLES = ("training_images", "training_instance_types", "training_max_instance_count",
             "training_max_runtime_seconds", "training_network_isolation",
             "training_vpc_subnets", "training_vpc_security_groups", "training_volume_kms_key",
             "training_output_kms_key")


def image_prefix(entry: str) -> str:
    """An ECR repository ARN as the image URI prefix SageMaker is given
    (<account>.dkr.ecr.<region>.<dns suffix>/<repository>); a URI prefix as it is."""
    m = ECR_REPOSITORY_ARN.match(entry)
    if not m:
        return entry
    region, account, repo = m.groups()
    suffix = "amazonaws.com.cn" if entry.startswith("arn:aws-cn:") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}/{repo}"


def image_repositories(s: Settings, partition: str) -> list[str]:
    """ECR repository ARNs (or ARN patterns) of the allowed images: what a created execution
    role may pull, so IAM too bounds the image (SageMaker has no condition key for it). An
    entry outside ECR names no repository: the resolver alone bounds it."""
    out = []
    for entry in s.training_images:
        if ECR_REPOSITORY_ARN.match(entry):
            out.append(entry)
            continue
        host, _, path = entry.partition("/")
        labels = host.split(".")
        if len(labels) >= 4 and labels[1:3] == ["dkr", "ecr"]:
            name = path + "*" if entry.endswith("/") else path
            out.append(f"arn:{partition}:ecr:{labels[3]}:{labels[0]}:repository/{name}")
    return list(dict.fromkeys(out))  # in the given order, as the module's distinct() keeps it


# The module's image_repositories, in HCL over var.training_images ("" for a non-ECR entry).
IMAGE_REPOSITORIES_HCL = (
    '${distinct(compact([for i in var.training_images : can(regex("^arn:", i)) ? i : '
    'try(can(regex("^[0-9]{12}[.]dkr[.]ecr[.][a-z0-9-]+[.]", i)) ? format('
    '"arn:%s:ecr:%s:%s:repository/%s%s", {partition}, split(".", i)[3], split(".", i)[0], '
    'join("/", slice(split("/", i), 1, length(split("/", i)))), '
    'endswith(i, "/") ? "*" : "") : "", "")]))}')
REPOSITORIES_LOCAL = "training_image_repositories"


def policy_values(s: Settings) -> dict[str, Any]:
    """What the resolver checks, from literal settings ("" for an unset key: no null in VTL)."""
    return {
        "images": [image_prefix(i) for i in s.training_images],
        "instanceTypes": list(s.training_instance_types),
        "maxInstanceCount": s.training_max_instance_count,
        "maxRuntimeSeconds": s.training_max_runtime_seconds,
        "inputPrefixes": list(s.sagemaker_input_s3_prefixes),
        "outputPrefixes": list(s.sagemaker_output_s3_prefixes),
        "networkIsolation": s.training_network_isolation,
        "subnets": list(s.training_vpc_subnets),
        "securityGroups": list(s.training_vpc_security_groups),
        "volumeKmsKey": s.training_volume_kms_key or "",
        "outputKmsKey": s.training_output_kms_key or "",
    }


# The condition keys each create action defines (Service Authorization Reference, "Actions,
# resources, and condition keys for Amazon SageMaker"): the policy's rows on other keys do not
# apply to it. CreateTransformJob: InstanceTypes, ModelArn, OutputKmsKey, VolumeKmsKey (ModelArn
# is modules/ml.py's: the API's own models); CreateModel: NetworkIsolation, VpcSubnets,
# VpcSecurityGroupIds. None: every row (CreateTrainingJob).
ACTION_KEYS: dict[str, tuple[str, ...] | None] = {
    "sagemaker:CreateTrainingJob": None,
    "sagemaker:CreateTransformJob": ("sagemaker:InstanceTypes", "sagemaker:OutputKmsKey",
                                     "sagemaker:VolumeKmsKey"),
    "sagemaker:CreateModel": ("sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds"),
}
# CreateModel's NetworkIsolation is required to equal the setting either way (conditions()), so
# its Condition block is never empty.


def conditions(s: Settings, action: str = "sagemaker:CreateTrainingJob",
               models: str = "") -> dict[str, dict[str, Any]]:
    """The IAM Condition block of `action` for literal settings. ForAllValues holds
    vacuously for a request without the key, so each such key is also required (Null false).
    A transform job runs only a model ARN like `models` (the API's own)."""
    out: dict[str, dict[str, Any]] = {}
    if action == "sagemaker:CreateTransformJob":
        out["ArnLike"] = {"sagemaker:ModelArn": [models]}
    if action == "sagemaker:CreateModel":
        out["Bool"] = {"sagemaker:NetworkIsolation": [str(s.training_network_isolation).lower()]}

    def add(op: str, key: str, values: list[str]) -> None:
        out.setdefault(op, {})[key] = values

    keys = ACTION_KEYS[action]
    for op, key, values in _condition_rows(s):
        if keys is None or key in keys:
            add(op, key, values)
    return out


def _condition_rows(s: Settings) -> list[tuple[str, str, list[str]]]:
    rows = [("ForAllValues:StringEquals", "sagemaker:InstanceTypes",
             list(s.training_instance_types)),
            ("Null", "sagemaker:InstanceTypes", ["false"]),
            ("NumericLessThanEquals", "sagemaker:MaxRuntimeInSeconds",
             [str(s.training_max_runtime_seconds)])]
    if s.training_network_isolation:
        rows.append(("Bool", "sagemaker:NetworkIsolation", ["true"]))
    if s.training_vpc_subnets:
        for key, values in (("sagemaker:VpcSubnets", s.training_vpc_subnets),
                            ("sagemaker:VpcSecurityGroupIds", s.training_vpc_security_groups)):
            rows += [("ForAllValues:StringEquals", key, list(values)), ("Null", key, ["false"])]
    for key, value in (("sagemaker:VolumeKmsKey", s.training_volume_kms_key),
                       ("sagemaker:OutputKmsKey", s.training_output_kms_key)):
        if value:
            rows.append(("StringEquals", key, [value]))
    return rows


def locals_values(s: Settings, variables: bool, models: str = "") -> dict[str, str]:
    """The two locals: literals in the root stack, expressions over var.* in the module."""
    if not variables:
        return {POLICY_LOCAL: json.dumps(policy_values(s), sort_keys=True),
                INFERENCE_LOCAL: json.dumps(
                    {"endpoints": [n.lower() for n in s.sagemaker_endpoint_names],
                     "bedrockModels": list(s.bedrock_model_ids)}, sort_keys=True)}
    inference = ("${jsonencode({endpoints = [for n in var.sagemaker_endpoint_names : lower(n)], "
                 "bedrockModels = var.bedrock_model_ids})}")
    images = ('[for i in var.training_images : can(regex("^arn:", i)) ? format('
              '"%s.dkr.ecr.%s.%s/%s", split(":", i)[4], split(":", i)[3], '
              'split(":", i)[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com", '
              'split("repository/", i)[1]) : i]')
    policy = (
        "${jsonencode({"
        f"images = {images}, "
        "instanceTypes = var.training_instance_types, "
        "maxInstanceCount = var.training_max_instance_count, "
        "maxRuntimeSeconds = var.training_max_runtime_seconds, "
        "inputPrefixes = var.sagemaker_input_s3_prefixes, "
        "outputPrefixes = var.sagemaker_output_s3_prefixes, "
        "networkIsolation = var.training_network_isolation, "
        "subnets = var.training_vpc_subnets, "
        "securityGroups = var.training_vpc_security_groups, "
        "volumeKmsKey = var.training_volume_kms_key, "
        "outputKmsKey = var.training_output_kms_key})}")

    def row(op: str, key: str, values: str) -> str:
        return f'{{op = "{op}", key = "{key}", values = tolist({values})}}'

    vpc = ", ".join(row(op, key, values) for key, var in (
        ("sagemaker:VpcSubnets", "var.training_vpc_subnets"),
        ("sagemaker:VpcSecurityGroupIds", "var.training_vpc_security_groups"))
        for op, values in (("ForAllValues:StringEquals", var), ("Null", '["false"]')))
    kms = ", ".join(
        f'var.{var} != "" ? [{row("StringEquals", key, f"[var.{var}]")}] : []'
        for key, var in (("sagemaker:VolumeKmsKey", "training_volume_kms_key"),
                         ("sagemaker:OutputKmsKey", "training_output_kms_key")))
    first = ", ".join((
        row("ForAllValues:StringEquals", "sagemaker:InstanceTypes", "var.training_instance_types"),
        row("Null", "sagemaker:InstanceTypes", '["false"]'),
        row("NumericLessThanEquals", "sagemaker:MaxRuntimeInSeconds",
            "[tostring(var.training_max_runtime_seconds)]")))
    isolation = row("Bool", "sagemaker:NetworkIsolation", '["true"]')
    extra: dict[str, str] = {}
    rows = (f"concat([{first}], var.training_network_isolation ? [{isolation}] : [], "
            f"length(var.training_vpc_subnets) > 0 ? [{vpc}] : [], {kms})")
    # Rows (operator, key, values) grouped by operator: IAM's Condition block.
    condition = (f"${{{{for op in distinct([for r in local.{ROWS_LOCAL} : r.op]) : op => "
                 f"{{for r in local.{ROWS_LOCAL} : r.key => r.values if r.op == op}}}}}}")
    # The other create actions': only the rows on their keys (ACTION_KEYS).
    for action, local in ACTION_LOCALS.items():
        keys = "[" + ", ".join(f'"{k}"' for k in ACTION_KEYS[action]) + "]"
        mine = f"[for r in local.{ROWS_LOCAL} : r if contains({keys}, r.key)]"
        grouped = (f"{{for op in distinct([for r in {mine} : r.op]) : op => "
                   f"{{for r in {mine} : r.key => r.values if r.op == op}}}}")
        if action == "sagemaker:CreateTransformJob":  # conditions(): the API's own models
            grouped = f'merge({grouped}, {{ArnLike = {{"sagemaker:ModelArn" = ["{models}"]}}}})'
        else:  # CreateModel: conditions()
            grouped = (f'merge({grouped}, {{Bool = {{"sagemaker:NetworkIsolation" = '
                       f'[tostring(var.training_network_isolation)]}}}})')
        extra[local] = f"${{{grouped}}}"
    return {POLICY_LOCAL: policy, ROWS_LOCAL: f"${{{rows}}}", CONDITION_LOCAL: condition, **extra,
            INFERENCE_LOCAL: inference,
            REPOSITORIES_LOCAL: IMAGE_REPOSITORIES_HCL.replace("{partition}",
                                                                "local.api_partition")}


def condition_value(s: Settings, variables: bool,
                    action: str = "sagemaker:CreateTrainingJob", models: str = "") -> Any:
    """What the policy document's Condition of `action` holds: the literal block, or a
    placeholder that `render_policy` replaces with the module's local."""
    if not variables:
        return conditions(s, action, models)
    return CONDITION_PLACEHOLDER if action == "sagemaker:CreateTrainingJob" \
        else f"@iam-condition:{ACTION_LOCALS[action]}@"


CONDITION_PLACEHOLDER = "@training-iam-condition@"
# The module's locals of the other create actions' Condition blocks.
ACTION_LOCALS = {"sagemaker:CreateTransformJob": "transform_iam_condition",
                 "sagemaker:CreateModel": "model_iam_condition"}


def render_policy(document: dict) -> str:
    """JSON of a policy document; the module's Condition becomes an interpolation of its local
    (Terraform inserts the encoded object into the string)."""
    text = json.dumps(document, sort_keys=True).replace(
        f'"{CONDITION_PLACEHOLDER}"', f"${{jsonencode(local.{CONDITION_LOCAL})}}")
    for local in ACTION_LOCALS.values():
        text = text.replace(f'"@iam-condition:{local}@"', f"${{jsonencode(local.{local})}}")
    return text


def whole_number(name: str, bounds: tuple[int, int]) -> tuple[str, str]:
    """(condition, message) of a number variable that must be whole and within `bounds`."""
    lo, hi = bounds
    return (f"${{var.{name} >= {lo} && var.{name} <= {hi} && floor(var.{name}) == var.{name}}}",
            f"The {name} must be a whole number from {lo} to {hi}.")


def declare(stack: TerraformStack, s: Settings) -> None:
    """The module's typed, described, validated variables (defaults: the settings)."""

    def var(name: str, type_: str, default: Any, description: str, condition: str,
            message: str) -> None:
        TerraformVariable(stack, name, type=type_, default=default, description=description,
                          nullable=False, validation=[TerraformVariableValidationConfig(
                              condition=condition, error_message=message)])

    def each(name: str, regex: str, message: str) -> tuple[str, str]:
        return (f'${{alltrue([for v in var.{name} : can(regex("{regex}", v))]) && '
                f"length(distinct(var.{name})) == length(var.{name})}}", message)

    image = (r"^(arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9][a-z0-9._/-]*|"
             r"[a-z0-9][a-z0-9.-]*\\.[a-z]{2,}(:[0-9]+)?/[a-z0-9._/-]*)$")
    var("training_images", "list(string)", list(s.training_images),
        "Images startTrainingJob may run: ECR repository ARNs or image URI prefixes ending in "
        "'/' or naming a repository ([] allows none).",
        *each("training_images", image, "Each training_images entry must be an ECR repository "
              "ARN or an image URI prefix (<registry>/..., no spaces)."))
    var("training_instance_types", "list(string)", list(s.training_instance_types),
        "SageMaker instance types a training job may use (also an IAM condition).",
        *each("training_instance_types", r"^ml\\.[a-z0-9]+\\.[a-z0-9]+$",
              "Each training_instance_types entry must be an instance type such as "
              "ml.m5.large, listed once."))
    var("training_max_instance_count", "number", s.training_max_instance_count,
        "Most instances one training job may use.",
        *whole_number("training_max_instance_count", TRAINING_MAX_INSTANCE_COUNT))
    var("training_max_runtime_seconds", "number", s.training_max_runtime_seconds,
        "Longest MaxRuntimeInSeconds a training job may ask for (also an IAM condition).",
        *whole_number("training_max_runtime_seconds", TRAINING_MAX_RUNTIME_SECONDS))
    var("training_network_isolation", "bool", s.training_network_isolation,
        "Run training containers without network access (EnableNetworkIsolation; also an IAM "
        "condition).", "${var.training_network_isolation == true || "
        "var.training_network_isolation == false}", "Use true or false.")
    for name, regex, most, what in (
            ("training_vpc_subnets", r"^subnet-[0-9a-f]{8,17}$", 16, "subnet ids"),
            ("training_vpc_security_groups", r"^sg-[0-9a-f]{8,17}$", 5, "security group ids")):
        condition, _ = each(name, regex, "")
        # Only one of the two names the other: validations naming each other are a cycle.
        both = (" && (length(var.training_vpc_subnets) > 0) == "
                "(length(var.training_vpc_security_groups) > 0)"
                if name == "training_vpc_subnets" else "")
        var(name, "list(string)", list(getattr(s, name)),
            f"VPC {what} of training jobs (both VPC lists empty: no VPC).",
            condition[:-1] + f" && length(var.{name}) <= {most}{both}}}",
            f"The {name} must be at most {most} distinct {what}; subnets and security groups "
            "are given together.")
    for name, what in (("training_volume_kms_key", "the training instances' volumes"),
                       ("training_output_kms_key", "the model artifacts in S3")):
        var(name, "string", getattr(s, name) or "",
            f"KMS key ARN for {what} (\"\": SageMaker's default; also an IAM condition).",
            f'${{var.{name} == "" || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{{12}}:'
            f'key/[A-Za-z0-9-]+$", var.{name}))}}',
            f"The {name} must be a KMS key ARN or \"\".")


__all__ = ["ACTION_KEYS", "ACTION_LOCALS", "CONDITION_LOCAL", "INFERENCE_LOCAL", "POLICY_LOCAL",
           "REPOSITORIES_LOCAL", "VARIABLES", "condition_value", "conditions", "declare",
           "image_prefix", "image_repositories", "locals_values", "policy_values", "render_policy"]
