"""A local Google Calendar v3 + Google OAuth 2.0 simulator with push and fault injection.

Run it with ``python -m emulators.google --host H --port P``; the README next to this file
documents flags, clients, the admin interface and what is (and is not) simulated. Modules:
``app`` (WSGI pipeline), ``routes``, ``api_*`` (handlers), ``listing``/``entries``/``tokens``
(lists and sync), ``mutations``/``event_input``/``views`` (writes and rendering),
``recurrence``, ``push``, ``batch``, ``oauth``/``grants``/``identity``, ``faults``, ``admin``.
"""
