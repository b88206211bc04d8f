"""The OpenAPI schema documents the API's errors on every operation: 404 with DRF's
{"detail": "..."}, and 400 either so or with a message list per faulty parameter,
{"page_size": ["Give a whole number from 1 to 100."]}, as DRF's views answer them; and
429 with {"detail": "..."} and Retry-After past the rate limit (operations/ratelimit.py)."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

FIELD_ERRORS = {
    "type": "object",
    "description": "For each faulty parameter, what is wrong with it.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "minProperties": 1,
}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self.resolve_serializer(ErrorSerializer, direction).ref
        responses.setdefault(
            "400",
            {
                "description": "A malformed request: a parameter's value is not one the API takes.",
                "content": {"application/json": {"schema": {"oneOf": [error, FIELD_ERRORS]}}},
            },
        )
        responses.setdefault(
            "404",
            {"description": "No such record (or not published).", "content": {"application/json": {"schema": error}}},
        )
        responses.setdefault(
            "429",
            {
                "description": "Too many requests from your address (RATE_LIMIT_API): wait Retry-After seconds.",
                "headers": {
                    "Retry-After": {
                        "description": "Seconds until your address may call the API again.",
                        "schema": {"type": "integer", "minimum": 1},
                    }
                },
                "content": {"application/json": {"schema": error}},
            },
        )
        return responses
