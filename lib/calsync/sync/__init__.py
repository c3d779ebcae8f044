"""The sync engine: a pure planner, an executor, and one account's job."""
