"""Who may read (and take down) an attachment is the rule of what owns it: the apps above register
their rules here when they start (their AppConfig.ready), and every download asks.

- readable(user, owner_id) -> bool: may this person read the owner now (a room message in a room they
  can read, a question of a cluster they belong to, ...). Asked on every download, so leaving a cluster
  ends access to its files at once.
- moderates(user, owner_id) -> bool: may this person take the owner's files down (facilitators).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OwnerRules:
    readable: Callable[[object, int], bool]
    moderates: Callable[[object, int], bool]
    url: Callable[[int], str] | None = None  # where the owner is shown (the files list links there)


_owners: dict[str, OwnerRules] = {}


def register(owner_type: str, *, readable, moderates, url=None) -> None:
    _owners[owner_type] = OwnerRules(readable=readable, moderates=moderates, url=url)


def rules_for(owner_type: str) -> OwnerRules | None:
    return _owners.get(owner_type)


def may_read(*, user, owner_type: str, owner_id: int | None) -> bool:
    rules = _owners.get(owner_type)
    if rules is None or owner_id is None or (user.is_authenticated and not user.is_active):
        return False
    # Anonymous people too: what they may read (a question of an open cluster) is the owner's to say.
    return bool(rules.readable(user, owner_id))


def may_moderate(*, user, owner_type: str, owner_id: int | None) -> bool:
    rules = _owners.get(owner_type)
    if rules is None or owner_id is None or not user.is_authenticated:
        return False
    return bool(rules.moderates(user, owner_id))
