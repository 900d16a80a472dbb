"""The minutes as a document: one template (``assemblies/minutes/_document.html``) shown on the
minutes page and printed to PDF with WeasyPrint (A4, right to left, Vazirmatn, Persian page numbers).

The PDF is the official copy, so it is always rendered in Persian whatever the reader's language.
WeasyPrint is given only the vendored Vazirmatn files: no other URL is fetched while printing.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from taavon import rules

from ..models import AssemblyKind, AssemblyMode, Matter, Minutes, MinutesState, PresidingRole
from ..voting.anchors import minutes_digest
from .services import GAP_BOARD, GAP_CLOSING, GAP_OPENING, approvals_table

FONT_FILES = {
    400: "vendor/vazirmatn/fonts/Vazirmatn-Regular.ttf",
    700: "vendor/vazirmatn/fonts/Vazirmatn-Bold.ttf",
}
PDF_LANGUAGE = "fa"


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def document_context(minutes: Minutes) -> dict:
    """The minutes' content with its labels and citations resolved in the active language."""
    doc = copy.deepcopy(minutes.content)
    a = doc.get("assembly", {})
    a["kind_label"] = _label(AssemblyKind, a.get("kind"))
    a["mode_label"] = _label(AssemblyMode, a.get("mode"))
    a["call_label"] = gettext("first call") if a.get("call_number", 1) == 1 else gettext("second call")
    for member in doc.get("presiding_board", []):
        member["role_label"] = _label(PresidingRole, member.get("role"))
    for item in doc.get("items", []):
        item["matter_label"] = _label(Matter, item.get("matter"))
        item["majority_citation"] = rules.cite(item.get("majority_rule") or doc.get("majority_rule", ""), strict=False)
    doc["quorum_citation"] = rules.cite(doc.get("quorum_rule", ""), strict=False)
    doc["majority_citation"] = rules.cite(doc.get("majority_rule", ""), strict=False)
    gap_messages = {
        GAP_OPENING: gettext("The attendance and quorum at the opening are not in the event log."),
        GAP_CLOSING: gettext("The closing of the session is not in the event log."),
        GAP_BOARD: gettext("The presiding board is not in the event log."),
    }
    doc["gap_messages"] = [gap_messages.get(g, g) for g in doc.get("gaps", [])]
    doc["approvals"] = approvals_table(minutes)
    # What the board approves, printed on the document itself: anyone holding the PDF can compare it
    # with ``taavon verify-assembly`` (the digest stored at approval, else the draft's own).
    doc["digest"] = minutes.approved_digest or minutes_digest(minutes.content)
    doc["state"] = minutes.state
    doc["state_label"] = minutes.get_state_display()
    doc["approved"] = minutes.state != MinutesState.DRAFT
    doc["document_title"] = gettext("Minutes of the %(assembly)s") % {"assembly": a.get("title", "")}
    return doc


@lru_cache(maxsize=1)
def _font_paths() -> dict[int, Path]:
    paths = {}
    for weight, name in FONT_FILES.items():
        found = finders.find(name)
        if not found:
            raise FileNotFoundError(f"the vendored font {name} is missing from the static files")
        paths[weight] = Path(found).resolve()
    return paths


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_number_content() -> str:
    """CSS ``content`` for «صفحه X از Y», from one translatable message (translators may reorder)."""
    marker_page, marker_pages = "\x00PAGE\x00", "\x00PAGES\x00"
    text = gettext("Page %(page)s of %(pages)s") % {"page": marker_page, "pages": marker_pages}
    parts = []
    for chunk in (
        text.replace(marker_pages, f"\x01{marker_pages}\x01")
        .replace(marker_page, f"\x01{marker_page}\x01")
        .split("\x01")
    ):
        if chunk == marker_page:
            parts.append("counter(page, persian)")
        elif chunk == marker_pages:
            parts.append("counter(pages, persian)")
        elif chunk:
            parts.append(_css_string(chunk))
    return " ".join(parts)


def render_html(minutes: Minutes) -> str:
    """The standalone print HTML of the minutes, in Persian (styled by :func:`render_css`)."""
    with translation.override(PDF_LANGUAGE):
        return render_to_string("assemblies/minutes/print.html", {"doc": document_context(minutes), "print": True})


def render_css() -> str:
    """The print stylesheet: A4, right to left, Vazirmatn, running header, Persian page numbers."""
    with translation.override(PDF_LANGUAGE):
        fonts = {weight: path.as_uri() for weight, path in _font_paths().items()}
        return render_to_string(
            "assemblies/minutes/print.css",
            {"regular": fonts[400], "bold": fonts[700], "page_numbers": page_number_content()},
        )


def _fonts_only_fetcher():
    """A WeasyPrint URL fetcher that loads the vendored fonts and nothing else."""
    from weasyprint.urls import URLFetcher

    allowed = {path.as_uri() for path in _font_paths().values()}

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url not in allowed:
                raise ValueError(f"not fetched while printing minutes: {url}")
            return super().fetch(url, headers)

    return FontsOnly(allowed_protocols=["file"])


def render_document(minutes: Minutes):
    """The laid-out WeasyPrint document (pages, fonts) of the minutes."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    # The same FontConfiguration for the stylesheet and the layout, or @font-face is silently ignored.
    font_config = FontConfiguration()
    fetcher = _fonts_only_fetcher()
    stylesheet = CSS(string=render_css(), font_config=font_config, url_fetcher=fetcher)
    html = HTML(string=render_html(minutes), url_fetcher=fetcher)
    return html.render(stylesheets=[stylesheet], font_config=font_config)


def render_pdf(minutes: Minutes) -> bytes:
    """The minutes as PDF bytes."""
    return render_document(minutes).write_pdf()


def pdf_filename(minutes: Minutes) -> str:
    return f"minutes-{minutes.assembly_id}.pdf"
