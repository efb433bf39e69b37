"""The split of a co-funded award between pools never creates or loses a credit."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incentives.split import FIRST, SHARE, split_credits

totals = st.integers(min_value=0, max_value=10**12)
funders = st.lists(st.tuples(st.integers(min_value=0, max_value=1000),
                             st.one_of(st.none(), st.integers(min_value=0, max_value=10**6))),
                   min_size=1, max_size=8)


@given(totals, funders, st.sampled_from([SHARE, FIRST]))
def test_the_parts_always_add_up_to_the_award_and_none_is_negative(total, funders, mode):
    parts = split_credits(total, funders, mode)
    assert len(parts) == len(funders)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)


@given(totals, funders)
def test_each_share_is_within_one_credit_of_its_exact_proportion(total, funders):
    whole = sum(share for share, _cap in funders)
    parts = split_credits(total, funders, SHARE)
    if whole == 0:
        assert parts[0] == total
        return
    for part, (share, _cap) in zip(parts, funders, strict=True):
        exact = Fraction(total * share, whole)
        assert exact - 1 < part < exact + 1
        assert share or part == 0  # a funder with no share pays nothing


@given(totals, funders)
def test_in_order_every_funder_but_the_last_stays_within_its_cap(total, funders):
    parts = split_credits(total, funders, FIRST)
    left = total
    for part, (_share, cap) in list(zip(parts, funders, strict=True))[:-1]:
        assert part == (left if cap is None else min(cap, left))
        left -= part
    assert parts[-1] == left


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=50))
def test_equal_shares_differ_by_at_most_one_credit_and_earlier_funders_get_the_odd_ones(total, n):
    parts = split_credits(total, [(1, None)] * n, SHARE)
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


def test_examples():
    assert split_credits(50, [(1, None), (1, None)]) == [25, 25]
    assert split_credits(51, [(1, None), (1, None)]) == [26, 25]
    assert split_credits(100, [(2, None), (1, None)]) == [67, 33]
    assert split_credits(10, [(1, None)] * 3) == [4, 3, 3]
    assert split_credits(50, [(1, 30), (1, None)], FIRST) == [30, 20]
    assert split_credits(20, [(1, 30), (1, None)], FIRST) == [20, 0]
    assert split_credits(50, [(1, 10), (1, 10)], FIRST) == [10, 40]


def test_it_refuses_nonsense():
    with pytest.raises(ValueError):
        split_credits(-1, [(1, None)])
    with pytest.raises(ValueError):
        split_credits(1, [])
    with pytest.raises(ValueError):
        split_credits(1, [(1, None)], "lottery")
