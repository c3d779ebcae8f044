"""Root of the test suite: registers the fixture plugins that start the local cloud."""

pytest_plugins = [
    "tests.fixtures.firestore",
    "tests.fixtures.cloudtasks",
    "tests.fixtures.google",
    "tests.fixtures.stack",
]
