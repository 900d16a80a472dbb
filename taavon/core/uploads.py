"""Checking an uploaded file by what it is, not by what it is called.

A browser's (or an API client's) name and content type are the client's claim: a program renamed
``report.pdf`` arrives as ``application/pdf``. The type is read from the file's first bytes (its
magic number), the size from what was received, and the SHA-256 over the whole content, in one
pass. The stored name is random: the client's name is kept only to offer it back on download.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext as _

from .persian import language_uses_persian_digits, to_persian_digits

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}
IMAGES = (PNG, JPEG)
DOCUMENTS = (PDF, PNG, JPEG)
_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    original_name: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    def stored_name(self, folder: str) -> str:
        """A fresh random name under ``folder``: nothing of the client's name reaches the disk."""
        return f"{folder}/{uuid.uuid4().hex}.{self.extension}"


def sniff(head: bytes) -> str | None:
    """The content type of a file starting with ``head``, among those accepted; None for any other."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def megabytes(size: int) -> str:
    text = f"{size / (1024 * 1024):.1f}".removesuffix(".0")
    return to_persian_digits(text) if language_uses_persian_digits() else text


def human_size(size: int) -> str:
    """A size as people read it: KB under a megabyte, else MB with one decimal."""
    if size < 1024 * 1024:
        text = _("%(n)s KB") % {"n": max(1, round(size / 1024))}
    else:
        text = _("%(n)s MB") % {"n": f"{size / (1024 * 1024):.1f}".removesuffix(".0")}
    return to_persian_digits(text) if language_uses_persian_digits() else text


def safe_name(name: str, content_type: str) -> str:
    """The client's file name cut to its base, without control or path characters, with the right extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r'[<>:"|?*;]', "", base).strip(" .")[:120]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or 'document'}.{EXTENSIONS[content_type]}"


def check_upload(upload, *, accept: tuple[str, ...], max_bytes: int, field: str = "file") -> CheckedFile:
    """The upload's real type, size and SHA-256; a ValidationError on ``field`` when it is not acceptable.

    Nothing is written anywhere: the caller stores the file only once it passed.
    """
    if upload is None:
        raise ValidationError({field: ValidationError(_("Choose a file to upload."), code="required")})
    size = getattr(upload, "size", None) or 0
    if size > max_bytes:
        raise ValidationError({field: ValidationError(
            _("The file is %(size)s MB: at most %(most)s MB is accepted."),
            code="too_large", params={"size": megabytes(size), "most": megabytes(max_bytes)},
        )})
    digest, head, total = hashlib.sha256(), b"", 0
    upload.seek(0)
    for chunk in (upload.chunks(CHUNK) if hasattr(upload, "chunks") else File(upload).chunks(CHUNK)):
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
        total += len(chunk)
        if total > max_bytes:  # a size the client under-declared
            raise ValidationError({field: ValidationError(
                _("The file is larger than %(most)s MB."), code="too_large", params={"most": megabytes(max_bytes)}
            )})
    upload.seek(0)
    if total == 0:
        raise ValidationError({field: ValidationError(_("The file is empty."), code="empty")})
    content_type = sniff(head)
    if content_type not in accept:
        labels = [LABELS[t] for t in accept]
        allowed = labels[0] if len(labels) == 1 else _("%(first)s or %(last)s") % {
            "first": _(", ").join(labels[:-1]), "last": labels[-1]}
        raise ValidationError({field: ValidationError(
            _("This file is not a %(types)s file (its content was checked, not its name). Upload a %(types)s file."),
            code="wrong_type", params={"types": allowed},
        )})
    return CheckedFile(content_type=content_type, size=total, sha256=digest.hexdigest(),
                       original_name=safe_name(getattr(upload, "name", "") or "", content_type))


def discard_on_commit(storage, name: str, *, still_used) -> None:
    """Delete stored file ``name`` once the caller's transaction commits, unless ``still_used()``.

    Best effort: the row that named the file is already gone, so a file left behind by a failure
    here is unreachable and harmless; the failure is logged, never raised after the commit.
    """
    import logging

    from django.db import transaction

    def discard() -> None:
        try:
            if name and not still_used():
                storage.delete(name)
        except Exception:  # a full disk, a lost volume: logged, the answer stands
            logging.getLogger("taavon.uploads").exception("could not delete stored file %s", name)

    transaction.on_commit(discard)


def file_response(stream, *, content_type: str, filename: str, attachment: bool = True):
    """A stored file as an answer: a download (``attachment``) or an image to show, never sniffed.

    The content type is the one checked at upload, ``nosniff`` stops a browser from guessing
    another, and a download is never shown inline where it could run as a page of this site.
    """
    from django.http import FileResponse

    response = FileResponse(stream, content_type=content_type, as_attachment=attachment, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    if not attachment:
        response["Content-Disposition"] = "inline"
    return response
