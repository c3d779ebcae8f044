# Terraform and provider versions, the provider's defaults, and where the state lives.
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
  }

  # State in a Cloud Storage bucket made once by hand (see README: "Bootstrap the state"):
  #   terraform init -backend-config="bucket=<project>-calsync-tfstate"
  backend "gcs" {
    prefix = "calsync"
  }
}

provider "google" {
  project = var.project
  region  = var.region
}
