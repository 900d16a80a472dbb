"""The legal parameters of cooperative law, one place for all of them.

Each :class:`Parameter` carries its default, the legal reference it comes from and whether that
reference was checked against the official text (``verified``). Code never writes these numbers
as literals: it asks :func:`taavon.rules.get` for the value in force on a date, so an
administrator's change (a :class:`~taavon.rules.models.ParameterValue` effective from a date)
applies to new work while old assemblies keep the rules they were convened under.
"""

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Parameter:
    key: str
    default: Any
    description: Any  # lazy translation
    reference: Any  # lazy translation: the article, regulation or letter it comes from
    verified: bool

    def cite(self) -> str:
        """A short human citation used next to every check that applies this parameter."""
        return f"{self.description} ({self.reference})"


# Minimum / maximum members by the cooperative type used for legal minimums (LAW.md table).
MEMBERSHIP_LIMITS_BY_TYPE = {
    "employment": (7, None),
    "trade": (20, None),
    "border": (1000, None),
    "student": (50, None),
    "housing": (7, 200),
    "consumer": (500, None),
    "credit": (50, None),
    "rural": (200, None),
    "union": (7, None),
}

_LAW = _("Cooperative Sector Law, amended 1393")
_REG_6_20 = _("Regulation on Articles 6 and 20 of the Cooperative Sector Law")
_ASSEMBLY_REG = _("Regulation on cooperative general assemblies, 1387")

PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in [
        Parameter("members.minimum", 7, _("Minimum members of a cooperative"), _LAW, True),
        Parameter(
            "members.limits_by_type",
            MEMBERSHIP_LIMITS_BY_TYPE,
            _("Minimum and maximum members by cooperative type"),
            _REG_6_20,
            True,
        ),
        Parameter(
            "capital.paid_in_minimum_at_registration",
            Fraction(1, 3),
            _("Share of subscribed capital paid in at registration"),
            _("Article 21, Cooperative Sector Law"),
            True,
        ),
        Parameter(
            "capital.max_member_share",
            Fraction(20, 100),
            _("Largest share of capital one member may hold"),
            _LAW,
            False,
        ),
        Parameter("board.size_min", 3, _("Fewest principal members of the board of directors"), _LAW, True),
        Parameter("board.size_max", 7, _("Most principal members of the board of directors"), _LAW, True),
        Parameter("board.term_years", 3, _("Term of the board of directors, in years"), _LAW, False),
        Parameter("board.alternates_min", 1, _("Fewest alternate board members"), _LAW, False),
        Parameter("board.alternates_max", 3, _("Most alternate board members"), _LAW, False),
        # LAW.md gives neither of the next two; both follow the model statute and company law,
        # unverified until checked against the gazette.
        Parameter(
            "board.meeting_quorum",
            "half_plus_one",
            _("Quorum of a board meeting: principal board members present"),
            _("Model statute of cooperatives (board meetings)"),
            False,
        ),
        Parameter(
            "board.chair_may_be_managing_director",
            False,
            _("The chair of the board may also be the managing director"),
            _("Commercial Code, Article 124, applied to cooperatives"),
            False,
        ),
        Parameter(
            "candidates.minimum_age",
            18,
            _("Minimum age of a candidate for the board or inspectors, in years"),
            _("Civil Code, Article 1210 (age of majority)"),
            False,
        ),
        Parameter("inspectors.term_years", 1, _("Term of inspectors, in fiscal years"), _LAW, True),
        Parameter(
            "assembly.annual_deadline_months",
            4,
            _("Annual ordinary assembly held within months after fiscal year end"),
            _("Article 33, Cooperative Sector Law"),
            True,
        ),
        Parameter(
            "assembly.invitation_deadline_months",
            2,
            _("Board publishes the annual invitation within months after fiscal year end"),
            _ASSEMBLY_REG,
            True,
        ),
        Parameter(
            "assembly.notice_days_with_elections",
            (20, 40),
            _("Notice window in days when elections are on the agenda"),
            _ASSEMBLY_REG,
            True,
        ),
        Parameter("assembly.notice_days", (10, 40), _("Notice window in days otherwise"), _ASSEMBLY_REG, False),
        Parameter(
            "assembly.newspaper_notice_above_members",
            100,
            _("Newspaper notice required above this many members"),
            _ASSEMBLY_REG,
            True,
        ),
        Parameter(
            "assembly.decisions_notice_days",
            15,
            _("Members notified of decisions within days"),
            _ASSEMBLY_REG,
            True,
        ),
        Parameter(
            "assembly.quorum.ordinary.first",
            "half_plus_one",
            _("Quorum of an ordinary assembly, first call"),
            _ASSEMBLY_REG,
            True,
        ),
        Parameter(
            "assembly.quorum.ordinary.second", "any", _("Quorum of an ordinary assembly, second call"), _ASSEMBLY_REG, True
        ),
        Parameter(
            "assembly.quorum.extraordinary.first",
            Fraction(2, 3),
            _("Quorum of an extraordinary assembly, first call"),
            _ASSEMBLY_REG,
            False,
        ),
        Parameter(
            "assembly.quorum.extraordinary.second",
            "half_plus_one",
            _("Quorum of an extraordinary assembly, second call"),
            _ASSEMBLY_REG,
            False,
        ),
        Parameter(
            "assembly.majority.ordinary",
            "absolute",
            _("Majority for ordinary decisions, of votes present"),
            _ASSEMBLY_REG,
            False,
        ),
        Parameter(
            "assembly.majority.extraordinary",
            Fraction(2, 3),
            _("Majority for extraordinary decisions and the statute, of votes present"),
            _ASSEMBLY_REG,
            False,
        ),
        Parameter(
            "assembly.proxies_per_holder", 3, _("Proxies one member may carry besides their own vote"), _ASSEMBLY_REG, True
        ),
        Parameter("assembly.non_member_proxy_votes", 1, _("Votes a non-member proxy carries"), _ASSEMBLY_REG, True),
        Parameter(
            "assembly.two_stage_above_members",
            500,
            _("Two-stage assembly allowed above this many members"),
            _ASSEMBLY_REG,
            True,
        ),
        Parameter(
            "assembly.electronic_requires_all_verified",
            True,
            _("Electronic assembly only when every member is entered and verified"),
            _("Ministry letter 98943, 1400/06/13"),
            True,
        ),
    ]
}
