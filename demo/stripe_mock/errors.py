"""Stripe-shaped API errors: ``{"error": {"type", "message", "param", "code"}}`` and a status.

The types and statuses follow Stripe's API reference (docs.stripe.com/api/errors):
400 for invalid requests, 401 for a missing or wrong API key, 404 for an
unknown object, 409 for an idempotency conflict.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class StripeError(Exception):
    """An API error that the mock returns to the client in Stripe's shape."""

    def __init__(self, status: int, error_type: str, message: str,
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.param = param
        self.code = code

    @classmethod
    def invalid_request(cls, message: str, param: str | None = None,
                        code: str | None = None) -> StripeError:
        return cls(400, "invalid_request_error", message, param, code)

    @classmethod
    def missing_param(cls, param: str) -> StripeError:
        return cls.invalid_request(f"Missing required param: {param}.", param, "parameter_missing")

    @classmethod
    def invalid_value(cls, param: str, message: str) -> StripeError:
        return cls.invalid_request(message, param, "parameter_invalid_string")

    @classmethod
    def unknown_param(cls, param: str) -> StripeError:
        return cls.invalid_request(f"Received unknown parameter: {param}", param,
                                   "parameter_unknown")

    @classmethod
    def authentication(cls, message: str) -> StripeError:
        # Stripe reports a bad key with status 401 and type invalid_request_error.
        return cls(401, "invalid_request_error", message)

    @classmethod
    def not_found(cls, object_name: str, object_id: str, param: str) -> StripeError:
        return cls(404, "invalid_request_error", f"No such {object_name}: '{object_id}'",
                   param, "resource_missing")

    @classmethod
    def idempotency_conflict(cls, key: str) -> StripeError:
        return cls(400, "idempotency_error",
                   f"Keys for idempotent requests can only be used with the same parameters "
                   f"they were first used with. Try using a key other than '{key}' if you "
                   "meant to execute a different request.")

    def body(self) -> dict:
        error = {"type": self.error_type, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        if self.code is not None:
            error["code"] = self.code
        return {"error": error}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)
