# One Cloud Function (2nd gen, HTTP) per entry point of functions/main.py, all built from the
# bundle (`calsync bundle`). Each runs as its own service account (iam.tf) and reads its
# settings from CALSYNC_* environment variables (lib/calsync/config.py).
locals {
  runtime = "python311"

  # Every function's address is https://<region>-<project>.cloudfunctions.net/<name>: known
  # before the functions exist, so the settings, the queue's tasks and the scheduler job can
  # name any function (the worker and fan-out check their own URL as the OIDC audience)
  # without a dependency cycle. The settings derive each address from this base:
  # .../oauth/callback, .../webhooks/google, .../worker, .../fanout.
  functions_url = "https://${var.region}-${var.project}.cloudfunctions.net"

  # Sizing per function. Concurrency above 1 needs a whole vCPU, so every function has one;
  # every function scales to zero when idle (no minimum instances).
  #   invoker:        who may call it: "public" (authenticated in code), or the one service
  #                   account whose OIDC token it accepts
  #   firestore_role: project-level Firestore access (there is no narrower Firestore IAM)
  #   kms:            encrypt/decrypt with the token key (only those that touch tokens)
  #   enqueues:       asks Cloud Tasks for sync jobs
  functions = {
    # POST /oauth/start, the browser's GET /oauth/callback: one code exchange, a userinfo call
    # and a few writes; rare (a user connecting an account), answered in about a second.
    oauth = {
      description    = "OAuth connect flow: start and callback"
      memory         = "512Mi"
      cpu            = "1"
      timeout        = 60
      concurrency    = 20
      max_instances  = 5
      invoker        = "public"
      firestore_role = "roles/datastore.user"
      kms            = true
      enqueues       = false
      env            = {}
    }
    # The CRM frontend's account screens: reads, settings, start/stop/remove; some calls reach
    # Google (calendar list, creating a calendar, opening or stopping a push channel).
    accounts = {
      description    = "Calendar accounts, settings, start/stop/remove"
      memory         = "512Mi"
      cpu            = "1"
      timeout        = 60
      concurrency    = 20
      max_instances  = 10
      invoker        = "public"
      firestore_role = "roles/datastore.user"
      kms            = true
      enqueues       = true
      env            = {}
    }
    # The CRM's activity store: the busiest frontend API, Firestore only (one transaction per
    # change, then a job request per syncing account of the owner), no Google calls.
    activities = {
      description    = "The CRM activity store"
      memory         = "512Mi"
      cpu            = "1"
      timeout        = 30
      concurrency    = 40
      max_instances  = 20
      invoker        = "public"
      firestore_role = "roles/datastore.user"
      kms            = false
      enqueues       = true
      env            = {}
    }
    # Google push notifications: one document read and one task per notification, answered in
    # milliseconds; bursts arrive together, so many at once per instance (80 x 20 = 1,600).
    webhooks = {
      description    = "Google Calendar push notifications"
      memory         = "512Mi"
      cpu            = "1"
      timeout        = 10
      concurrency    = 80
      max_instances  = 20
      invoker        = "public"
      firestore_role = "roles/datastore.viewer"
      kms            = false
      enqueues       = true
      env            = {}
    }
    # One account's sync job per request (Cloud Tasks): a full sync pages through thousands of
    # events and pushes the outbox in batches, so a generous timeout and 1 GiB for the pages
    # and merges of up to 4 jobs at once. The queue never dispatches more than
    # local.sync_max_concurrent (tasks.tf) at once: 7 instances x 4 = 28 >= 25.
    # Time limits, which must keep  job budget < timeout <= dispatch deadline <= lease TTL:
    # the timeout (600 s) equals the Cloud Tasks dispatch deadline the adapter puts on every
    # task (lib/calsync/tasks/cloud_tasks.py: 10 minutes), so Cloud Tasks never gives up on a
    # job that is still running (it would retry it while the first one runs on); the engine's
    # lease (EngineConfig.lease_ttl, 10 minutes) lasts at least as long, so no second job can
    # take the account over from a live one. A job paced at 300 requests a minute needs
    # longer than that for a large first sync (5,000 events out: about 17 minutes), so the
    # engine must stop within a time budget shorter than the timeout and ask for a follow-up
    # job (infra/README.md, "Quotas" and "Time limits").
    worker = {
      description    = "One account's sync job (Cloud Tasks)"
      memory         = "1Gi"
      cpu            = "1"
      timeout        = 600
      concurrency    = 4
      max_instances  = 7
      invoker        = "tasks"
      firestore_role = "roles/datastore.user"
      kms            = true
      enqueues       = true
      env = {
        CALSYNC_TASK_SERVICE_ACCOUNT = google_service_account.tasks.email
      }
    }
    # The periodic tick (Cloud Scheduler): pages through up to 10,000+ accounts (200 per
    # transaction), renews channels (Google calls) and requests jobs on 8 threads. A backlog
    # after an outage takes minutes, hence 9 minutes. One tick at a time: a single instance
    # taking a single request, so a tick still running makes the next one give way.
    fanout = {
      description    = "Fan-out tick: due accounts, channel renewal, stale leases, forgotten outboxes"
      memory         = "1Gi"
      cpu            = "1"
      timeout        = 540
      concurrency    = 1
      max_instances  = 1
      invoker        = "scheduler"
      firestore_role = "roles/datastore.user"
      kms            = true
      enqueues       = true
      env = {
        CALSYNC_TASK_SERVICE_ACCOUNT = google_service_account.scheduler.email
      }
    }
  }

  # Settings every function reads (lib/calsync/config.py validates them all at start-up, and
  # `environment = production` refuses local defaults, placeholders and http addresses).
  common_env = {
    CALSYNC_ENVIRONMENT        = "production"
    CALSYNC_STORAGE            = "firestore"
    CALSYNC_CALENDAR           = "google"
    CALSYNC_QUEUE              = "cloud_tasks"
    CALSYNC_GCP_PROJECT        = var.project
    CALSYNC_FIRESTORE_DATABASE = google_firestore_database.main.name
    CALSYNC_FRONTEND_URL       = var.frontend_url
    CALSYNC_CRM_BASE_URL       = var.crm_base_url
    CALSYNC_FUNCTIONS_URL      = local.functions_url
    CALSYNC_OAUTH_CLIENT_ID    = var.oauth_client_id
    CALSYNC_BEARER_ISSUER      = var.bearer_issuer
    CALSYNC_BEARER_AUDIENCE    = var.bearer_audience
    CALSYNC_BEARER_CERTS_URL   = var.bearer_certs_url
    CALSYNC_KMS_KEY_NAME       = google_kms_crypto_key.tokens.id
    CALSYNC_TASKS_QUEUE        = google_cloud_tasks_queue.sync.id
    # The pace of one account's job: the per-job budget the queue is sized on (tasks.tf).
    CALSYNC_GOOGLE_REQUESTS_PER_MINUTE = tostring(local.job_requests_per_minute)
    # Channels one fan-out tick renews at most (tasks.tf: the per-project budget of a minute).
    CALSYNC_FANOUT_MAX_RENEWALS = tostring(local.channel_renewals_per_tick)
    # The identity Cloud Tasks signs worker calls as, for the jobs a function enqueues.
    CALSYNC_TASK_OIDC_SERVICE_ACCOUNT = google_service_account.tasks.email
    # Set by Google on every gen2 function (functions-framework then tags each log line with
    # its execution id); stated here too, or every plan would show a change that removes it
    # (GoogleCloudPlatform/cloud-foundation-fabric#2403).
    LOG_EXECUTION_ID = "true"
  }

  # Secrets, as environment variables read from Secret Manager when an instance starts.
  secret_env = {
    CALSYNC_OAUTH_CLIENT_SECRET = google_secret_manager_secret.oauth_client_secret.secret_id
  }
}

