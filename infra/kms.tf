# Token encryption at rest: every OAuth token (and PKCE verifier) is sealed with a fresh AES
# data key, which is wrapped by this Cloud KMS key (lib/calsync/auth/keyring.py, envelope
# encryption). The key never leaves KMS; it rotates itself every 90 days, and old versions
# stay enabled so that data keys wrapped before a rotation still unwrap.
resource "google_kms_key_ring" "calsync" {
  name       = "calsync"
  location   = var.region
  depends_on = [google_project_service.enabled]
}

resource "google_kms_crypto_key" "tokens" {
  name            = "tokens"
  key_ring        = google_kms_key_ring.calsync.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = "7776000s"

  lifecycle {
    # Destroying the key makes every stored token unreadable: every user would reconnect.
    prevent_destroy = true
  }
}

# Encrypt and decrypt on this one key, for the functions that touch tokens; nothing else.
resource "google_kms_crypto_key_iam_member" "tokens" {
  for_each      = { for name, fn in local.functions : name => fn if fn.kms }
  crypto_key_id = google_kms_crypto_key.tokens.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${google_service_account.runtime[each.key].email}"
}
