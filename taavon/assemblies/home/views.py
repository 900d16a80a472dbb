"""The member's "My assemblies" page: their assemblies by phase, each with what to do in it."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors


@login_required
@require_GET
def my_assemblies(request):
    return render(request, "assemblies/home/mine.html", {"groups": selectors.my_assemblies(request.user)})
