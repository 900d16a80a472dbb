"""General assemblies: convening, the frozen voter roll, proxies, attendance, agenda items,
secret ballots, and the minutes.

Secrecy by construction: :class:`Ballot` holds no voter identity and nothing that joins it to
one (no foreign key to the roll, no timestamp, a random primary key). Whether someone voted is
kept apart in :class:`VoteRecord`, unique per voter and item, which is what stops double voting.
The hash chain over an item's ballots is computed when the item closes, over the ballots in
receipt-hash order, so the published order says nothing about who voted when.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AssemblyKind(models.TextChoices):
    ANNUAL_ORDINARY = "annual_ordinary", _("Annual ordinary general assembly")
    CALLED_ORDINARY = "called_ordinary", _("Ordinary general assembly called specially")
    EXTRAORDINARY = "extraordinary", _("Extraordinary general assembly")


class AssemblyMode(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic")
    HYBRID = "hybrid", _("Hybrid (electronic and in person)")
    IN_PERSON = "in_person", _("In person")


class AssemblyState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NOTICED = "noticed", _("Notice published")
    IN_SESSION = "in_session", _("In session")
    CLOSED = "closed", _("Closed")
    NO_QUORUM = "no_quorum", _("Adjourned: no quorum")
    CANCELLED = "cancelled", _("Cancelled")


class Assembly(models.Model):
    """One call of a general assembly of a cooperative (a second call is its own Assembly)."""

    cooperative = models.ForeignKey("registry.Cooperative", on_delete=models.PROTECT, related_name="assemblies")
    kind = models.CharField(_("kind"), max_length=20, choices=AssemblyKind.choices)
    call_number = models.PositiveSmallIntegerField(_("call"), default=1)
    first_call = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="second_call"
    )
    mode = models.CharField(_("mode"), max_length=20, choices=AssemblyMode.choices)
    title = models.CharField(_("title"), max_length=250)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("place"), max_length=300, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (Jalali)"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=AssemblyState.choices, default=AssemblyState.DRAFT)
    convened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    convened_as = models.CharField(_("convened as"), max_length=20, blank=True)
    convening_reason = models.TextField(_("reason for convening"), blank=True)
    # The legal parameters in force when the notice was published: the assembly keeps them.
    rules = models.JSONField(_("rules applied"), default=dict, blank=True)
    record_date = models.DateField(_("record date"), null=True, blank=True)
    notice_published_at = models.DateTimeField(_("notice published at"), null=True, blank=True)
    newspaper = models.CharField(_("newspaper"), max_length=150, blank=True)
    newspaper_date = models.DateField(_("newspaper notice date"), null=True, blank=True)
    roll_size = models.PositiveIntegerField(_("members on the roll"), default=0)
    notices_total = models.PositiveIntegerField(default=0)
    notices_done = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("general assembly")
        verbose_name_plural = _("general assemblies")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["cooperative", "-starts_at"]), models.Index(fields=["state", "starts_at"])]

    def __str__(self):
        return self.title


class ItemKind(models.TextChoices):
    MOTION = "motion", _("Motion")
    ELECTION = "election", _("Election")


class Matter(models.TextChoices):
    """What an agenda item decides; some matters belong to extraordinary assemblies only."""

    GENERAL = "general", _("Other ordinary business")
    FINANCIAL_STATEMENTS = "financial_statements", _("Approval of the financial statements")
    BUDGET = "budget", _("Budget and plans")
    SURPLUS = "surplus", _("Distribution of the surplus")
    BOARD_ELECTION = "board_election", _("Election of the board of directors")
    INSPECTOR_ELECTION = "inspector_election", _("Election of inspectors")
    STATUTE_AMENDMENT = "statute_amendment", _("Amendment of the statute")
    BOARD_DISMISSAL = "board_dismissal", _("Dismissal of the board of directors")
    BOARD_RESIGNATION = "board_resignation", _("Acceptance of the board's resignation")
    MERGER = "merger", _("Merger")
    DISSOLUTION = "dissolution", _("Dissolution")
    INSPECTOR_VIOLATION_REPORT = "inspector_violation_report", _("Inspector's report of board violations")


EXTRAORDINARY_MATTERS = {
    Matter.STATUTE_AMENDMENT,
    Matter.BOARD_DISMISSAL,
    Matter.BOARD_RESIGNATION,
    Matter.MERGER,
    Matter.DISSOLUTION,
    Matter.INSPECTOR_VIOLATION_REPORT,
}
ELECTION_MATTERS = {Matter.BOARD_ELECTION, Matter.INSPECTOR_ELECTION}


class ItemState(models.TextChoices):
    PENDING = "pending", _("Not yet open")
    OPEN = "open", _("Voting open")
    CLOSED = "closed", _("Closed")


class AgendaItem(models.Model):
    """One point of the agenda: a motion (for / against / abstain) or an election."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    matter = models.CharField(_("matter"), max_length=40, choices=Matter.choices, default=Matter.GENERAL)
    seats = models.PositiveSmallIntegerField(_("seats"), default=0)
    alternates = models.PositiveSmallIntegerField(_("alternates"), default=0)
    state = models.CharField(_("state"), max_length=20, choices=ItemState.choices, default=ItemState.PENDING)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    quorum_at_open = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    ballot_count = models.PositiveIntegerField(default=0)
    chain_head = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["assembly", "position"]
        constraints = [models.UniqueConstraint(fields=["assembly", "position"], name="one_item_per_position")]

    def __str__(self):
        return self.title


