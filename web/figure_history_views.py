"""The CSV twin of a topic's or a materiel's figure history (web/figure_history.py):
every figure of its published claims, one row each, never aggregated.

    /topics/<slug>/figures.csv     figure_history_csv(kind="topics")
    /materiel/<slug>/figures.csv   figure_history_csv(kind="materiel")
"""

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from claims.models import Materiel, Topic
from web.figure_history import figure_history_rows, materiel_figure_history, topic_figure_history


def figure_history_csv(request, kind, slug):
    """UTF-8 with a byte-order mark, as the other CSV exports, so that spreadsheets read
    북한 and Сергей Лавров; 404 for an unknown topic or materiel."""
    if kind == "topics":
        history = topic_figure_history(get_object_or_404(Topic, slug=slug), complete=True)
        stem = f"topic-{slug}-figures"
    elif kind == "materiel":
        history = materiel_figure_history(get_object_or_404(Materiel, slug=slug), complete=True)
        stem = f"materiel-{slug}-figures"
    else:
        raise Http404("No figure history of this kind.")
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, lineterminator="\r\n").writerows(figure_history_rows(history, request.build_absolute_uri))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8; header=present")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response
