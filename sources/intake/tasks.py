"""The background half of intake: fetching an address given on the intake page.

`fetch_intake` runs in django-tasks-db's worker (`manage.py db_worker`, which `make
serve` starts) in production, at once in the tests. It reads the IntakeRequest's URL
through fetch.fetch() into the same row: status fetching, then done with the bytes, their
format and the final address, or failed with the reason the analyst is shown.
"""

import logging

from django.db import transaction
from django.tasks import task

from sources.intake.fetch import FetchError, fetch

logger = logging.getLogger("sources.intake")


@task
def fetch_intake(request_id: int) -> str:
    """Fetch the address of IntakeRequest `request_id`; returns its final status."""
    from sources.models import IntakeRequest

    with transaction.atomic():
        request = IntakeRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.status != IntakeRequest.Status.QUEUED:
            return request.status if request else "missing"  # already taken, or deleted
        request.status = IntakeRequest.Status.FETCHING
        request.save(update_fields=["status", "updated_at"])
    try:
        fetched = fetch(request.url)
    except FetchError as exc:
        request.status, request.error = IntakeRequest.Status.FAILED, str(exc)
    except Exception:
        logger.exception("Intake fetch %s of %s failed unexpectedly", request_id, request.url)
        request.status = IntakeRequest.Status.FAILED
        request.error = "The fetch failed unexpectedly (the server's log says why). Try again, or upload the file."
    else:
        request.status, request.error = IntakeRequest.Status.DONE, ""
        request.content, request.format, request.final_url = fetched.content, fetched.format, fetched.url
    request.save(update_fields=["status", "error", "content", "format", "final_url", "updated_at"])
    return request.status
