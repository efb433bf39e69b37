"""The library's call into the incentive program: a library award for the author of the answer an
entry was built from, when the entry is first published. The award service keeps one live award per
source, applies the program's rate, caps and anti-gaming rules; we only say what happened, inside our
own transaction."""

from clusters.models import User
from incentives import awards


def entry_ref(entry) -> str:
    return f"library.entry:{entry.pk}"


def library_entry_grant(*, entry, title: str, acting_user: User) -> None:
    if entry.contributor is None or entry.source_cluster is None:
        return
    awards.award_grant(
        kind="library_entry", beneficiary=entry.contributor, cluster=entry.source_cluster,
        source_ref=entry_ref(entry), description=f"Library entry “{title}”"[:200], caused_by=acting_user,
        description_params={"title": title},
    )
