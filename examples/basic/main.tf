# The model-management API with API-key auth (plus IAM for back-end callers).
# Copy this directory next to your own code and point `source` at the module in git:
# "git::<repo url>//terraform/model-api?ref=<tag>".

terraform {
  # 1.9: the module validates variables against each other.
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.37.0"
    }
  }
}

provider "aws" {
  region = var.region
}

module "model_api" {
  source = "../../terraform/model-api"

  name_prefix                     = var.name_prefix
  authentication_type             = "API_KEY"
  additional_authentication_types = ["AWS_IAM"]
  api_key_expiry_days             = 30
  api_key_rotation_days           = 15 # a new key every 15 days; the previous one works 15 more
  log_level                       = "ERROR"
  log_retention_days              = 30
  xray_enabled                    = false
  tags = {
    project     = "model-api"
    environment = "dev"
  }
}
