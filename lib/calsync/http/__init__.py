"""The HTTP adapters: werkzeug routing per entry point, JSON in and out, errors as JSON."""
