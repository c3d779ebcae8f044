# The fan-out tick: Cloud Scheduler POSTs to the fanout function with an OIDC token of the
# scheduler service account, the only account allowed to invoke it (functions.tf), whose
# audience is the function's URL, which is what the function checks (CALSYNC_FANOUT_URL,
# derived from CALSYNC_FUNCTIONS_URL).
resource "google_cloud_scheduler_job" "fanout" {
  name        = "calsync-fanout"
  description = "calsync safety net: due accounts, channel renewal, stale leases, forgotten outboxes"
  region      = var.region
  schedule    = var.fanout_schedule
  time_zone   = "Etc/UTC"

  # As long as the function may run (its timeout, functions.tf).
  attempt_deadline = "540s"

  # No retries: the next tick is a minute away, and a tick still running makes it give way.
  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = "${local.functions_url}/fanout"
    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = "${local.functions_url}/fanout"
    }
  }

  depends_on = [google_project_service.enabled]
}
