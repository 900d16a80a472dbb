"""Irreversible actions ask first: the server half of the confirmation component.

A page shows the action with ``core/_confirm.html`` (a form and a ``<dialog>`` stating the
consequence; ``static/js/taavon.js`` opens the dialog). The view of the action calls
:func:`confirmed` before it does anything: a post without the dialog's ``confirmed`` field (no
JavaScript, or a hand-made request) answers :func:`confirm_page`, the same question as a page, and
changes nothing.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

FIELD = "confirmed"


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get(FIELD) == "yes"


def confirm_page(
    request: HttpRequest, *, title: str, consequence: str, action: str, label: str, cancel_url: str, danger: bool = True
) -> HttpResponse:
    """The question as a page of its own: the consequence, the confirming button, and a way back."""
    return render(
        request,
        "core/confirm.html",
        {
            "title": title,
            "consequence": consequence,
            "action": action,
            "label": label,
            "cancel_url": cancel_url,
            "danger": danger,
        },
    )
