"""One error base for the whole app: services raise these, the JSON and console handlers map the status."""

from __future__ import annotations


class AppError(Exception):
    status_code = 400

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    """The request is valid but the current state forbids it (e.g. someone else holds the conversation)."""

    status_code = 409
