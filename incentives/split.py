"""How a co-funded award is divided between its funders' pools: a pure function, no database.

    split_credits(total, funders, mode) -> list[int]

`funders` are `(share, cap)` pairs in the funders' order. The parts are whole credits, never negative,
and always add up to `total` exactly: rounding never creates or loses a credit.

- `"share"`: in proportion to the shares, by largest remainder (each part is the exact proportion
  rounded down, and the credits left by the rounding go one each to the largest remainders, the
  earlier funder first on a tie). Each part is within one credit of the exact proportion. With every
  share zero, the first funder pays all.
- `"first"`: in order, each funder pays up to its cap (`None`: all that is left); the last one pays
  whatever is still left, above its cap if need be, so that the award is always paid whole.
"""

from collections.abc import Sequence

SHARE = "share"
FIRST = "first"


def split_credits(total: int, funders: Sequence[tuple[int, int | None]], mode: str = SHARE) -> list[int]:
    if total < 0:
        raise ValueError("total must not be negative")
    if not funders:
        raise ValueError("at least one funder")
    if mode == FIRST:
        parts, left = [], total
        for index, (_share, cap) in enumerate(funders):
            last = index == len(funders) - 1
            part = left if last or cap is None else min(cap, left)
            parts.append(part)
            left -= part
        return parts
    if mode != SHARE:
        raise ValueError(f"unknown split mode {mode!r}")
    weights = [max(share, 0) for share, _cap in funders]
    whole = sum(weights)
    if whole == 0:
        return [total] + [0] * (len(funders) - 1)
    parts = [total * weight // whole for weight in weights]
    left = total - sum(parts)  # fewer than the number of funders
    by_remainder = sorted(range(len(funders)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts
