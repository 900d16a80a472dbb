from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import parameters_in_force


def parameter_list(request: HttpRequest) -> HttpResponse:
    """Every legal parameter in force today, with its reference and whether it was verified."""
    return render(request, "rules/parameter_list.html", {"parameters": parameters_in_force()})
