output "graphql_url" {
  description = "GraphQL endpoint."
  value       = module.model_api.appsync_graphql_url
}

output "user_pool_id" {
  description = "User pool to create users in and add them to ml-engineers or ml-admins."
  value       = module.model_api.cognito_user_pool_id
}

output "user_pool_client_id" {
  description = "App client id for sign-in (SRP); its ID token goes in the Authorization header."
  value       = module.model_api.cognito_user_pool_client_id
}

output "table_names" {
  description = "DynamoDB tables, by purpose."
  value       = module.model_api.dynamodb_table_names
}
