"""The use cases behind every entry point, free of HTTP: connect, accounts, settings, start /
stop / remove, activities, the webhook, the worker and the fan-out tick."""
