"""TaskQueue adapters: Cloud Tasks (named HTTP tasks with OIDC) and inline (in-process)."""
