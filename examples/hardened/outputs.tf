output "graphql_url" {
  description = "GraphQL endpoint."
  value       = module.model_api.appsync_graphql_url
}

output "table_names" {
  description = "DynamoDB tables, by purpose."
  value       = module.model_api.dynamodb_table_names
}

output "role_arns" {
  description = "IAM roles AppSync assumes, by purpose."
  value       = module.model_api.iam_role_arns
}

output "sagemaker_execution_role_arn" {
  description = "Role SageMaker runs training jobs with."
  value       = module.model_api.sagemaker_execution_role_arn
}
