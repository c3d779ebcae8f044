"""`calsync bench`: what a sync costs, measured on the local stack next to a naive baseline.

Never deployed (it drives the local stack and the emulators); `README.md` here describes the
figures, their targets and how each is measured.
"""