class DocumentKind(models.TextChoices):
    FINANCIAL_STATEMENTS = "financial_statements", _("Financial statements")
    BOARD_REPORT = "board_report", _("Board of directors' report")
    STATUTE_PROPOSAL = "statute_proposal", _("Proposed statute change")
    OTHER = "other", _("Other document")


class AgendaDocument(models.Model):
    """A document members read before deciding an agenda item: a PDF or an image.

    The file lives in the default storage under a random name (never served from its path: the
    download goes through a view that checks reach). ``sha256`` is of the content as uploaded and
    shown to members. A document added once the notice was published is a correction, marked
    ``after_notice``; documents are removed only while the assembly is a draft.
    """

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    file = models.FileField(_("file"), max_length=200)
    original_name = models.CharField(max_length=130, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    after_notice = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agenda document")
        verbose_name_plural = _("agenda documents")
        ordering = ["item", "uploaded_at", "pk"]

    def __str__(self):
        return self.title

    @property
    def size_label(self) -> str:
        from taavon.core.uploads import human_size

        return human_size(self.size)

    @property
    def type_label(self) -> str:
        from taavon.core.uploads import LABELS

        return LABELS.get(self.content_type, self.content_type)


class RollEntry(models.Model):
    """A member on the voter roll, frozen at the record date when the notice is published."""

    # No database constraint on any of the three foreign keys. Person and membership: freezing a
    # 1,000,000-member roll spent most of its time locking every referenced row. Assembly: the
    # constraint is deferred, so the commit of the freeze ran one trigger per roll row (40 % of the
    # freeze at a million), checking an assembly the freeze holds locked. The roll is copied from
    # those very rows in one INSERT … SELECT, and Django still applies CASCADE / PROTECT / SET_NULL
    # on deletion (deleting an assembly deletes its roll; PostgreSQL never did that part).
    # No single-column index on assembly (the unique (assembly, person) serves it) or membership
    # (read only when a membership is deleted, to set its roll entries' reference to NULL).
    assembly = models.ForeignKey(
        Assembly, on_delete=models.CASCADE, related_name="roll", db_constraint=False, db_index=False
    )
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    membership = models.ForeignKey(
        "registry.Membership",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    votes = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("voter roll entry")
        verbose_name_plural = _("voter roll")
        constraints = [models.UniqueConstraint(fields=["assembly", "person"], name="one_roll_entry_per_person")]

    def __str__(self):
        return f"{self.assembly_id}:{self.person_id}"


class ProxyState(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Revoked")


# A proxy that still counts: its holder takes part in the assembly, its principal may not give another.
LIVE_PROXY_STATES = (ProxyState.PENDING, ProxyState.CONFIRMED)


class Proxy(models.Model):
    """A member's proxy (وکالت) to another member or to a non-member, for one assembly."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="proxies")
    principal = models.ForeignKey(RollEntry, on_delete=models.CASCADE, related_name="proxies_given")
    holder = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    holder_is_member = models.BooleanField(default=True)
    state = models.CharField(_("state"), max_length=20, choices=ProxyState.choices, default=ProxyState.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        constraints = [
            models.UniqueConstraint(
                fields=["principal"],
                condition=models.Q(state__in=["pending", "confirmed"]),
                name="one_live_proxy_per_principal",
            )
        ]
        indexes = [models.Index(fields=["assembly", "holder", "state"])]

    def __str__(self):
        return f"{self.principal_id} → {self.holder_id} ({self.state})"


class CheckIn(models.Model):
    """A member's presence at the session, online or recorded by the secretary."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="check_ins")
    roll_entry = models.OneToOneField(RollEntry, on_delete=models.CASCADE, related_name="check_in")
    at = models.DateTimeField(auto_now_add=True)
    by_secretary = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")


class ProxyHolderPresence(models.Model):
    """A non-member proxy holder's presence at the session (they have no roll entry to check in).

    Member holders are present through their own :class:`CheckIn`; a non-member holder joins the
    session (online, or recorded by the secretary) and this row says so. Unique per assembly and
    person, like a check-in.
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="holder_presences")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by_secretary = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("proxy holder's presence")
        verbose_name_plural = _("proxy holders' presence")
        constraints = [models.UniqueConstraint(fields=["assembly", "person"], name="one_presence_per_holder")]


class PresidingRole(models.TextChoices):
    CHAIR = "chair", _("Chair of the assembly")
    SECRETARY = "secretary", _("Secretary of the assembly")
    OBSERVER = "observer", _("Observer")


class PresidingMember(models.Model):
    """A member of the presiding board (هیئت رئیسه), recorded at the opening."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="presiding_board")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=PresidingRole.choices)

    class Meta:
        verbose_name = _("presiding board member")
        verbose_name_plural = _("presiding board")
        constraints = [models.UniqueConstraint(fields=["assembly", "person"], name="one_presiding_role_per_person")]


class CandidateState(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Candidate(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=CandidateState.choices, default=CandidateState.ELIGIBLE)
    reasons = models.JSONField(default=list, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    # The profile members read before and during the election (voting.profiles); the photo is
    # served only through a view that checks reach, like the agenda's documents.
    statement = models.TextField(_("statement"), blank=True, max_length=2000)
    qualifications = models.TextField(_("qualifications"), blank=True, max_length=2000)
    photo = models.FileField(_("photo"), blank=True, max_length=200)
    photo_type = models.CharField(max_length=40, blank=True)
    profile_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="one_candidacy_per_item")]

    def __str__(self):
        return f"{self.item_id}:{self.person_id}"


class VoteRecord(models.Model):
    """That a roll entry has voted on an item, and nothing about how. Unique: one vote each."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the unique (item, roll_entry) serves every look-up by item.
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="vote_records", db_index=False)
    roll_entry = models.ForeignKey(RollEntry, on_delete=models.CASCADE, related_name="+")
    by_proxy = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "roll_entry"], name="one_vote_per_voter_and_item")]


class Choice(models.IntegerChoices):
    FOR = 1, _("For")
    AGAINST = 2, _("Against")
    ABSTAIN = 3, _("Abstain")


class Ballot(models.Model):
    """A secret ballot. Knows its item and its content, never its voter.

    ``choice`` for motions; ``marks`` (candidate ids, sorted) for elections.
    ``receipt_hash`` is sha256 of the receipt code given to the voter.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexes: the (item, receipt_hash) one serves every look-up by item (and the chain's order);
    # receipt_hash is unique through a constraint, not ``unique=True``, which on PostgreSQL also
    # builds a second, pattern-matching index nothing uses.
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="ballots", db_index=False)
    receipt_hash = models.CharField(max_length=64)
    choice = models.PositiveSmallIntegerField(choices=Choice.choices, null=True, blank=True)
    marks = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["item", "receipt_hash"])]
        constraints = [models.UniqueConstraint(fields=["receipt_hash"], name="one_ballot_per_receipt")]


class BallotMark(models.Model):
    """One candidate marked on an election ballot: lets the tally be a GROUP BY."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["item", "candidate"])]


class AssemblyEvent(models.Model):
    """The assembly's own log, in order: what the minutes are drafted from."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]


class MinutesState(models.TextChoices):
    DRAFT = "draft", _("Draft, awaiting the presiding board")
    APPROVED = "approved", _("Approved by the presiding board")
    SUBMITTED = "submitted", _("Submitted for registration")
    REGISTERED = "registered", _("Registered by the provincial office")
    RETURNED = "returned", _("Returned by the provincial office")


class Minutes(models.Model):
    """The minutes (صورتجلسه) of one assembly, drafted from its event log."""

    assembly = models.OneToOneField(Assembly, on_delete=models.CASCADE, related_name="minutes")
    state = models.CharField(max_length=20, choices=MinutesState.choices, default=MinutesState.DRAFT)
    content = models.JSONField(default=dict)
    drafted_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    decisions_notified_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of ``content`` when the presiding board's approval completed (voting.anchors.minutes_digest),
    # also in the audit log's ``minutes.approve`` record: a later change of the content shows.
    approved_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self):
        return f"{self.assembly} ({self.state})"


class MinutesApproval(models.Model):
    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="approvals")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["minutes", "person"], name="one_approval_per_person")]
