import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A web process: the settings give its database connections DATABASE_STATEMENT_TIMEOUT
# (operations/database.py). Set before Django reads the settings.
os.environ.setdefault("CLAIMS_WEB_PROCESS", "1")
application = get_wsgi_application()
