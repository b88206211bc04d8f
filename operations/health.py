"""Probes for a load balancer or an orchestrator (README, "Health checks and logs").

/healthz  the process answers: 200 {"status": "ok"}, touching neither the database
          nor the cache (a liveness probe: restart the process if it fails).
/readyz   the process can serve: the database answers SELECT 1, the default cache
          keeps a key, and every migration on disk is applied. 200
          {"status": "ok", "checks": {...}} or 503 {"status": "unavailable", "checks":
          {...}} naming the check that failed (a readiness probe: send no traffic).
          With django-tasks-db's backend it also reports the background tasks'
          queue ("tasks": how many wait, how long the oldest has, whether a worker
          is taking them), in one query; a late worker is reported, never a 503:
          the web process serves without it.

Both answer plain http too (SECURE_REDIRECT_EXEMPT), are never cached (no-store) and,
like every page, need a Host header in ALLOWED_HOSTS. A failed check is logged with
its reason; the answer only says which check failed.
"""

import logging
import os
import socket
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Min
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

logger = logging.getLogger("operations.health")

# Migrations change only with a new release, which starts new processes: once this
# process has seen them all applied, it does not look again.
_migrations_applied = False


class NotReady(Exception):
    """A check failed: `answer` is what the probe's answer says, the message what the log says."""

    def __init__(self, message: str, answer: str = "failed"):
        super().__init__(message)
        self.answer = answer


def _probe_response(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def healthz(request):
    return _probe_response({"status": "ok"})


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise NotReady("unexpected answer to SELECT 1")


def check_cache() -> None:
    key = f"readyz:{socket.gethostname()}:{os.getpid()}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=60)
    if cache.get(key) != value:
        raise NotReady("the cache did not keep a key")


def check_migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan)
        raise NotReady(f"{len(plan)} unapplied migrations: {names}", answer=f"{len(plan)} unapplied")
    _migrations_applied = True


CHECKS = {"database": check_database, "cache": check_cache, "migrations": check_migrations}


def task_queue() -> dict | None:
    """The queue of django-tasks-db's backend, None for another backend (the suite's
    immediate one). One query, on the table's index of waiting tasks: how many wait, how
    long the oldest has waited; "worker" is "late" when that is over
    TASKS_WORKER_LATE_SECONDS (no worker running, or all busy), else "ok". The package
    keeps no heartbeat of its workers: a waiting task is the sign it gives."""
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, DatabaseBackend):
        return None
    found = DBTaskResult.objects.filter(status=TaskResultStatus.READY, backend_name=backend.alias).aggregate(
        waiting=Count("pk"), oldest=Min("enqueued_at")
    )
    waited = round((timezone.now() - found["oldest"]).total_seconds(), 1) if found["oldest"] else 0
    late = waited > settings.TASKS_WORKER_LATE_SECONDS
    return {"waiting": found["waiting"], "oldest_waiting_seconds": waited, "worker": "late" if late else "ok"}


@require_safe
def readyz(request):
    checks = {}
    for name, check in CHECKS.items():
        if name == "migrations" and checks["database"] != "ok":
            checks[name] = "skipped"  # it reads the database
            continue
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the log says which and why
            logger.warning("Readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            checks[name] = exc.answer if isinstance(exc, NotReady) else "failed"
        else:
            checks[name] = "ok"
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    if checks["database"] == "ok":
        try:
            tasks = task_queue()
        except Exception as exc:  # reported, but the process can serve all the same
            logger.warning("Readiness report of the task queue failed: %s: %s", type(exc).__name__, exc)
            tasks = {"worker": "unknown"}
        if tasks is not None:
            if tasks.get("worker") == "late":
                logger.warning("Background tasks are waiting: the oldest for %s s", tasks["oldest_waiting_seconds"])
            body["tasks"] = tasks
    return _probe_response(body, status=200 if ready else 503)
