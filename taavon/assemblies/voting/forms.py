"""The candidate's profile form: it only parses what was sent; :mod:`.profiles` checks the rules
(the photo's real type and size, the lengths, who and when)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from taavon.core.forms import BootstrapMixin

from .profiles import TEXT_MAX


class ProfileForm(BootstrapMixin, forms.Form):
    qualifications = forms.CharField(
        label=_("qualifications"), required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Education, experience, and what you have done for the cooperative."),
    )
    statement = forms.CharField(
        label=_("statement"), required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you will do if elected, in your own words."),
    )
    photo = forms.FileField(
        label=_("photo (PNG or JPEG, optional)"), required=False,
        widget=forms.FileInput(attrs={"accept": ".png,.jpg,.jpeg,image/png,image/jpeg"}),
    )
    remove_photo = forms.BooleanField(label=_("remove the current photo"), required=False)

    def __init__(self, *args, instance_values=None, **kwargs):
        if instance_values is not None and not args:
            kwargs.setdefault(
                "initial", {"qualifications": instance_values.qualifications, "statement": instance_values.statement}
            )
        super().__init__(*args, **kwargs)
        self.max_photo_mb = settings.CANDIDATE_PHOTO_MAX_BYTES // (1024 * 1024)
        if instance_values is not None and not instance_values.photo:
            del self.fields["remove_photo"]
