# Service accounts, one per role, each with only what its role needs (no project-wide owner,
# editor or viewer anywhere). Grants on one resource (the key, the secret, the queue, the
# bucket, the repository) live next to it; project-level grants are limited to Firestore
# (it has no narrower IAM), logs, and deploying functions.

# One runtime identity per function (functions.tf says what each may touch).
resource "google_service_account" "runtime" {
  for_each     = local.functions
  account_id   = "calsync-${each.key}"
  display_name = "calsync ${each.key} function"
}

# The identity Cloud Tasks signs worker calls as; the only invoker of the worker.
resource "google_service_account" "tasks" {
  account_id   = "calsync-tasks"
  display_name = "calsync sync jobs (Cloud Tasks -> worker)"
}

# The identity Cloud Scheduler signs fan-out calls as; the only invoker of fanout.
resource "google_service_account" "scheduler" {
  account_id   = "calsync-scheduler"
  display_name = "calsync fan-out tick (Cloud Scheduler -> fanout)"
}

# Builds the function images from the bundle (build.tf grants it the bucket and registry).
resource "google_service_account" "build" {
  account_id   = "calsync-build"
  display_name = "calsync function builds"
}

# Runs cloudbuild.yaml: tests, then deploys new code to the existing functions.
resource "google_service_account" "deployer" {
  account_id   = "calsync-deployer"
  display_name = "calsync Cloud Build deployer"
}

# -- functions --------------------------------------------------------------------------------

resource "google_project_iam_member" "firestore" {
  for_each = local.functions
  project  = var.project
  role     = each.value.firestore_role
  member   = "serviceAccount:${google_service_account.runtime[each.key].email}"
}

# Enqueue on the sync queue only...
resource "google_cloud_tasks_queue_iam_member" "enqueuer" {
  for_each = { for name, fn in local.functions : name => fn if fn.enqueues }
  project  = var.project
  location = var.region
  name     = google_cloud_tasks_queue.sync.name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.runtime[each.key].email}"
}

# ...with tasks that carry the tasks account's OIDC token (Cloud Tasks asks for actAs on it).
resource "google_service_account_iam_member" "enqueuer_signs_as_tasks" {
  for_each           = { for name, fn in local.functions : name => fn if fn.enqueues }
  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.runtime[each.key].email}"
}

# -- builds and deploys -------------------------------------------------------------------------

resource "google_project_iam_member" "build_logs" {
  project = var.project
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_project_iam_member" "deployer" {
  for_each = toset(["roles/cloudfunctions.developer", "roles/logging.logWriter"])
  project  = var.project
  role     = each.value
  member   = "serviceAccount:${google_service_account.deployer.email}"
}

# A deploy names each function's runtime account and the build account: actAs on those only.
resource "google_service_account_iam_member" "deployer_acts_as_runtime" {
  for_each           = local.functions
  service_account_id = google_service_account.runtime[each.key].name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_service_account_iam_member" "deployer_acts_as_build" {
  service_account_id = google_service_account.build.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.deployer.email}"
}
