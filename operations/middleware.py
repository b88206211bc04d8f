"""Refuse request bodies larger than settings.REQUEST_MAX_BYTES before anything reads them.

Django bounds form data (DATA_UPLOAD_MAX_MEMORY_SIZE, answered with 400) but streams
file parts of a multipart body to disk whatever their size; this site takes no files,
so one bound on the whole body, answered with 413, closes that.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return HttpResponseBadRequest("Malformed Content-Length header.", content_type="text/plain")
        if length > settings.REQUEST_MAX_BYTES:
            return HttpResponse(
                f"Request body too large: this site accepts at most {settings.REQUEST_MAX_BYTES} bytes.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
