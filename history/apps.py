from django.apps import AppConfig


class HistoryConfig(AppConfig):
    """The change history of every curated record: one historical table per model
    (django-simple-history), each row pointing to its explicit Revision, kept apart
    from the domain apps so that sources and claims hold only the records analysts
    curate. It imports from neither."""

    name = "history"
    verbose_name = "History"
