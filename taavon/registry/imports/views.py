"""Pages for member import (upload → preview → confirm or discard) and member list export.

Import needs MANAGE on the cooperative (its officers, administrators); export needs VIEW (also
its provincial supervisors and ministry analysts). Out of scope answers 404, a role that can
never do it 403, anonymous users go to the login page.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from taavon.accounts.scoping import Action, get_or_404
from taavon.core.errors import error_messages, message_list
from taavon.core.pagination import paginate
from taavon.core.templatetags.taavon_format import fadigits

from ..models import Cooperative, ImportBatch
from ..selectors import cooperative_for
from . import exports
from . import services as imports

ERRORS_PER_PAGE = 50
PREVIEW_SAMPLE = 10


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("Member file"),
        help_text=_("Excel (.xlsx) or CSV (UTF-8), first row the column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )


def _cooperative(request, pk, action: Action) -> Cooperative:
    return cooperative_for(request.user, pk, action)


def _batch(request, pk, batch_id) -> tuple[Cooperative, ImportBatch]:
    cooperative = _cooperative(request, pk, Action.MANAGE)
    batch = get_or_404(request.user, ImportBatch.objects.filter(cooperative=cooperative), Action.MANAGE, pk=batch_id)
    return cooperative, batch


def _batch_url(batch: ImportBatch) -> str:
    return reverse("registry:member_import_batch", args=[batch.cooperative_id, batch.pk])


@login_required
@require_http_methods(["GET", "POST"])
def member_import(request, pk):
    """The upload form; a valid upload becomes a batch and the officer goes to its preview."""
    cooperative = _cooperative(request, pk, Action.MANAGE)
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.preview_member_import(cooperative, upload, upload.name, request.user)
        except ValidationError as exc:
            for message in error_messages(exc).get("__all__", []):
                form.add_error("file", message)
        else:
            url = _batch_url(batch)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {
        "cooperative": cooperative,
        "form": form,
        "columns": imports.COLUMNS,
        "recent": cooperative.import_batches.select_related("uploaded_by").defer("valid_rows", "errors")[:10],
    }
    status = 422 if form.errors else 200
    if request.htmx and request.method == "POST":
        return render(request, "registry/_import_form.html", context, status=status)
    return render(request, "registry/import_upload.html", context, status=status)


@login_required
@require_GET
def member_import_template(request, pk):
    """The empty member file: Persian headers, right to left, and a guide sheet."""
    _cooperative(request, pk, Action.MANAGE)
    response = HttpResponse(content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="taavon-members-template.xlsx"'
    imports.template_workbook(response)
    return response


@login_required
@require_GET
def member_import_batch(request, pk, batch_id):
    """The preview of a batch awaiting confirmation, or the result of a confirmed or discarded one."""
    cooperative, batch = _batch(request, pk, batch_id)
    errors = batch.errors or []
    page = paginate(request, errors, size=ERRORS_PER_PAGE)
    context = {
        "cooperative": cooperative,
        "batch": batch,
        "valid_count": len(batch.valid_rows) if batch.state == ImportBatch.State.PREVIEW else batch.imported_count,
        "error_count": sum(1 for e in errors if not e.get("at_confirm")),
        "skipped_count": sum(1 for e in errors if e.get("at_confirm")),
        "existing_people": sum(1 for r in batch.valid_rows if r.get("person_exists")),
        "sample": batch.valid_rows[:PREVIEW_SAMPLE] if batch.state == ImportBatch.State.PREVIEW else [],
        "page": page,
        "error_rows": imports.error_rows(page.object_list),
        "columns": imports.column_rows(batch),
        "field_choices": imports.FIELD_CHOICES,
        "problems": imports.mapping_problems(batch) if batch.state == ImportBatch.State.PREVIEW else [],
    }
    if request.htmx and request.GET.get("page"):
        return render(request, "registry/_import_errors.html", context)
    template = "registry/import_preview.html" if batch.state == ImportBatch.State.PREVIEW else "registry/import_result.html"
    return render(request, template, context)


@login_required
@require_POST
def member_import_confirm(request, pk, batch_id):
    _cooperative_obj, batch = _batch(request, pk, batch_id)
    try:
        batch = imports.confirm_member_import(batch, request.user)
    except ValidationError as exc:
        for message in message_list(exc):
            messages.error(request, message)
    else:
        messages.success(
            request, gettext("%(count)s members were added to the register.") % {"count": fadigits(batch.imported_count)}
        )
    return redirect(_batch_url(batch))


@login_required
@require_POST
def member_import_mapping(request, pk, batch_id):
    """The officer's choice of field per column of the file (and the share price): the rows are checked again."""
    _cooperative_obj, batch = _batch(request, pk, batch_id)
    mapping = {
        column["index"]: request.POST[f"column-{column['index']}"]
        for column in (batch.layout or {}).get("columns", [])
        if request.POST.get(f"column-{column['index']}")
    }
    try:
        share_price = imports.parse_share_price(request.POST.get("share_price", ""))
        imports.remap_member_import(batch, mapping=mapping, share_price=share_price, user=request.user)
    except ValidationError as exc:
        for message in message_list(exc):
            messages.error(request, message)
    else:
        messages.success(request, gettext("The columns were applied and every row was checked again."))
    return redirect(_batch_url(batch))


@login_required
@require_POST
def member_import_discard(request, pk, batch_id):
    _cooperative_obj, batch = _batch(request, pk, batch_id)
    try:
        imports.discard_member_import(batch, request.user)
    except ValidationError as exc:
        for message in error_messages(exc).get("__all__", []):
            messages.error(request, message)
        return redirect(_batch_url(batch))
    messages.info(request, gettext("The import was discarded; nothing was written to the register."))
    return redirect("registry:member_import", pk=pk)


@login_required
@require_GET
def member_export_xlsx(request, pk):
    return exports.xlsx_response(_cooperative(request, pk, Action.VIEW))


@login_required
@require_GET
def member_export_csv(request, pk):
    return exports.csv_response(_cooperative(request, pk, Action.VIEW))
