"""The form of the board's first meeting: the board in office is the list to choose from."""

from django import forms
from django.utils.translation import gettext_lazy as _

from taavon.core.forms import BootstrapMixin, JalaliDateField
from taavon.core.identifiers import clean_national_code

from .selectors import Board


class BoardMeetingForm(BootstrapMixin, forms.Form):
    ltr_fields = BootstrapMixin.ltr_fields | {"managing_director", "md_mobile"}

    held_on = JalaliDateField(label=_("meeting date"))
    present = forms.MultipleChoiceField(
        label=_("board members present"), widget=forms.CheckboxSelectMultiple, required=False
    )
    chair = forms.ChoiceField(label=_("chair of the board"))
    vice_chair = forms.ChoiceField(label=_("vice-chair of the board"))
    secretary = forms.ChoiceField(label=_("secretary of the board"))
    managing_director = forms.CharField(
        label=_("managing director's national code"),
        max_length=20,
        help_text=_("A board member or someone from outside the board."),
    )
    md_first_name = forms.CharField(
        label=_("first name"), max_length=100, required=False,
        help_text=_("Only for a managing director who is new to the register."),
    )
    md_last_name = forms.CharField(label=_("last name"), max_length=100, required=False)
    md_mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, board: Board, **kwargs):
        super().__init__(*args, **kwargs)
        members = [(p.person.national_code, p.person.full_name) for p in board.seats]
        self.fields["present"].choices = members  # type: ignore[attr-defined]
        self.fields["present"].widget.attrs["class"] = "form-check-input"
        for name in ("chair", "vice_chair", "secretary"):
            self.fields[name].choices = [("", "—"), *members]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("present", [code for code, _name in members])

    def clean_managing_director(self):
        return clean_national_code(self.cleaned_data["managing_director"])
