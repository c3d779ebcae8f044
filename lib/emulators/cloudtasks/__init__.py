"""A Cloud Tasks v2 emulator: the gRPC API of the real service, in memory, dispatching HTTP tasks.

Start it with ``python -m emulators.cloudtasks --host H --port P``; the ready line also announces
``http=H:P``, the port of the admin interface and of the OIDC signing keys. See ``README.md`` in
this package for what is supported and how a ``google-cloud-tasks`` client is pointed at it.
"""
