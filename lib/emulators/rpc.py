"""The one exception a gRPC emulator raises for a request it refuses.

Each emulator's handlers turn it into the status the real service answers with (`code`,
`message`); anything else escaping a handler becomes INTERNAL and is logged, so a bad request
never stops a server. The emulators' `errors` modules add helpers with their services' wording.
"""

from __future__ import annotations

import grpc


class RpcError(Exception):
    """A request the real service would refuse with `code`."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
