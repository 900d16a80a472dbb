"""Property tests of the assembly arithmetic (``assemblies.law``): quorum, majority, elections.

No database: the rules are the defaults of ``taavon.rules.parameters``, as an assembly would
snapshot them on the day its notice is published.
"""

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from taavon.assemblies import law
from taavon.rules.parameters import PARAMETERS

RULES = {
    key: str(PARAMETERS[key].default) if isinstance(PARAMETERS[key].default, Fraction) else PARAMETERS[key].default
    for key in law.ASSEMBLY_RULE_KEYS
}
KINDS = ("annual_ordinary", "called_ordinary", "extraordinary")
PROXY_CAP = PARAMETERS["assembly.proxies_per_holder"].default

rolls = st.integers(min_value=1, max_value=1_000_000)
kinds = st.sampled_from(KINDS)
calls = st.sampled_from((1, 2))


def required(kind, call, roll):
    return law.quorum(RULES, kind, call, roll=roll, present=0, represented=0).required


# --------------------------------------------------------------------------- quorum


@given(kinds, calls, rolls, rolls)
def test_a_larger_roll_never_needs_fewer_members(kind, call, a, b):
    small, large = sorted((a, b))
    assert required(kind, call, small) <= required(kind, call, large)


@given(kinds, calls, rolls, st.data())
def test_more_members_present_never_loses_a_quorum(kind, call, roll, data):
    fewer = data.draw(st.integers(min_value=0, max_value=roll))
    more = data.draw(st.integers(min_value=fewer, max_value=roll))
    q_fewer = law.quorum(RULES, kind, call, roll=roll, present=fewer, represented=0)
    q_more = law.quorum(RULES, kind, call, roll=roll, present=more, represented=0)
    assert not q_fewer.reached or q_more.reached


@given(rolls, st.data())
def test_an_ordinary_first_call_needs_exactly_more_than_half(roll, data):
    present = data.draw(st.integers(min_value=0, max_value=roll))
    quorum = law.quorum(RULES, "annual_ordinary", 1, roll=roll, present=present, represented=0)
    assert quorum.required == roll // 2 + 1
    assert quorum.reached == (2 * present > roll)


def test_half_plus_one_at_the_edges():
    assert [required("annual_ordinary", 1, n) for n in (1, 2, 3, 7, 8, 1_000_000)] == [1, 2, 2, 4, 5, 500_001]
    assert not law.quorum(RULES, "annual_ordinary", 1, roll=8, present=4, represented=0).reached
    assert law.quorum(RULES, "annual_ordinary", 1, roll=8, present=4, represented=1).reached


@given(st.sampled_from(("annual_ordinary", "called_ordinary")), rolls, st.integers(min_value=1, max_value=10))
def test_an_ordinary_second_call_meets_with_any_number(kind, roll, present):
    quorum = law.quorum(RULES, kind, 2, roll=roll, present=min(present, roll), represented=0)
    assert quorum.required == 1 and quorum.reached


@given(rolls)
def test_nobody_present_is_never_a_quorum(roll):
    for kind in KINDS:
        for call in (1, 2):
            assert not law.quorum(RULES, kind, call, roll=roll, present=0, represented=0).reached


@given(rolls, st.data())
def test_an_extraordinary_first_call_needs_two_thirds(roll, data):
    present = data.draw(st.integers(min_value=0, max_value=roll))
    quorum = law.quorum(RULES, "extraordinary", 1, roll=roll, present=present, represented=0)
    assert quorum.required == max(1, math.ceil(Fraction(2, 3) * roll))
    assert quorum.reached == (3 * present >= 2 * roll)


@given(rolls, st.data())
def test_an_extraordinary_second_call_needs_more_than_half(roll, data):
    present = data.draw(st.integers(min_value=0, max_value=roll))
    assert law.quorum(RULES, "extraordinary", 2, roll=roll, present=present, represented=0).reached == (
        2 * present > roll
    )


@given(st.integers(min_value=1, max_value=250_000), kinds, calls)
def test_proxies_at_the_cap_count_like_members_present(holders, kind, call):
    """Every present member holding the most proxies allowed: each brings 1 + cap votes."""
    roll = holders * (1 + PROXY_CAP)
    quorum = law.quorum(RULES, kind, call, roll=roll, present=holders, represented=holders * PROXY_CAP)
    assert quorum.votes_present == roll and quorum.reached
    short = law.quorum(RULES, kind, call, roll=roll + holders, present=holders, represented=holders * PROXY_CAP)
    assert short.reached == (short.votes_present >= short.required)


# --------------------------------------------------------------------------- motions

votes = st.integers(min_value=0, max_value=100_000)


@given(votes, votes, votes, st.integers(min_value=0, max_value=100_000))
def test_an_ordinary_motion_passes_with_an_absolute_majority_of_votes_present(votes_for, against, abstain, absent):
    base = votes_for + against + abstain + absent
    result = law.motion_result(
        RULES, "annual_ordinary", votes_for=votes_for, against=against, abstain=abstain, base=base
    )
    assert result.passed == (base > 0 and 2 * votes_for > base)


@given(votes, votes, votes, st.integers(min_value=0, max_value=100_000))
def test_an_extraordinary_motion_needs_two_thirds_of_votes_present(votes_for, against, abstain, absent):
    base = votes_for + against + abstain + absent
    result = law.motion_result(RULES, "extraordinary", votes_for=votes_for, against=against, abstain=abstain, base=base)
    assert result.passed == (base > 0 and 3 * votes_for >= 2 * base)


