# What a deployment chooses. Copy terraform.tfvars.example to terraform.tfvars and fill it in.

variable "project" {
  description = "Google Cloud project id to deploy into."
  type        = string
}

variable "region" {
  description = "Region of the functions, the queue, the scheduler job and the KMS key ring."
  type        = string
  default     = "us-central1"
}

variable "firestore_location" {
  description = "Firestore location (a region or a multi-region such as nam5, eur3); null: var.region."
  type        = string
  default     = null
}

variable "frontend_url" {
  description = "The CRM's calendar-sync settings page: OAuth callbacks redirect here, and its origin may call the API (CORS)."
  type        = string
  validation {
    condition     = startswith(var.frontend_url, "https://")
    error_message = "frontend_url must be an https:// URL."
  }
}

variable "crm_base_url" {
  description = "Base URL of the CRM; event descriptions link back to deals, persons and organizations under it."
  type        = string
  validation {
    condition     = startswith(var.crm_base_url, "https://")
    error_message = "crm_base_url must be an https:// URL."
  }
}

variable "oauth_client_id" {
  description = "Client id of the Google OAuth web client (its secret goes to Secret Manager, never here)."
  type        = string
}

variable "bearer_issuer" {
  description = "Issuer (iss) of the CRM users' bearer tokens; Identity Platform: https://securetoken.google.com/<project>."
  type        = string
}

variable "bearer_audience" {
  description = "Audience (aud) of the CRM users' bearer tokens; Identity Platform: the project id."
  type        = string
}

variable "bearer_certs_url" {
  description = "Public keys of the bearer issuer (Google's certificate map or a JWK set); Identity Platform: https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com."
  type        = string
  validation {
    condition     = startswith(var.bearer_certs_url, "https://")
    error_message = "bearer_certs_url must be an https:// URL."
  }
}

variable "bundle_zip" {
  description = "The zip `calsync bundle --zip` made; Terraform deploys it once, Cloud Build deploys from then on."
  type        = string
  default     = "../build/calsync.zip"
}

variable "fanout_schedule" {
  description = "Cron schedule (UTC) of the fan-out tick, the safety net under push notifications."
  type        = string
  default     = "* * * * *"
}
