# Secret Manager. Terraform makes the secret and who may read it; its value is added by hand
# (README: "Secrets"), so it never passes through Terraform's state or this repository.
#
# The only secret the deployed code reads is the Google OAuth client secret: tokens at rest
# are sealed by Cloud KMS (kms.tf), CRM bearer tokens are checked against the issuer's public
# keys, channel tokens are random per channel and stored as hashes.
resource "google_secret_manager_secret" "oauth_client_secret" {
  secret_id = "calsync-oauth-client-secret"

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

# Every function validates all its settings when it starts, the client secret among them, so
# every function's account may read this secret (and no other).
resource "google_secret_manager_secret_iam_member" "oauth_client_secret" {
  for_each  = local.functions
  secret_id = google_secret_manager_secret.oauth_client_secret.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.runtime[each.key].email}"
}
