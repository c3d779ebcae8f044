# The Google APIs the deployment uses. Left enabled on destroy: other things may need them.
# tests/infra/test_infra_apis.py maps every resource type here and every Google client the
# code uses to its API, and fails if one is missing. (Enabling them takes the Service Usage
# API, which every project has on.)
locals {
  services = toset([
    "artifactregistry.googleapis.com",     # function images
    "calendar-json.googleapis.com",        # Google Calendar API, called with the users' tokens
    "cloudbuild.googleapis.com",           # builds the functions; runs cloudbuild.yaml
    "cloudfunctions.googleapis.com",       # the six functions
    "cloudkms.googleapis.com",             # the token-encryption key
    "cloudresourcemanager.googleapis.com", # project-level IAM grants, the project's number
    "cloudscheduler.googleapis.com",       # the fan-out tick
    "cloudtasks.googleapis.com",           # the sync queue
    "firestore.googleapis.com",            # all state
    "iam.googleapis.com",                  # service accounts
    "logging.googleapis.com",              # function and build logs
    "run.googleapis.com",                  # 2nd gen functions run on Cloud Run
    "secretmanager.googleapis.com",        # the OAuth client secret
    "storage.googleapis.com",              # the bundle bucket, the functions' sources
  ])
}

resource "google_project_service" "enabled" {
  for_each           = local.services
  service            = each.value
  disable_on_destroy = false
}
