"""Quorum, majority and election arithmetic: pure functions over the parameters an assembly
was convened under (``Assembly.rules``, a snapshot of :mod:`taavon.rules`).

Nothing here touches the database, so the rules are property-tested directly.
"""

import hashlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

# The parameters an assembly keeps from the day its notice is published.
ASSEMBLY_RULE_KEYS = (
    "assembly.notice_days_with_elections",
    "assembly.notice_days",
    "assembly.newspaper_notice_above_members",
    "assembly.decisions_notice_days",
    "assembly.quorum.ordinary.first",
    "assembly.quorum.ordinary.second",
    "assembly.quorum.extraordinary.first",
    "assembly.quorum.extraordinary.second",
    "assembly.majority.ordinary",
    "assembly.majority.extraordinary",
    "assembly.proxies_per_holder",
    "assembly.non_member_proxy_votes",
    "assembly.electronic_requires_all_verified",
    "assembly.annual_deadline_months",
    "board.term_years",
    "inspectors.term_years",
    "candidates.minimum_age",
)


def family(kind: str) -> str:
    """'extraordinary' or 'ordinary' (annual and specially called ordinary assemblies alike)."""
    return "extraordinary" if kind == "extraordinary" else "ordinary"


def _threshold(spec, base: int) -> int:
    """The smallest whole number of votes that meets ``spec`` out of ``base``.

    ``"half_plus_one"``: more than half; ``"any"``: one; ``"absolute"``: more than half;
    a fraction such as ``"2/3"``: at least that share.
    """
    if spec in ("half_plus_one", "absolute"):
        return base // 2 + 1
    if spec == "any":
        return 1
    share = Fraction(spec)
    return max(1, math.ceil(share * base))


@dataclass(frozen=True)
class Quorum:
    roll: int
    present: int
    represented: int
    required: int

    @property
    def votes_present(self) -> int:
        return self.present + self.represented

    @property
    def reached(self) -> bool:
        return self.roll > 0 and self.votes_present >= self.required

    def as_dict(self) -> dict:
        return {
            "roll": self.roll,
            "present": self.present,
            "represented": self.represented,
            "required": self.required,
            "reached": self.reached,
        }


def quorum(rules: Mapping, kind: str, call_number: int, *, roll: int, present: int, represented: int) -> Quorum:
    """The quorum of an assembly: present plus represented against the roll, by kind and call."""
    call = "first" if call_number == 1 else "second"
    spec = rules[f"assembly.quorum.{family(kind)}.{call}"]
    return Quorum(roll=roll, present=present, represented=represented, required=_threshold(spec, roll))


@dataclass(frozen=True)
class MotionResult:
    votes_for: int
    against: int
    abstain: int
    base: int
    required: int

    @property
    def passed(self) -> bool:
        return self.votes_for >= self.required

    def as_dict(self) -> dict:
        return {
            "for": self.votes_for,
            "against": self.against,
            "abstain": self.abstain,
            "base": self.base,
            "required": self.required,
            "passed": self.passed,
        }


def motion_result(rules: Mapping, kind: str, *, votes_for: int, against: int, abstain: int, base: int) -> MotionResult:
    """A motion passes with the majority for its assembly kind, of the votes present (``base``).

    Abstentions and votes not cast count as not in favour.
    """
    spec = rules[f"assembly.majority.{family(kind)}"]
    return MotionResult(votes_for, against, abstain, base, _threshold(spec, base) if base else 1)


@dataclass(frozen=True)
class ElectionResult:
    counts: dict  # candidate id -> votes
    elected: list  # candidate ids, best first
    alternates: list
    draws: list  # [{"tied": [...], "order": [...]}] for every tie that decided a place
    seed: str

    def as_dict(self) -> dict:
        return {
            "counts": {str(k): v for k, v in self.counts.items()},
            "elected": self.elected,
            "alternates": self.alternates,
            "draws": self.draws,
            "seed": self.seed,
        }


def draw_seed(item_id: int, chain_head: str) -> str:
    """The seed of an item's tie-break draw: fixed by its closed ballots, so anyone can redo it."""
    return hashlib.sha256(f"taavon-draw:{item_id}:{chain_head}".encode()).hexdigest()


def election_result(counts: Mapping[int, int], candidates: Sequence[int], *, seats: int, alternates: int, seed: str) -> ElectionResult:
    """Top ``seats`` candidates are elected, the next ``alternates`` are alternates.

    Ties are ordered by a random draw seeded with ``seed``; a draw is recorded only when the tie
    straddles a boundary (elected / alternate / neither), since only then does it decide anything.
    """
    votes = {c: int(counts.get(c, 0)) for c in candidates}
    rng = random.Random(seed)
    groups: dict[int, list[int]] = {}
    for c in sorted(votes):
        groups.setdefault(votes[c], []).append(c)
    ranking: list[int] = []
    draws = []
    boundaries = {seats, seats + alternates}
    for count in sorted(groups, reverse=True):
        tied = groups[count]
        order = list(tied)
        if len(tied) > 1:
            rng.shuffle(order)
            start, end = len(ranking), len(ranking) + len(tied)
            if any(start < b < end for b in boundaries):
                draws.append({"votes": count, "tied": tied, "order": order})
        ranking.extend(order)
    return ElectionResult(
        counts=votes,
        elected=ranking[:seats],
        alternates=ranking[seats : seats + alternates],
        draws=draws,
        seed=seed,
    )
