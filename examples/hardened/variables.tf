variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every name the module creates."
  type        = string
  default     = "mlapi-prod"
}

# Required: no default (a made-up ARN would plan and then fail at apply).
variable "kms_key_arn" {
  description = "Customer managed KMS key for the tables and log groups (its policy must allow logs.<region>.amazonaws.com)."
  type        = string
}

variable "alarm_topic_arn" {
  description = "SNS topic for alarms and failed training jobs (its policy must let events.amazonaws.com publish)."
  type        = string
}

variable "ml_bucket" {
  description = "S3 bucket holding training data (datasets/), model artifacts (models/) and long prediction outputs (predictions/)."
  type        = string
}
