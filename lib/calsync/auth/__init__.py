"""Authentication and secrets: keyrings, the credential vault, OAuth state and PKCE, and the
verification of CRM bearer tokens and of Cloud Tasks / Cloud Scheduler OIDC tokens."""
