from django.conf import settings


def taavon(request):
    """Values every page needs: demo banner, roles for the menu."""
    user = getattr(request, "user", None)
    roles = user.roles() if user is not None and user.is_authenticated else set()
    return {"TAAVON_DEMO": settings.TAAVON_DEMO, "user_roles": roles}
