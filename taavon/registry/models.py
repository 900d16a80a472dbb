"""The cooperative registry: cooperatives, the people in them, their governing bodies.

Stored text keeps what the user typed; each searchable or unique name also has a ``*_key``
column holding :func:`taavon.core.persian.normalize` of it, kept current by ``save``.
Money is in rials, as whole numbers.
"""

import functools
import re

from django.conf import settings
from django.db import models, router, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from taavon.core.identifiers import validate_legal_national_id, validate_mobile, validate_national_code
from taavon.core.persian import compound_parts, key_words, normalize


class Sector(models.TextChoices):
    PRODUCTION = "production", _("Production")
    DISTRIBUTION = "distribution", _("Distribution")
    MULTIPURPOSE = "multipurpose", _("Multipurpose")


class Activity(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    LIVESTOCK = "livestock", _("Livestock")
    FISHING = "fishing", _("Fishing")
    INDUSTRY = "industry", _("Industry")
    MINING = "mining", _("Mining")
    CONSTRUCTION = "construction", _("Construction")
    CONSUMER = "consumer", _("Consumer")
    HOUSING = "housing", _("Housing")
    CREDIT = "credit", _("Credit")
    SERVICES = "services", _("Services")
    SUPPLY = "supply", _("Members' supply")
    MULTIPURPOSE = "multipurpose", _("Multipurpose")


# Keyed by str: a stored activity (a plain string) looks its sector up.
SECTOR_OF_ACTIVITY: dict[str, Sector] = {
    Activity.AGRICULTURE: Sector.PRODUCTION,
    Activity.LIVESTOCK: Sector.PRODUCTION,
    Activity.FISHING: Sector.PRODUCTION,
    Activity.INDUSTRY: Sector.PRODUCTION,
    Activity.MINING: Sector.PRODUCTION,
    Activity.CONSTRUCTION: Sector.PRODUCTION,
    Activity.CONSUMER: Sector.DISTRIBUTION,
    Activity.HOUSING: Sector.DISTRIBUTION,
    Activity.CREDIT: Sector.DISTRIBUTION,
    Activity.SERVICES: Sector.DISTRIBUTION,
    Activity.SUPPLY: Sector.DISTRIBUTION,
    Activity.MULTIPURPOSE: Sector.MULTIPURPOSE,
}


class LegalType(models.TextChoices):
    """The type that sets the legal minimum and maximum of members (rules: members.limits_by_type)."""

    EMPLOYMENT = "employment", _("Employment-creating")
    TRADE = "trade", _("Trade / professional")
    BORDER = "border", _("Border residents")
    STUDENT = "student", _("School students")
    HOUSING = "housing", _("Housing")
    CONSUMER = "consumer", _("Consumer")
    CREDIT = "credit", _("Credit")
    RURAL = "rural", _("Rural comprehensive")
    UNION = "union", _("Union")


class MembershipType(models.TextChoices):
    OPEN = "open", _("Open (general)")
    RESTRICTED = "restricted", _("Restricted (specific group)")


class CooperativeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    LIQUIDATION = "liquidation", _("Under liquidation")
    DISSOLVED = "dissolved", _("Dissolved")


class Cooperative(models.Model):
    """A registered cooperative (or union of cooperatives)."""

    name = models.CharField(_("name"), max_length=250)
    # On PostgreSQL the column has collation "C" (migration 0003): code-point order, as SQLite's
    # BINARY, so its b-tree answers "starts with" as a range read in name order.
    name_key = models.CharField(max_length=250, db_index=True, editable=False)
    national_id = models.CharField(
        _("national ID"), max_length=11, unique=True, validators=[validate_legal_national_id]
    )
    registration_number = models.CharField(_("registration number"), max_length=30)
    registration_date = models.DateField(_("registration date"))
    registration_office = models.CharField(_("registration office"), max_length=150, blank=True)
    province = models.ForeignKey("geo.Province", on_delete=models.PROTECT, verbose_name=_("province"))
    county = models.ForeignKey("geo.County", on_delete=models.PROTECT, verbose_name=_("county"))
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, editable=False)
    membership_type = models.CharField(_("membership type"), max_length=20, choices=MembershipType.choices)
    membership_group = models.CharField(_("membership group"), max_length=100, blank=True)
    legal_type = models.CharField(_("legal type"), max_length=20, choices=LegalType.choices)
    isic_code = models.CharField(_("ISIC code"), max_length=6, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CooperativeStatus.choices, default=CooperativeStatus.ACTIVE
    )
    fiscal_year_end_month = models.PositiveSmallIntegerField(
        _("fiscal year end month (Jalali)"), default=12, help_text=_("1 = Farvardin … 12 = Esfand")
    )
    authorised_capital = models.BigIntegerField(_("authorised capital (rials)"))
    paid_in_capital = models.BigIntegerField(_("paid-in capital (rials)"))
    employees = models.PositiveIntegerField(_("employees"), default=0)
    knowledge_based_certificate = models.CharField(_("knowledge-based certificate number"), max_length=50, blank=True)
    knowledge_based_expires_on = models.DateField(_("knowledge-based certificate expiry"), null=True, blank=True)
    brands = models.JSONField(_("brands"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    # Kept by registry.services whenever memberships change: counting 20 million rows per
    # search page would be too slow.
    member_count = models.PositiveIntegerField(_("members"), default=0, editable=False)
    # The words a search finds the cooperative by beyond its name (see search_key_of); kept by save.
    search_key = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["name_key"]
        indexes = [
            models.Index(fields=["province", "status"]),
            models.Index(fields=["activity"]),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """Keep the derived columns current, and the name's rows in the word index when the name is written."""
        self.name_key = normalize(self.name)
        self.sector = SECTOR_OF_ACTIVITY[self.activity]
        self.search_key = search_key_of(
            name=self.name, brands=self.brands, activity=self.activity, description=self.description
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & SEARCHED_FIELDS:
            kwargs["update_fields"] = set(update_fields) | {"name_key", "sector", "search_key"}
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            if update_fields is None or "name" in update_fields:
                index_name_words(self, using=using)

    @property
    def is_knowledge_based(self) -> bool:
        from django.utils import timezone

        return bool(
            self.knowledge_based_certificate
            and (self.knowledge_based_expires_on is None or self.knowledge_based_expires_on >= timezone.localdate())
        )


#: The fields :func:`search_key_of` reads.
SEARCHED_FIELDS = frozenset({"name", "brands", "activity", "description"})
_NOT_A_WORD = re.compile(r"[\W_]+")


def brand_names(brands: object) -> list[str]:
    """The brand names stored in ``Cooperative.brands`` (a list of names or of ``{"name": …}``)."""
    names = []
    for brand in brands if isinstance(brands, list) else []:
        name = brand.get("name", "") if isinstance(brand, dict) else brand
        if name:
            names.append(str(name))
    return names


@functools.cache
def _activity_labels(activity: str) -> tuple[str, ...]:
    """The activity's label in Persian and English (searched in either language)."""
    if activity not in Activity.values:
        return ()
    labels = []
    for language in ("fa", "en"):
        with translation.override(language):
            labels.append(str(Activity(activity).label))
    return tuple(labels)


def search_key_of(*, name: str, brands: object, activity: str, description: str) -> str:
    """The words a public search finds a cooperative by: its name, brands, activity (in Persian and
    English) and description, as distinct :func:`normalize`-d words with a space before each.

    Punctuation is dropped, so «(HBI)» and «نساجی،» are the words «hbi» and «نساجی»; a compound
    word is followed by its halves («دانشبنیان دانش بنیان»). The leading
    space lets "has a word starting with t" be ``search_key LIKE '% t%'``, which a trigram index
    answers on PostgreSQL (migration 0004).
    """
    text = " ".join([name, *brand_names(brands), *_activity_labels(activity), description or ""])
    words = key_words(normalize(_NOT_A_WORD.sub(" ", normalize(text))))
    # A compound is found by its halves too: «بنیان» finds «دانش‌بنیان» (after the name matches).
    words = list(dict.fromkeys(w for word in words for w in (word, *compound_parts(word))))
    return " " + " ".join(words) if words else ""


class CooperativeWord(models.Model):
    """One distinct word of a cooperative's name key, with the key: the public register's word index.

    A search word matches a name word that starts with it. The b-tree on ``(word, name_key,
    cooperative)`` reads the names having a word as a range already in name order; the primary
    key ``(cooperative, word)`` answers "does this cooperative have a word starting with …".
    ``name_key`` is copied here so that a walk in name order never leaves this table. On
    PostgreSQL ``word`` and ``name_key`` have collation "C" (migration 0003).

    The rows are derived from ``Cooperative.name_key`` by :func:`word_rows` (words split by
    :func:`taavon.core.persian.key_words`, as the search splits a query), written by
    ``Cooperative.save`` (:func:`index_name_words`), by the demo loader, and by migration 0003 for
    cooperatives that existed before it.
    """

    pk = models.CompositePrimaryKey("cooperative", "word")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="name_words", db_index=False)
    word = models.CharField(max_length=250)
    name_key = models.CharField(max_length=250)

    class Meta:
        indexes = [models.Index(fields=["word", "name_key", "cooperative"], name="registry_coopword_walk")]

    def __str__(self):
        return self.word


def word_rows(cooperative_id: int, name_key: str) -> list[tuple[int, str, str]]:
    """The word index rows ``(cooperative_id, word, name_key)`` of one cooperative's name key."""
    return [(cooperative_id, word, name_key) for word in key_words(name_key)]


def index_name_words(cooperative: Cooperative, using: str | None = None) -> None:
    """Bring the word index rows of ``cooperative`` in step with its ``name_key`` (two statements;
    nothing is written when they already are)."""
    rows = word_rows(cooperative.pk, cooperative.name_key)
    words = CooperativeWord.objects.using(using)
    words.filter(cooperative_id=cooperative.pk).exclude(word__in=[w for _, w, _ in rows], name_key=cooperative.name_key).delete()
    words.bulk_create(
        [CooperativeWord(cooperative_id=c, word=w, name_key=k) for c, w, k in rows], ignore_conflicts=True
    )


class StatusChange(models.Model):
    """A dated change of a cooperative's status; the latest one is ``Cooperative.status``."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=20, choices=CooperativeStatus.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return f"{self.cooperative_id}: {self.status} ({self.effective_on})"


class Gender(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")


class Person(models.Model):
    """A natural person, once across all cooperatives, identified by national code."""

    national_code = models.CharField(_("national code"), max_length=10, unique=True, validators=[validate_national_code])
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    name_key = models.CharField(max_length=201, editable=False)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])
    email = models.EmailField(_("e-mail"), blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.name_key = normalize(self.full_name)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left")


class Membership(models.Model):
    """A person's membership of a cooperative: shares, dates, status and verification."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    membership_number = models.CharField(_("membership number"), max_length=20, blank=True)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    shares_held = models.BigIntegerField(_("shares held (rials)"), default=0)
    shares_paid = models.BigIntegerField(_("shares paid (rials)"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "person"], name="one_membership_per_person"),
            models.CheckConstraint(name="paid_not_above_held", condition=models.Q(shares_paid__lte=models.F("shares_held"))),
        ]
        indexes = [models.Index(fields=["cooperative", "status"])]

    def __str__(self):
        return f"{self.person} · {self.cooperative}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Body(models.TextChoices):
    BOARD = "board", _("Board of directors")
    MANAGEMENT = "management", _("Management")
    INSPECTION = "inspection", _("Inspectors")


class PositionRole(models.TextChoices):
    CHAIR = "chair", _("Chair of the board")
    VICE_CHAIR = "vice_chair", _("Vice-chair of the board")
    SECRETARY = "secretary", _("Secretary of the board")
    BOARD_MEMBER = "board_member", _("Board member")
    ALTERNATE = "alternate", _("Alternate board member")
    MANAGING_DIRECTOR = "managing_director", _("Managing director")
    INSPECTOR = "inspector", _("Inspector")
    ALTERNATE_INSPECTOR = "alternate_inspector", _("Alternate inspector")


# Keyed by str: a stored role (a plain string) looks its body up.
BODY_OF_ROLE: dict[str, Body] = {
    PositionRole.CHAIR: Body.BOARD,
    PositionRole.VICE_CHAIR: Body.BOARD,
    PositionRole.SECRETARY: Body.BOARD,
    PositionRole.BOARD_MEMBER: Body.BOARD,
    PositionRole.ALTERNATE: Body.BOARD,
    PositionRole.MANAGING_DIRECTOR: Body.MANAGEMENT,
    PositionRole.INSPECTOR: Body.INSPECTION,
    PositionRole.ALTERNATE_INSPECTOR: Body.INSPECTION,
}
PRINCIPAL_BOARD_ROLES = {PositionRole.CHAIR, PositionRole.VICE_CHAIR, PositionRole.SECRETARY, PositionRole.BOARD_MEMBER}


class Position(models.Model):
    """A seat on the board, the managing directorship or an inspectorship, with its term."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="positions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="positions")
    role = models.CharField(_("role"), max_length=30, choices=PositionRole.choices)
    body = models.CharField(_("body"), max_length=20, choices=Body.choices, editable=False)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["body", "role", "term_start"]
        indexes = [models.Index(fields=["cooperative", "body"])]

    def __str__(self):
        return f"{self.get_role_display()}: {self.person}"

    def save(self, *args, **kwargs):
        self.body = BODY_OF_ROLE[self.role]
        super().save(*args, **kwargs)


class BoardMeeting(models.Model):
    """The board's first meeting after it was seated (the resolution recorded by the cooperative
    or the provincial office): who was present and whom it made chair, vice-chair, secretary and
    managing director. One per board term (``term_start``–``term_end`` of the seats it organised).
    """

    class OfficerAccess(models.TextChoices):
        GRANTED = "granted", _("The managing director was given officer access")
        KEPT = "kept", _("The managing director already had officer access")
        PENDING = "pending", _("The managing director has no official account yet")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="board_meetings")
    held_on = models.DateField(_("meeting date"))
    term_start = models.DateField(_("board term start"))
    term_end = models.DateField(_("board term end"))
    seats = models.PositiveSmallIntegerField(_("principal board members"))
    quorum_required = models.PositiveSmallIntegerField(_("members required for the quorum"))
    present = models.ManyToManyField(Person, related_name="+", verbose_name=_("members present"))
    note = models.TextField(_("note"), blank=True)
    officer_access = models.CharField(max_length=20, choices=OfficerAccess.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("board meeting")
        verbose_name_plural = _("board meetings")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "term_end"], name="one_first_meeting_per_term"),
        ]

    def __str__(self):
        return f"{self.cooperative_id}: {self.held_on}"


class BoardAssignment(models.Model):
    """One office the meeting assigned: the position it started and the one it ended."""

    meeting = models.ForeignKey(BoardMeeting, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=30, choices=PositionRole.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="+")
    ended = models.ForeignKey(Position, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("board assignment")
        verbose_name_plural = _("board assignments")
        constraints = [models.UniqueConstraint(fields=["meeting", "role"], name="one_holder_per_office")]

    def __str__(self):
        return f"{self.get_role_display()}: {self.person}"


class ImportBatch(models.Model):
    """An uploaded member file, parsed and held for the officer's review.

    Nothing reaches the register until :func:`taavon.registry.imports.services.confirm_member_import`;
    then every valid row goes in one transaction.
    """

    class State(models.TextChoices):
        PREVIEW = "preview", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="import_batches")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEW)
    valid_rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    total_rows = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    # The uploaded bytes, kept while the batch awaits confirmation so that a changed column
    # mapping is checked against the file itself (number cells and all); emptied afterwards.
    source = models.BinaryField(null=True, blank=True, editable=False)
    # The header row and, per column of the file, its header and the field it is read as.
    layout = models.JSONField(default=dict, blank=True)
    share_price = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"


class ImportMapping(models.Model):
    """The column mapping an officer last confirmed for a cooperative's member files.

    ``columns`` maps a normalised header to a field key (or ``"ignore"``); ``share_price`` is
    the price of one share in rials, used when a file gives the number of shares.
    """

    cooperative = models.OneToOneField(Cooperative, on_delete=models.CASCADE, related_name="import_mapping")
    columns = models.JSONField(default=dict, blank=True)
    share_price = models.BigIntegerField(_("price of one share (rials)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("member import mapping")
        verbose_name_plural = _("member import mappings")

    def __str__(self):
        return str(self.cooperative)


class VerificationState(models.TextChoices):
    PENDING = "pending", _("Awaiting the provincial office")
    VERIFIED = "verified", _("Verified")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VerificationBatch(models.Model):
    """An officer's request to verify many members at once, written in chunks by a background job.

    ``membership_ids`` is the officer's selection, or None for every member not yet verified;
    ``done`` counts the members handled so far, ``after_id`` the last membership id reached.
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="verification_batches")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    membership_ids = models.JSONField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    requested = models.PositiveIntegerField(default=0)
    after_id = models.BigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification batch")
        verbose_name_plural = _("verification batches")

    def __str__(self):
        return f"{self.cooperative_id}: {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)


class VerificationRequest(models.Model):
    """An officer's request that the provincial office verify a member's data, and its decision.

    ``cooperative`` repeats the membership's so that reach (:mod:`taavon.accounts.scoping`) and the
    supervisor's queue filter without a join through memberships. A membership has at most one
    pending request (the database refuses a second); decided ones stay as its history.
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="verification_requests")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="verification_requests")
    batch = models.ForeignKey(VerificationBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    state = models.CharField(
        _("state"), max_length=20, choices=VerificationState.choices, default=VerificationState.PENDING
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(state="pending"),
                name="one_pending_verification_request",
            ),
        ]
        indexes = [
            # The supervisor's queue: pending requests of a province or a cooperative, oldest first.
            models.Index(fields=["state", "requested_at"], name="registry_verif_queue"),
            models.Index(fields=["cooperative", "state", "requested_at"], name="registry_verif_coop_queue"),
            models.Index(fields=["membership", "-requested_at"], name="registry_verif_latest"),
        ]

    def __str__(self):
        # Shown in the audit trail: whose verification, and where it stands, in words.
        return f"{self.membership.person} · {self.get_state_display()}"
