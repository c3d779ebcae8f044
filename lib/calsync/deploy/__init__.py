"""Deployment tooling: the bundle Cloud Functions builds from (`calsync bundle`)."""