resource "google_cloudfunctions2_function" "fn" {
  for_each    = local.functions
  name        = each.key
  location    = var.region
  description = each.value.description

  build_config {
    runtime           = local.runtime
    entry_point       = each.key
    docker_repository = google_artifact_registry_repository.functions.id
    service_account   = google_service_account.build.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.first_bundle.name
      }
    }
  }

  service_config {
    available_memory                 = each.value.memory
    available_cpu                    = each.value.cpu
    timeout_seconds                  = each.value.timeout
    max_instance_request_concurrency = each.value.concurrency
    min_instance_count               = 0
    max_instance_count               = each.value.max_instances
    service_account_email            = google_service_account.runtime[each.key].email
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    environment_variables            = merge(local.common_env, each.value.env)

    dynamic "secret_environment_variables" {
      for_each = local.secret_env
      content {
        key        = secret_environment_variables.key
        project_id = var.project
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  lifecycle {
    # Terraform makes the first deployment; from then on cloudbuild.yaml deploys new code
    # (with `gcloud functions deploy`, which keeps every setting made here).
    ignore_changes = [build_config[0].source]
  }

  # A function starts only if its account can already read its secrets, and builds only if
  # the build account can read the source (ours, and Google's copy of it) and write the image.
  depends_on = [
    google_project_service.enabled,
    google_secret_manager_secret_iam_member.oauth_client_secret,
    google_storage_bucket_iam_member.build_reads_bundles,
    google_project_iam_member.build_reads_function_sources,
    google_artifact_registry_repository_iam_member.build_writes_images,
    google_project_iam_member.build_logs,
  ]
}

# Who may call each function: everybody for the four the code authenticates itself (bearer
# tokens, OAuth state + PKCE, channel tokens); only its caller's service account for the
# worker (Cloud Tasks) and the fan-out (Cloud Scheduler).
locals {
  invoker_members = {
    public    = "allUsers"
    tasks     = "serviceAccount:${google_service_account.tasks.email}"
    scheduler = "serviceAccount:${google_service_account.scheduler.email}"
  }
}

resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = local.functions
  project  = var.project
  location = var.region
  name     = google_cloudfunctions2_function.fn[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = local.invoker_members[each.value.invoker]
}
