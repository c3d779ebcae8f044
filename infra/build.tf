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
