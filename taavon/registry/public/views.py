"""The public register: search and a page per cooperative, without logging in.

Both pages are rate limited per client address (:data:`RATE`, shared between them); an address
over the limit gets the 429 page named by ``settings.RATELIMIT_VIEW``. The search page answers
htmx requests (typing in the search box) with the results fragment only.
"""

from functools import wraps

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from taavon.geo.models import Province

from ..models import Activity, CooperativeStatus
from . import selectors as public

#: Requests per client address to the public pages (search and cooperative pages together).
RATE = "60/m"
PER_PAGE = 20


def rate_limited(view):
    """Answer with ``settings.RATELIMIT_VIEW`` (429) once an address is over :data:`RATE`."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if is_ratelimited(request, group="public-register", key="ip", rate=RATE, increment=True):
            return import_string(settings.RATELIMIT_VIEW)(request)
        return view(request, *args, **kwargs)

    return wrapped


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or national ID"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "class": "form-control", "placeholder": _("Name or national ID of a cooperative")}
        ),
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=Province.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All provinces"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    activity = forms.ChoiceField(
        label=_("Activity"),
        choices=[("", _("All activities")), *Activity.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *CooperativeStatus.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


@require_GET
@rate_limited
def search(request):
    form = SearchForm(request.GET or None)
    form.is_valid()  # invalid filters are dropped; the valid ones still apply
    data = getattr(form, "cleaned_data", {}) or {}
    query = data.get("q", "")
    results = public.search_cooperatives(
        q=query, province=data.get("province"), activity=data.get("activity"), status=data.get("status")
    )
    page = Paginator(results, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "params": params.urlencode(),
        "more_than": results.COUNT_CAP if results.count_is_capped else None,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "register/_results.html", context)
    return render(request, "register/search.html", context)


@require_GET
@rate_limited
def detail(request, national_id):
    profile = public.public_profile(national_id)
    if profile is None:
        raise Http404
    return render(request, "register/detail.html", {"profile": profile})
