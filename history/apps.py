from django.apps import AppConfig


class HistoryConfig(AppConfig):
    """The change history of every curated record: one historical table per model
    (django-simple-history), kept apart from the domain apps so that sources and
    claims hold only the records analysts curate."""

    name = "history"
    verbose_name = "History"
