"""The local cloud: emulators of Firestore, Cloud Tasks and Google Calendar + OAuth.

Used by the tests and the local dev stack only; the deployed product never imports this package.
Every emulator is started as ``python -m emulators.<name> --host H --port P`` and prints one line
``<name> ready on H:P [key=value ...]`` once it accepts connections (``--port 0`` picks a free
port, reported in that line). :mod:`emulators.launch` starts them as child processes.
"""
