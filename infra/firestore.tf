# Firestore (native mode): the one database, the composite indexes the storage adapter's
# queries need, and the field overrides: collection-group indexes, exemptions for large
# fields no query uses, and TTL policies for short-lived documents. These mirror
# lib/calsync/store/indexes.py; tests/infra checks that both say the same.
locals {
  firestore_location = coalesce(var.firestore_location, var.region)

  composite_indexes = {
    # AccountRepository.due: syncing accounts whose next check has come, oldest first.
    accounts_status_next_check_at = {
      collection = "accounts"
      scope      = "COLLECTION"
      fields = [
        { path = "status", order = "ASCENDING" },
        { path = "next_check_at", order = "ASCENDING" },
      ]
    }
    # AccountRepository.channels_expiring: syncing accounts whose push channel ends soon.
    accounts_status_channel_expires_at = {
      collection = "accounts"
      scope      = "COLLECTION"
      fields = [
        { path = "status", order = "ASCENDING" },
        { path = "channel_expires_at", order = "ASCENDING" },
      ]
    }
    # ActivityRepository.for_owner: one owner's activities ending after a time.
    activities_owner_id_ends_at = {
      collection = "activities"
      scope      = "COLLECTION"
      fields = [
        { path = "owner_id", order = "ASCENDING" },
        { path = "ends_at", order = "ASCENDING" },
      ]
    }
    # ActivityRepository.for_owner with activity types.
    activities_owner_id_type_ends_at = {
      collection = "activities"
      scope      = "COLLECTION"
      fields = [
        { path = "owner_id", order = "ASCENDING" },
        { path = "type", order = "ASCENDING" },
        { path = "ends_at", order = "ASCENDING" },
      ]
    }
    # ActivityRepository.overlapping: a company's activities overlapping a time range.
    activities_ends_at_starts_at = {
      collection = "activities"
      scope      = "COLLECTION"
      fields = [
        { path = "ends_at", order = "ASCENDING" },
        { path = "starts_at", order = "ASCENDING" },
      ]
    }
  }

  # Each replaces the automatic single-field indexes of one field by `indexes` (none: the
  # field is exempt from indexing); `ttl`: Firestore deletes the document once the time in
  # that field has passed (within a day or so; the code never trusts an expired one).
  field_overrides = {
    # OutboxRepository.pending (one account) and .forgotten (every account's outbox).
    outbox_enqueued_at = {
      collection = "outbox"
      field      = "enqueued_at"
      ttl        = false
      indexes = [
        { order = "ASCENDING", scope = "COLLECTION" },
        { order = "ASCENDING", scope = "COLLECTION_GROUP" },
      ]
    }
    # Finding a CRM user by email across companies.
    users_email_key = {
      collection = "users"
      field      = "email_key"
      ttl        = false
      indexes = [
        { order = "ASCENDING", scope = "COLLECTION" },
        { order = "ASCENDING", scope = "COLLECTION_GROUP" },
      ]
    }
    # Pending authorizations: single use, ten minutes.
    oauth_states_expires_at = {
      collection = "oauth_states"
      field      = "expires_at"
      ttl        = true
      indexes    = []
    }
    # Push channel routes: useless once the channel expired.
    channels_expires_at = {
      collection = "channels"
      field      = "expires_at"
      ttl        = true
      indexes    = []
    }
    # Merge records (GET /accounts/{id}/conflicts): kept 90 days (CONFLICT_RETENTION).
    conflicts_expires_at = {
      collection = "conflicts"
      field      = "expires_at"
      ttl        = true
      indexes    = []
    }
    # Up to 8 KB each and never queried: exempt, so writes stay cheap.
    activities_note = {
      collection = "activities"
      field      = "note"
      ttl        = false
      indexes    = []
    }
    activities_public_description = {
      collection = "activities"
      field      = "public_description"
      ttl        = false
      indexes    = []
    }
    # The merge base snapshot of a link: a map, never queried.
    links_base = {
      collection = "links"
      field      = "base"
      ttl        = false
      indexes    = []
    }
  }
}

resource "google_firestore_database" "main" {
  name                              = "(default)"
  location_id                       = local.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "PESSIMISTIC"
  app_engine_integration_mode       = "DISABLED"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  # `terraform destroy` leaves the data alone.
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.enabled]
}

resource "google_firestore_index" "composite" {
  for_each    = local.composite_indexes
  database    = google_firestore_database.main.name
  collection  = each.value.collection
  query_scope = each.value.scope

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value.path
      order      = fields.value.order
    }
  }
}

resource "google_firestore_field" "override" {
  for_each   = local.field_overrides
  database   = google_firestore_database.main.name
  collection = each.value.collection
  field      = each.value.field

  # An empty index_config exempts the field from indexing.
  index_config {
    dynamic "indexes" {
      for_each = each.value.indexes
      content {
        order       = indexes.value.order
        query_scope = indexes.value.scope
      }
    }
  }

  dynamic "ttl_config" {
    for_each = each.value.ttl ? [true] : []
    content {}
  }
}
