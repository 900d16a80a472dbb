"""Authentication backend: a user is found by national code (any digits, any padding)."""

from django.contrib.auth.backends import ModelBackend

from taavon.core.identifiers import clean_national_code, is_valid_national_code

from .models import User


class NationalCodeBackend(ModelBackend):
    """Password check for officials; the one-time code step is enforced by the login view.

    ``authenticate(request, national_code=..., password=...)``. A locked-out user never
    authenticates. Members without a usable password log in through
    :func:`taavon.accounts.services.verify_login_code` instead.
    """

    def authenticate(self, request, national_code=None, password=None, **kwargs):  # type: ignore[override]  # Django passes credentials by keyword: this backend's is national_code
        national_code = national_code or kwargs.get("username")
        if not national_code or not is_valid_national_code(national_code):
            return None
        try:
            user = User.objects.get(national_code=clean_national_code(national_code))
        except User.DoesNotExist:
            User().set_password(password or "")  # equal time whether or not the user exists
            return None
        if user.is_locked() or not user.check_password(password or "") or not self.user_can_authenticate(user):
            return None
        return user
