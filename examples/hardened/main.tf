# The model-management API locked down: IAM auth only (no API key), no schema introspection,
# query depth and resolver count limits, tables protected from deletion, tables and logs
# encrypted with your KMS key, a WAF web ACL (AWS managed rules, logged) in front, alarms to your
# SNS topic, a SageMaker execution role that reads and writes only the given S3 prefixes, and
# outputs too long for a stored prediction written under predictions/ of the same bucket.
# Needs a recent hashicorp/aws: the module declares the floor its arguments require.

terraform {
  # 1.9: the module validates variables against each other.
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.72.0"
    }
  }
}

provider "aws" {
  region = var.region
}

module "model_api" {
  source = "../../terraform/model-api-hardened"

  name_prefix                     = var.name_prefix
  authentication_type             = "AWS_IAM"
  additional_authentication_types = []
  log_level                       = "ALL"
  log_retention_days              = 365
  xray_enabled                    = true
  introspection_enabled           = false
  query_depth_limit               = 8
  resolver_count_limit            = 500
  deletion_protection             = true
  kms_key_arn                     = var.kms_key_arn
  alarm_topic_arn                 = var.alarm_topic_arn
  alarm_latency_p99_ms            = 1500
  sagemaker_execution_role_create = true
  sagemaker_input_s3_prefixes     = ["s3://${var.ml_bucket}/datasets/"]
  sagemaker_output_s3_prefixes    = ["s3://${var.ml_bucket}/models/"]
  prediction_output_uri           = "s3://${var.ml_bucket}/predictions/"
  tags = {
    project     = "model-api"
    environment = "prod"
  }
}
