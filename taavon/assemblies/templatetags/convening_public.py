"""``{% assembly_notices national_id %}``: the published notices of a cooperative's upcoming
general assemblies, for its public register page (public facts only, from
:func:`taavon.assemblies.convening.services.public_notices`)."""

from django import template

from taavon.assemblies.convening.services import public_notices
from taavon.assemblies.published.selectors import held_assemblies
from taavon.registry.models import Cooperative

register = template.Library()


@register.inclusion_tag("assemblies/convening/_public_notices.html")
def assembly_notices(cooperative):
    """``cooperative``: a Cooperative or its national ID."""
    if not isinstance(cooperative, Cooperative):
        cooperative = Cooperative.objects.filter(national_id=str(cooperative)).first()
    return {"notices": public_notices(cooperative) if cooperative is not None else []}


@register.inclusion_tag("assemblies/published/_held_assemblies.html")
def held_assembly_results(national_id):
    """The cooperative's last held assemblies, each linking to its public results."""
    return {"held": list(held_assemblies(str(national_id))[:5])}
