"""Reads of assemblies that other domains ask for."""

import datetime

from django.utils import timezone

from .models import Assembly, AssemblyState


def last_assembly_date(cooperative) -> datetime.date | None:
    """The date of the cooperative's last general assembly held (session closed), or None."""
    held = (
        Assembly.objects.filter(cooperative=cooperative, state=AssemblyState.CLOSED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localtime(held).date() if held else None
