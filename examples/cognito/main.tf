# The model-management API for people signing in with Cognito: a user pool (e-mail sign-in,
# users created by an administrator, an app client) with the groups the schema's @auth rules
# name (ml-engineers, ml-admins), Cognito as the default mode, IAM beside it for back ends.
# No API key. Put users in groups with `aws cognito-idp admin-add-user-to-group`.

terraform {
  # 1.9: the module validates variables against each other.
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 4.0.0"
    }
  }
}

provider "aws" {
  region = var.region
}

module "model_api" {
  source = "../../terraform/model-api"

  name_prefix                     = var.name_prefix
  authentication_type             = "AMAZON_COGNITO_USER_POOLS"
  additional_authentication_types = ["AWS_IAM"]
  cognito_create_user_pool        = true
  log_level                       = "ERROR"
  log_retention_days              = 30
  tags = {
    project     = "model-api"
    environment = "dev"
  }
}
