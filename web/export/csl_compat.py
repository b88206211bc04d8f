"""Three rules of CSL 1.0.2 that citeproc-py 0.11.1 does not follow. The APA and
Chicago styles rely on the first two for sources without a named author -- every seed
source:

1. Variables rendered in place of a missing author (cs:substitute) are suppressed in
   the rest of the entry. citeproc-py suppresses them only when the substitute is a
   bare variable, not a macro, so APA printed an unsigned story's title twice and
   Chicago its newspaper's name twice.
2. A cs:label is rendered only when its variable is non-empty. citeproc-py prints the
   term anyway, so Chicago ended every newspaper article with a stray "Edition."
3. A hyphenated given name is initialised part by part: "Hyung-jin" is "H.-J.", where
   citeproc-py wrote "H.-. jin ." (it took "jin" for a particle such as "van").

`apply()` patches them inside citeproc's own element classes, once, lazily: the first
time a bibliography is formatted (web.export.bibliography), not when this module is
imported. Rendering is serialised by the caller, so a module-level record of the
variables being rendered is safe. The patches rely on citeproc-py's internals, so they
are written for exact versions (SUPPORTED_VERSIONS): the system check
`check_citeproc_version` (claims.E001, registered by ClaimsConfig) stops start-up
(`manage.py check`, `migrate`, `runserver`, hence `make serve`) with any other version.
Remove this module when citeproc-py implements them (the tests in
tests/test_export_bibliography.py show the difference).
"""

import threading
from importlib import metadata

from django.core import checks

SUPPORTED_VERSIONS = ("0.11.1",)  # the citeproc-py versions these patches were written for

_recording: list[set] = []  # one set per substitute being rendered, innermost last
_applied = False
_apply_lock = threading.Lock()


def installed_version() -> str | None:
    try:
        return metadata.version("citeproc-py")
    except metadata.PackageNotFoundError:
        return None


def check_citeproc_version(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    version = installed_version()
    if version in SUPPORTED_VERSIONS:
        return []
    return [
        checks.Error(
            f"citeproc-py {version or '(not installed)'} is installed; web/export/csl_compat.py patches "
            f"citeproc-py's internals and was written for {', '.join(SUPPORTED_VERSIONS)} only.",
            hint="Install a supported version (requirements.txt), or check each fix against the new version "
            "(tests/test_export_bibliography.py), then add it to SUPPORTED_VERSIONS or remove the fix "
            "that it makes unnecessary.",
            obj="citeproc-py",
            id="claims.E001",
        )
    ]


def _record(tag, variable):
    for variables in _recording:
        variables.add((tag, variable))


def apply() -> None:
    """Install the fixes, once; cheap after the first call."""
    global _applied
    if _applied:
        return
    with _apply_lock:
        if not _applied:
            _patch()
            _applied = True


def _patch() -> None:
    from citeproc import model

    text_variable = model.Text._variable

    def _variable(self, item, context):
        text = text_variable(self, item, context)
        if text is not None and _recording:
            _record(self.tag, self.get("variable"))
        return text

    model.Text._variable = _variable

    names_process = model.Names.process

    def names(self, item, names_context=None, context=None, **kwargs):
        text = names_process(self, item, names_context=names_context, context=context, **kwargs)
        if text and _recording:
            for role in self.get("variable").split():
                if role in item.reference:
                    _record(self.tag, role)
        return text

    model.Names.process = names

    def substitute(self, item, context=None, **kwargs):
        for child in self.getchildren():
            _recording.append(set())
            try:
                if isinstance(child, model.Names) and child.name is None:
                    parent = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=parent, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except model.VariableError:
                continue
            finally:
                rendered = _recording.pop()
            if text:
                self.add_to_repressed_list(child, context)
                repressed = context.get_layout().repressed
                for tag, variable in rendered:
                    repressed.setdefault(tag, []).append(variable)
                return text
        return None

    model.Substitute.render = substitute

    label_process = model.Label.process

    def label(self, item, variable=None, plural=None, context=None, **kwargs):
        own = variable is None and self.get("variable") not in (None, "locator")
        if own and self.get("variable").replace("-", "_") not in item.reference:
            return None
        return label_process(self, item, variable=variable, plural=plural, context=context, **kwargs)

    model.Label.process = label

    initialize = model.Name.initialize

    def initialize_hyphenated(self, given, mark, context):
        given = "-".join(part[:1].upper() + part[1:] if i else part for i, part in enumerate(given.split("-")))
        return initialize(self, given, mark, context)

    model.Name.initialize = initialize_hyphenated
