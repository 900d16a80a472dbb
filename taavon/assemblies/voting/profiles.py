"""Candidates' profiles: the statement, the qualifications and a photo members see before voting.

The candidate edits their own (the member logged in whose person stands), or an officer of the
cooperative (or the provincial office) enters it, from the candidacy until the session opens: a
profile does not change while members are reading it on their ballot. Every change is audited.
The photo is a PNG or JPEG checked by its content (:mod:`taavon.core.uploads`), at most
``settings.CANDIDATE_PHOTO_MAX_BYTES``, stored under a random name and served only through a view
that checks the reader's reach (:func:`candidate_with_photo`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taavon.accounts.scoping import Actor, has_authority
from taavon.audit.services import record
from taavon.core import uploads

from ..convening.documents import file_still_used
from ..models import Assembly, AssemblyState, Candidate, CandidateState

FOLDER = "candidates"
TEXT_MAX = 2000

__all__ = ["candidate_with_photo", "may_edit_profile", "update_candidate_profile"]


def may_edit_profile(actor: Actor, candidate: Candidate) -> bool:
    """The candidate themselves, or authority over the cooperative (who may register them)."""
    own = getattr(actor, "person_id", None) == candidate.person_id and getattr(actor, "is_active", False)
    return bool(own) or has_authority(actor, candidate.item.assembly)


def _profile(candidate: Candidate) -> dict:
    return {
        "statement": candidate.statement, "qualifications": candidate.qualifications,
        "photo": candidate.photo.name or "", "photo_type": candidate.photo_type,
    }


@transaction.atomic
def update_candidate_profile(
    *,
    actor: Actor,
    candidate: Candidate | int,
    statement: str | None = None,
    qualifications: str | None = None,
    photo=None,
    remove_photo: bool = False,
) -> Candidate:
    """Change a candidate's profile: the texts given (None keeps one), a new photo or none.

    Refused (ValidationError) once the session has opened, for a withdrawn candidacy, a text over
    :data:`TEXT_MAX` characters, or a photo that is not a PNG or JPEG or is too big.
    """
    candidate_id = candidate.pk if isinstance(candidate, Candidate) else int(candidate)
    found = Candidate.objects.select_related("item__assembly", "person").filter(pk=candidate_id).first()
    if found is None:
        raise ValidationError(_("No such candidate."), code="no_candidate")
    if not may_edit_profile(actor, found):
        raise PermissionDenied
    assembly = Assembly.objects.select_for_update().select_related("cooperative").get(pk=found.item.assembly_id)
    c = Candidate.objects.select_for_update().select_related("person").get(pk=candidate_id)
    if assembly.state != AssemblyState.NOTICED:
        raise ValidationError(
            _("A candidate's profile is written after the notice and before the session opens."), code="not_noticed"
        )
    if c.state == CandidateState.WITHDRAWN:
        raise ValidationError(_("This candidacy has been withdrawn."), code="withdrawn")
    errors: dict[str, list] = {}
    texts = {"statement": statement, "qualifications": qualifications}
    for field, value in texts.items():
        if value is not None and len(value.strip()) > TEXT_MAX:
            errors.setdefault(field, []).append(
                _("At most %(n)s characters; this text has %(count)s.") % {"n": TEXT_MAX, "count": len(value.strip())}
            )
    checked = None
    if photo is not None:
        try:
            checked = uploads.check_upload(
                photo, accept=uploads.IMAGES, max_bytes=settings.CANDIDATE_PHOTO_MAX_BYTES, field="photo"
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    before = _profile(c)
    for field, value in texts.items():
        if value is not None:
            setattr(c, field, value.strip())
    old_photo = c.photo.name or ""
    new_name = ""
    if checked is not None:
        new_name = default_storage.save(checked.stored_name(FOLDER), photo)
        c.photo, c.photo_type = new_name, checked.content_type
    elif remove_photo:
        c.photo, c.photo_type = "", ""
    c.profile_updated_at = timezone.now()
    try:
        c.save(update_fields=["statement", "qualifications", "photo", "photo_type", "profile_updated_at"])
        record(actor, "candidate.profile", c, before=before, after=_profile(c), cooperative=assembly.cooperative)
    except BaseException:
        if new_name:
            default_storage.delete(new_name)  # nothing half-written
        raise
    if old_photo and old_photo != (c.photo.name or ""):
        uploads.discard_on_commit(default_storage, old_photo, still_used=lambda: file_still_used(old_photo))
    return c


def candidate_with_photo(assembly: Assembly, candidate_id) -> Candidate | None:
    """A candidate of ``assembly`` that has a photo (None otherwise): the caller reached the assembly."""
    return Candidate.objects.filter(pk=candidate_id, item__assembly=assembly).exclude(photo="").first()


def open_photo(candidate: Candidate):
    return default_storage.open(candidate.photo.name or "", "rb")
