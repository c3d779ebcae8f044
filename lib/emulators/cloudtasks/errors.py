"""Cloud Tasks' refusals: :class:`emulators.rpc.RpcError` with the real service's codes."""

from __future__ import annotations

import grpc

from emulators.rpc import RpcError


def invalid(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, message)


def not_found(what: str, name: str) -> RpcError:
    return RpcError(grpc.StatusCode.NOT_FOUND, f"{what} does not exist: {name}")


def already_exists(what: str, name: str, detail: str = "") -> RpcError:
    suffix = f" ({detail})" if detail else ""
    return RpcError(grpc.StatusCode.ALREADY_EXISTS, f"{what} already exists: {name}{suffix}")


def failed_precondition(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.FAILED_PRECONDITION, message)


def unimplemented(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.UNIMPLEMENTED, f"{message} (not supported by this emulator)")
