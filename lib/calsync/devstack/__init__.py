"""The local stack (`calsync dev`), its seed data and tokens (`calsync token`), and the demo
(`calsync demo`). Development only: never deployed, and the only part of `calsync` that may
start the emulators of `lib/emulators`. See README.md beside this file."""
