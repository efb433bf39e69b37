"""Mentoring's fixtures: mentor profiles for the personas, and a recorder for what mentoring asks of the
apps above it (rooms, notifications, awards), so each rule can be checked on its own.

A test that wants the real messaging and incentives services asks for the `real_outside` fixture.
"""

from dataclasses import dataclass, field

import pytest

from mentoring import external, services


@dataclass
class Outside:
    notifications: list[dict] = field(default_factory=list)
    awards: list[dict] = field(default_factory=list)
    rooms: list = field(default_factory=list)
    archived: list = field(default_factory=list)

    def kinds_for(self, user) -> list[str]:
        return [n["kind"] for n in self.notifications if n["recipient"].pk == user.pk]


@pytest.fixture
def real_outside():
    """Marker fixture: leave mentoring.external alone."""
    return None


@pytest.fixture(autouse=True)
def outside(request, monkeypatch):
    if "real_outside" in request.fixturenames:
        return None
    recorder = Outside()

    def room_for_mentorship(*, mentor, mentee):
        from messaging.models import Room, RoomMember

        room = Room.objects.create(kind=Room.Kind.MENTORSHIP, name="Mentorship", created_by=mentor)
        RoomMember.objects.bulk_create([RoomMember(room=room, user=mentor), RoomMember(room=room, user=mentee)])
        recorder.rooms.append(room)
        return room

    def room_close(*, room):
        recorder.archived.append(room)

    def notify(*, recipient, kind, template, params, url, actor=None, email_if_offline=False):
        from infra.words import stored, words

        recorder.notifications.append(
            {"recipient": recipient, "kind": kind, "text": words(stored(template, **params)), "url": url,
             "actor": actor}
        )

    def session_pay(**kwargs):
        recorder.awards.append(kwargs)

    monkeypatch.setattr(external, "room_for_mentorship", room_for_mentorship)
    monkeypatch.setattr(external, "room_close", room_close)
    monkeypatch.setattr(external, "notify", notify)
    monkeypatch.setattr(external, "session_pay", session_pay)
    return recorder


def make_mentor(user, *, sectors=(), markets=(("DE", 2015), ("US", 2018)), topics=("pricing", "logistics"),
                languages=("es", "en"), capacity=2, **extra):
    return services.mentor_profile_save(
        user=user, sectors=list(sectors), markets=list(markets), topics=list(topics), languages=list(languages),
        capacity=capacity, bio="Exportamos café verde desde 2015.", **extra,
    )


@pytest.fixture
def mateo_profile(mateo, sector):
    return make_mentor(mateo, sectors=[sector])


GOAL = "Ship our first container of washed coffee to a roaster in Germany this year."
