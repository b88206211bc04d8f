"""Errors under /api/ are JSON in DRF's shape, {"detail": "..."}, whoever answers them.

DRF's views render their own errors (a bad parameter, a missing record, a method not
allowed, a throttled client). The rest come from Django: its URL resolver's 404 for a
route that does not exist (/api/nope/), the 400 of a suspicious request, the 403 of a
refused one, and the 500 of an exception a view did not handle, which DRF re-raises.
config/urls.py names the handlers below, which answer JSON for a path under /api/ and
Django's own HTML pages everywhere else. An unhandled exception still goes through
Django's handling first: logged with its traceback, got_request_exception sent.
"""

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if _is_api(request):
        return _json("Bad request.", 400)
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if _is_api(request):
        return _json("You do not have permission to perform this action.", 403)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if _is_api(request):
        return _json("Not found.", 404)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if _is_api(request):
        return _json("A server error occurred.", 500)
    return defaults.server_error(request, template_name)
