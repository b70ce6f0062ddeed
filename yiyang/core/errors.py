"""Refusals a service raises: a stable code for clients, the field it concerns, a Chinese message."""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str = "__all__",
        extra: dict | None = None,
        status: int = 422,
        errors: list[dict] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors
        self.code = code
        self.field = field
        self.message = message
        self.extra = extra or {}

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message, **self.extra}

    def as_list(self) -> list[dict]:
        """Every field error (a form can fail on several fields at once)."""
        return self.errors if self.errors is not None else [self.as_dict()]


# Stable codes (clients branch on these, never on messages).
DUPLICATE_ID_NUMBER = "DUPLICATE_ID_NUMBER"
INVALID_ID_NUMBER = "INVALID_ID_NUMBER"
REGION_NOT_VILLAGE = "REGION_NOT_VILLAGE"
REGION_OUT_OF_SCOPE = "REGION_OUT_OF_SCOPE"
INSTITUTION_OUT_OF_SCOPE = "INSTITUTION_OUT_OF_SCOPE"
NOT_REVEALABLE = "NOT_REVEALABLE"
REASON_REQUIRED = "REASON_REQUIRED"
INVALID_STATUS_CHANGE = "INVALID_STATUS_CHANGE"
REQUIRED = "REQUIRED"
#: a state machine refused a move (or an action it does not know) in the record's current state: 409
TRANSITION_NOT_ALLOWED = "TRANSITION_NOT_ALLOWED"
