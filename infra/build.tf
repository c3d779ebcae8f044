# Where the code goes: a private bucket of bundles, and the registry of function images.
resource "google_storage_bucket" "source" {
  name                        = "${var.project}-calsync-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # Cloud Build uploads one bundle per build under builds/; a built function no longer needs
  # its bundle (the image is in the registry).
  lifecycle_rule {
    condition {
      age            = 30
      matches_prefix = ["builds/"]
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# The first deployment's code: `calsync bundle --zip build/calsync.zip` before `terraform
# apply`. Named by content, so a rebuilt zip is a new object (the functions ignore it: Cloud
# Build deploys from then on).
resource "google_storage_bucket_object" "first_bundle" {
  name   = "terraform/calsync-${filemd5(var.bundle_zip)}.zip"
  bucket = google_storage_bucket.source.name
  source = var.bundle_zip
}

resource "google_artifact_registry_repository" "functions" {
  repository_id = "calsync-functions"
  location      = var.region
  format        = "DOCKER"
  description   = "calsync function images"

  # Keep each function's last three images (rollbacks); delete older ones after 30 days.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 3
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.enabled]
}

# Who builds the functions: calsync-build (each function's build_config.service_account, and
# `--build-service-account` in cloudbuild.yaml). Google's page "Custom Service Account for Cloud
# Build" (Cloud Functions) lists what such an account needs: Logs Writer (iam.tf), Artifact
# Registry Writer on the image repository, and Storage Object Viewer on the function source.

# Our bucket of bundles: where a deploy takes the source from.
resource "google_storage_bucket_iam_member" "build_reads_bundles" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}

resource "google_storage_bucket_iam_member" "deployer_uploads_bundles" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_artifact_registry_repository_iam_member" "build_writes_images" {
  project    = var.project
  location   = var.region
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}

# A gen2 deploy copies the source into a bucket Google makes in the project on the first
# deploy, gcf-v2-sources-<project number>-<region>, and the build fetches it from there;
# without this grant every build fails with "Access to bucket gcf-v2-sources-... denied. You
# must grant Storage Object Viewer permission to <build account>"
# (hashicorp/terraform-provider-google#20571). The bucket is not Terraform's (it may not exist
# yet), so the grant is on the project with a condition: that bucket and its objects only (an
# object's IAM resource name is projects/_/buckets/<bucket>/objects/<object>), read only.
data "google_project" "this" {}

locals {
  function_sources_bucket = "projects/_/buckets/gcf-v2-sources-${data.google_project.this.number}-${var.region}"
}

resource "google_project_iam_member" "build_reads_function_sources" {
  project = var.project
  role    = "roles/storage.objectViewer"
  member  = "serviceAccount:${google_service_account.build.email}"

  condition {
    title       = "gcf-v2-sources only"
    description = "The function source Cloud Functions copies for the build, nothing else."
    expression  = "resource.name == \"${local.function_sources_bucket}\" || resource.name.startsWith(\"${local.function_sources_bucket}/\")"
  }
}
