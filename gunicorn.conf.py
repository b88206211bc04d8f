"""gunicorn's settings: `make serve`, or `gunicorn -c gunicorn.conf.py config.wsgi:application`.

Every knob below can be changed from the environment (README, "Operating"). The file is
read by gunicorn's master process before any worker loads the application, so it
imports the standard library only: never Django, the settings or the project.
"""

import os


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not an integer.") from None
    if value < minimum:
        raise SystemExit(f"{name}={value} must be {minimum} or more.")
    return value


_CORES = (getattr(os, "process_cpu_count", None) or os.cpu_count)() or 1  # the cores this process may use

# --- Workers -------------------------------------------------------------------------
# Threaded workers: each process serves `threads` requests at once, so a slow client or
# a long streamed export holds one thread, not a whole process.
worker_class = "gthread"
# Processes: WEB_CONCURRENCY (the usual variable of hosting platforms), else 2 x cores + 1.
workers = _env_int("WEB_CONCURRENCY", 2 * _CORES + 1, 1)
# Threads per process. Each thread may hold a database connection (CONN_MAX_AGE=60), so
# workers x threads is the number of connections to allow for in PostgreSQL's max_connections.
threads = _env_int("GUNICORN_THREADS", 4, 1)

# --- Where it listens ------------------------------------------------------------------
# BIND, comma-separated (`0.0.0.0:8000`, `unix:/run/claims/gunicorn.sock`), else
# 127.0.0.1:$PORT. Unlike gunicorn's own default, PORT alone never listens on every
# interface: the proxy in front is expected on the same machine.
bind = [part.strip() for part in os.environ.get("BIND", "").split(",") if part.strip()] or [
    f"127.0.0.1:{_env_int('PORT', 8000, 1)}"
]
# Connections waiting to be accepted when every thread is busy.
backlog = 2048

# --- Timeouts --------------------------------------------------------------------------
# `timeout` is NOT a per-request limit for gthread workers. It is the heartbeat: the
# arbiter kills a worker whose heartbeat file is older than this. In
# gunicorn/workers/gthread.py (27.0.1) ThreadWorker.run() calls self.notify() on every
# pass of the worker's main loop (at least once a second, `poller.select(timeout=1.0)`),
# and requests run in the thread pool, so a response that streams for minutes does not
# stop the heartbeat and is never cut by `timeout` (a sync worker, which notifies only
# between requests, would be killed mid-export). Checked: a 12 s streamed response
# under timeout=3 completes. What `timeout` does kill is a wedged process: a main loop
# that cannot run (the GIL held by a C extension, a deadlock, swapping).
timeout = _env_int("GUNICORN_TIMEOUT", 30, 0)
# A stopping worker (deploy restart, SIGTERM, max_requests below) stops accepting and
# gives requests in flight this long to finish, then exits: the longest export that is
# sure to survive a restart. A thread stuck for good (a query that never returns) keeps
# the exiting process alive, its heartbeat stops, and the arbiter kills it `timeout`
# seconds later; so a stuck request is killed at most graceful_timeout + timeout after
# its worker is recycled (checked: stuck request, max_requests=3, killed 3 s + 3 s after
# the third request). Stuck database queries are better cut by PostgreSQL's statement
# timeout, and a proxy's read timeout frees the client. Keep a service manager's stop
# timeout (systemd TimeoutStopSec, default 90 s) above graceful_timeout + timeout.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 60, 1)
# Seconds an idle kept-alive connection stays open. With nginx's upstream keepalive, set
# nginx's keepalive_timeout in the upstream block below this (README's sample: 4 s), so
# nginx never reuses a connection gunicorn is closing.
keepalive = _env_int("GUNICORN_KEEPALIVE", 5, 0)

# --- Recycling ------------------------------------------------------------------------
# Restart each worker after about this many requests (jitter spreads the restarts so the
# workers never all restart together): bounds slow leaks and reaps a thread that is stuck
# for good (see graceful_timeout). 0 turns recycling off.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000, 0)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", max(max_requests // 10, 0), 0)

# --- Request limits ------------------------------------------------------------------
# gunicorn's defaults, stated: request line 4094 bytes (the longest filtered claims-list
# URL is far shorter), 100 header fields of up to 8190 bytes. Bodies are bounded by the
# application (REQUEST_MAX_BYTES) and the proxy (client_max_body_size).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# --- Logging --------------------------------------------------------------------------
# Access log to stdout, errors to stderr: the service manager or container collects both.
# The application writes its own access line too (operations/middleware.py); gunicorn's
# also has what Django never sees (requests its parser refused) and the time a streamed
# response really took. GUNICORN_ACCESS_LOG= (empty) turns it off, or names a file.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-").strip() or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The default combined format, plus the time taken in ms and the response's X-Request-ID
# (the proxy's id when it sent a sane one, else the application's), as in the app's logs.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms rid=%({x-request-id}o)s'
# The name in logs (and in `ps`, when setproctitle is installed).
proc_name = "claims-kb"

# --- Server mechanics -----------------------------------------------------------------
# The heartbeat file lives on tmpfs when there is one: on a disk-backed /tmp the
# heartbeat's fchmod can block the worker and get it killed as silent.
if os.path.isdir("/dev/shm"):  # noqa: S108 - a directory for gunicorn, not a file we create
    worker_tmp_dir = "/dev/shm"  # noqa: S108
# Load the application in each worker, not in the master: a restart (HUP) then picks up
# new code, and no database connection is ever shared across a fork.
preload_app = False
# gunicorn 25.1+ opens a control socket at one fixed path per user by default; a second
# instance on the machine would take it over. Off unless GUNICORN_CONTROL_SOCKET names one.
if os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip():
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"].strip()
    control_socket_mode = 0o600  # its owner only
else:
    control_socket_disable = True
# gunicorn trusts X-Forwarded-Proto (for wsgi.url_scheme) only from FORWARDED_ALLOW_IPS,
# by default 127.0.0.1 and ::1, the proxy on the same host. Django itself reads the
# scheme from SECURE_PROXY_SSL_HEADER when that is set.
