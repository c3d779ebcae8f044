"""A Firestore v1 gRPC emulator for the official ``google-cloud-firestore`` client.

Run it with ``python -m emulators.firestore --host H --port P`` and point the client at it
with ``FIRESTORE_EMULATOR_HOST=H:P``. See README.md in this package for what it supports.
"""
