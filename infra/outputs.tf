# What the rest of the setup needs (README: OAuth client, Cloud Build trigger, frontend).

output "function_urls" {
  description = "Each function's URL."
  value       = { for name, fn in google_cloudfunctions2_function.fn : name => fn.url }
}

output "api_base_url" {
  description = "Base of the API the CRM frontend calls (/oauth/..., /accounts/..., /activities/...)."
  value       = local.functions_url
}

output "oauth_redirect_uri" {
  description = "The authorized redirect URI to register on the Google OAuth web client."
  value       = "${local.functions_url}/oauth/callback"
}

output "webhook_url" {
  description = "Where Google delivers push notifications."
  value       = "${local.functions_url}/webhooks/google"
}

output "tasks_queue" {
  description = "The sync queue (CALSYNC_TASKS_QUEUE)."
  value       = google_cloud_tasks_queue.sync.id
}

output "kms_key" {
  description = "The token-encryption key (CALSYNC_KMS_KEY_NAME)."
  value       = google_kms_crypto_key.tokens.id
}

output "oauth_client_secret_name" {
  description = "The Secret Manager secret to add the OAuth client secret to."
  value       = google_secret_manager_secret.oauth_client_secret.secret_id
}

output "deployer_service_account" {
  description = "The service account the Cloud Build trigger runs as."
  value       = google_service_account.deployer.email
}

output "cloudbuild_substitutions" {
  description = "Substitutions for the Cloud Build trigger (gcloud builds triggers create ... --substitutions=<this>)."
  value = join(",", concat(
    [
      "_REGION=${var.region}",
      "_SOURCE_BUCKET=${google_storage_bucket.source.name}",
      "_DOCKER_REPOSITORY=${google_artifact_registry_repository.functions.id}",
      "_BUILD_SA=${google_service_account.build.email}",
    ],
    [for name, account in google_service_account.runtime : "_${upper(name)}_SA=${account.email}"],
  ))
}
