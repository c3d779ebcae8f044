# The Google APIs the deployment uses. Left enabled on destroy: other things may need them.
locals {
  services = toset([
    "artifactregistry.googleapis.com", # function images
    "calendar-json.googleapis.com",    # Google Calendar API, called with the users' tokens
    "cloudbuild.googleapis.com",       # builds the functions; runs cloudbuild.yaml
    "cloudfunctions.googleapis.com",
    "cloudkms.googleapis.com", # the token-encryption key
    "cloudscheduler.googleapis.com",
    "cloudtasks.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "run.googleapis.com", # 2nd gen functions run on Cloud Run
    "secretmanager.googleapis.com",
    "storage.googleapis.com", # the bundle bucket
  ])
}

resource "google_project_service" "enabled" {
  for_each           = local.services
  service            = each.value
  disable_on_destroy = false
}