@given(votes, votes, votes, kinds)
def test_abstentions_and_votes_against_only_matter_through_the_base(votes_for, against, abstain, kind):
    base = votes_for + against + abstain
    one = law.motion_result(RULES, kind, votes_for=votes_for, against=against, abstain=abstain, base=base)
    other = law.motion_result(RULES, kind, votes_for=votes_for, against=against + abstain, abstain=0, base=base)
    assert one.passed == other.passed and one.required == other.required


@given(votes, votes, kinds)
def test_one_more_vote_for_never_fails_a_passing_motion(votes_for, rest, kind):
    base = votes_for + rest + 1
    before = law.motion_result(RULES, kind, votes_for=votes_for, against=rest + 1, abstain=0, base=base)
    after = law.motion_result(RULES, kind, votes_for=votes_for + 1, against=rest, abstain=0, base=base)
    assert not before.passed or after.passed


# --------------------------------------------------------------------------- elections

counts_strategy = st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=12)
seeds = st.text(alphabet="0123456789abcdef", min_size=8, max_size=64)


def _election(counts, seats, alternates, seed):
    candidates = list(range(100, 100 + len(counts)))
    return law.election_result(
        dict(zip(candidates, counts, strict=True)), candidates, seats=seats, alternates=alternates, seed=seed
    ), candidates


@given(counts_strategy, st.integers(min_value=1, max_value=7), st.integers(min_value=0, max_value=3), seeds)
def test_the_top_n_are_elected_and_the_next_m_are_alternates(counts, seats, alternates, seed):
    result, candidates = _election(counts, seats, alternates, seed)
    votes = result.counts
    others = [c for c in candidates if c not in result.elected and c not in result.alternates]
    assert len(result.elected) == min(seats, len(candidates))
    assert len(result.alternates) == min(alternates, max(0, len(candidates) - seats))
    assert not set(result.elected) & set(result.alternates)
    assert all(votes[e] >= votes[a] for e in result.elected for a in result.alternates + others)
    assert all(votes[a] >= votes[o] for a in result.alternates for o in others)
    assert [votes[c] for c in result.elected] == sorted((votes[c] for c in result.elected), reverse=True)


@given(counts_strategy, st.integers(min_value=1, max_value=7), st.integers(min_value=0, max_value=3), seeds)
def test_the_same_seed_draws_the_same_order(counts, seats, alternates, seed):
    first, _ = _election(counts, seats, alternates, seed)
    again, _ = _election(counts, seats, alternates, seed)
    assert first == again


@given(counts_strategy, st.integers(min_value=1, max_value=7), st.integers(min_value=0, max_value=3), seeds)
def test_a_draw_is_recorded_exactly_when_a_tie_straddles_a_boundary(counts, seats, alternates, seed):
    result, candidates = _election(counts, seats, alternates, seed)
    boundaries = {seats, seats + alternates}
    ranking = result.elected + result.alternates
    expected = []
    position = 0
    for count in sorted(set(result.counts.values()), reverse=True):
        tied = sorted(c for c in candidates if result.counts[c] == count)
        start, end = position, position + len(tied)
        if len(tied) > 1 and any(start < b < end for b in boundaries):
            expected.append(tied)
        position = end
    assert [draw["tied"] for draw in result.draws] == expected
    for draw in result.draws:
        assert sorted(draw["order"]) == draw["tied"]
        # The draw's order is the order in which the tied candidates were ranked.
        placed = [c for c in ranking if c in draw["tied"]]
        assert placed == draw["order"][: len(placed)]


def test_a_tie_for_the_last_seat_is_drawn_reproducibly_and_different_seeds_can_differ():
    counts = {1: 5, 2: 4, 3: 3, 4: 3, 5: 1}
    outcomes = set()
    for n in range(40):
        seed = law.draw_seed(9, f"{n:064x}")
        result = law.election_result(counts, [1, 2, 3, 4, 5], seats=3, alternates=1, seed=seed)
        assert result.elected[:2] == [1, 2] and set(result.elected[2:] + result.alternates) == {3, 4}
        assert result.draws == [{"votes": 3, "tied": [3, 4], "order": result.elected[2:] + result.alternates}]
        assert result == law.election_result(counts, [1, 2, 3, 4, 5], seats=3, alternates=1, seed=seed)
        outcomes.add(tuple(result.elected))
    assert outcomes == {(1, 2, 3), (1, 2, 4)}


def test_a_tie_that_decides_nothing_is_not_drawn():
    result = law.election_result({1: 5, 2: 5, 3: 1, 4: 1}, [1, 2, 3, 4], seats=2, alternates=0, seed="x")
    assert set(result.elected) == {1, 2} and result.draws == []


def test_the_draw_seed_depends_on_the_item_and_its_closed_ballots():
    head = "ab" * 32
    assert law.draw_seed(1, head) == law.draw_seed(1, head)
    assert law.draw_seed(1, head) != law.draw_seed(2, head)
    assert law.draw_seed(1, head) != law.draw_seed(1, "cd" * 32)


@settings(max_examples=30)
@given(st.integers(min_value=0, max_value=4), st.integers(min_value=0, max_value=3))
def test_fewer_candidates_than_seats_elects_them_all(n, alternates):
    candidates = list(range(1, n + 1))
    result = law.election_result({}, candidates, seats=5, alternates=alternates, seed="s")
    assert sorted(result.elected) == candidates and result.alternates == []
