import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from clusters.models import ClusterMembership
from messaging import selectors, services
from messaging.models import Message, Notification, Room


def test_the_general_room_is_created_once_per_cluster(coffee):
    first = services.room_general_for_cluster(cluster=coffee)
    again = services.room_general_for_cluster(cluster=coffee)
    assert first == again
    assert first.is_general and first.kind == Room.Kind.CLUSTER
    assert Room.objects.filter(cluster=coffee).count() == 1


def test_cluster_members_read_the_general_room_and_outsiders_get_404(general, ana, otto, nadie):
    assert selectors.room_for_user(user=ana, room_id=general.pk) == general
    for outsider in (otto, nadie):
        with pytest.raises(Http404):
            selectors.room_for_user(user=outsider, room_id=general.pk)
    with pytest.raises(Http404):
        selectors.room_for_user(user=ana, room_id=general.pk + 1000)


def test_a_mentorship_room_holds_exactly_the_mentor_and_the_mentee(ana, mateo, lucia):
    room = services.room_create_mentorship(mentor=mateo, mentee=ana, name="Ana + Mateo")
    assert selectors.room_for_user(user=ana, room_id=room.pk) == room
    assert selectors.room_for_user(user=mateo, room_id=room.pk) == room
    with pytest.raises(Http404):
        selectors.room_for_user(user=lucia, room_id=room.pk)


def test_an_archived_room_can_be_read_but_not_written(ana, mateo):
    room = services.room_create_mentorship(mentor=mateo, mentee=ana, name="Ana + Mateo")
    services.message_post(room=room, author=ana, body="¡Gracias por todo!")
    services.room_archive(room=room)
    room.refresh_from_db()
    assert room.is_archived
    with pytest.raises(ValidationError) as exc:
        services.message_post(room=room, author=mateo, body="De nada")
    assert exc.value.code == "archived"
    assert selectors.room_for_user(user=ana, room_id=room.pk) == room


def test_a_message_is_rendered_and_sanitised_once_on_write(general, ana):
    message = services.message_post(room=general, author=ana, body="**FDA** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>FDA</strong>" in message.body_html
    assert "<script" not in message.body_html
    assert "href=\"javascript" not in message.body_html


@pytest.mark.parametrize("body, code", [("", "empty"), ("   \n ", "empty"), ("x" * 4001, "too_long")])
def test_empty_or_too_long_messages_are_refused_and_nothing_is_stored(general, ana, body, code):
    with pytest.raises(ValidationError) as exc:
        services.message_post(room=general, author=ana, body=body)
    assert exc.value.code == code
    assert not Message.objects.exists()


def test_a_message_of_exactly_4000_characters_is_accepted(general, ana):
    assert services.message_post(room=general, author=ana, body="x" * 4000).pk


def test_outsiders_cannot_post(general, otto):
    with pytest.raises(PermissionDenied):
        services.message_post(room=general, author=otto, body="hola")
    assert not Message.objects.exists()


def test_the_same_client_id_posts_once(general, ana):
    first = services.message_post(room=general, author=ana, body="hola", client_id="c-1")
    again = services.message_post(room=general, author=ana, body="hola", client_id="c-1")
    assert first.pk == again.pk
    assert Message.objects.count() == 1


def test_nul_characters_are_dropped_so_postgresql_can_store_the_message(general, ana):
    message = services.message_post(room=general, author=ana, body="ho\x00la", client_id="c\x00-1")
    message.refresh_from_db()
    assert (message.body, message.client_id) == ("hola", "c-1")


def test_a_client_id_used_in_one_room_is_refused_in_another(general, ana, mateo):
    services.message_post(room=general, author=ana, body="hola", client_id="c-1")
    direct = services.room_direct(user=ana, other=mateo)
    with pytest.raises(ValidationError) as refused:
        services.message_post(room=direct, author=ana, body="hola", client_id="c-1")
    assert refused.value.code == "client_id_reused"
    assert list(Message.objects.values_list("room_id", flat=True)) == [general.pk]


def test_a_mention_notifies_the_person_and_is_marked_up(
    general, ana, mateo, otto, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_post(room=general, author=ana, body="@mateo ¿cómo registro mi finca en la FDA? cc @otto")
    assert '<span class="mention">@mateo</span>' in message.body_html
    assert "@otto" in message.body_html and 'mention">@otto' not in message.body_html
    note = Notification.objects.get()
    assert note.recipient == mateo and note.kind == "mention" and note.actor == ana
    assert note.url.endswith(f"#m{message.pk}")
    # Mateo has no socket open anywhere: he gets an email too.
    assert [mail.to for mail in mailoutbox] == [[mateo.email]]


def test_a_mention_is_a_name_of_someone_in_the_room_never_an_email_address(general, ana, mateo, lucia, otto):
    """"@Mateo Restrepo" (any case, with or without accents) and a first name nobody else in the room
    has mention that person; an email address's first part mentions nobody; a first name two people
    share needs the full name."""
    from tests.conftest import activate, make_person

    activate(make_person("ml@example.org", name="Mateo López"), general.cluster)
    message = services.message_post(
        room=general, author=ana,
        body="@mateo restrepo y @LUCIA: ¿y @mateo? cc @otto y mateo@demo.puente",
    )
    assert '<span class="mention">@mateo restrepo</span>' in message.body_html
    assert '<span class="mention">@LUCIA</span>' in message.body_html
    assert message.body_html.count('class="mention"') == 2  # "@mateo" alone is two people; otto is elsewhere
    assert {note.recipient for note in Notification.objects.all()} == {mateo, lucia}
    # The first part of an email address is nobody's name here.
    lucia.email = "lv@demo.puente"
    lucia.save(update_fields=["email"])
    plain = services.message_post(room=general, author=ana, body="hola @lv")
    assert "mention" not in plain.body_html


def test_the_rate_limit_allows_20_messages_in_10_seconds_and_refuses_the_21st(ana):
    for _ in range(20):
        services.message_rate_check(user=ana)
    with pytest.raises(ValidationError) as exc:
        services.message_rate_check(user=ana)
    assert exc.value.code == "rate_limited"


def test_the_rate_limit_window_slides_across_the_boundary_and_forgets_after_it(ana, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    start = 1_800_000_000.0  # a multiple of the 10 s window
    clock = [start + 9.9]
    from infra import ratelimit

    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    for _ in range(20):
        services.message_rate_check(user=ana)
    clock[0] = start + 10.05  # a new window, but the last one's 20 still count for almost all of them
    with pytest.raises(ValidationError):
        services.message_rate_check(user=ana)
    clock[0] = start + 19.9  # the last window weighs 1 % now: 20 × 0.01 + the refused 1 + this one
    services.message_rate_check(user=ana)
    clock[0] = start + 30.5  # two windows later nothing counts
    for _ in range(20):
        services.message_rate_check(user=ana)


def test_the_author_edits_within_the_window_and_the_history_keeps_the_old_text(general, ana, mateo, settings):
    message = services.message_post(room=general, author=ana, body="Precio FOB 4.20")
    services.message_edit(message=message, editor=ana, body="Precio FOB 4.50")
    message.refresh_from_db()
    assert message.body == "Precio FOB 4.50" and message.edited_at
    assert [edit.body for edit in message.edits.all()] == ["Precio FOB 4.20"]
    with pytest.raises(PermissionDenied):
        services.message_edit(message=message, editor=mateo, body="hack")
    settings.PUENTE_MESSAGE_EDIT_WINDOW = 0
    with pytest.raises(ValidationError) as exc:
        services.message_edit(message=message, editor=ana, body="later")
    assert exc.value.code == "edit_window"


def test_facilitators_delete_in_their_cluster_and_others_cannot(general, ana, mateo, lucia):
    message = services.message_post(room=general, author=ana, body="spam")
    with pytest.raises(PermissionDenied):
        services.message_delete(message=message, acting_user=mateo)
    services.message_delete(message=message, acting_user=lucia)
    message.refresh_from_db()
    assert message.is_deleted and message.deleted_by == lucia


def test_direct_rooms_need_a_shared_cluster(ana, mateo, otto):
    room = services.room_direct(user=ana, other=mateo)
    assert services.room_direct(user=mateo, other=ana) == room
    assert selectors.room_for_user(user=mateo, room_id=room.pk) == room
    with pytest.raises(PermissionDenied):
        services.room_direct(user=ana, other=otto)


def test_only_facilitators_create_topic_rooms(coffee, lucia, ana):
    room = services.room_create_topic(cluster=coffee, creator=lucia, name="Envíos de muestras", topic="DHL, FedEx")
    assert room.slug == "envios-de-muestras"
    with pytest.raises(PermissionDenied):
        services.room_create_topic(cluster=coffee, creator=ana, name="Mine")


def test_a_suspended_member_loses_the_cluster_rooms(general, ana, lucia):
    services.member_suspend(cluster=general.cluster, user=ana, acting_user=lucia)
    with pytest.raises(Http404):
        selectors.room_for_user(user=ana, room_id=general.pk)
    with pytest.raises(PermissionDenied):
        services.message_post(room=general, author=ana, body="hola")


def test_a_removed_member_loses_the_cluster_rooms(general, ana, lucia):
    membership = ClusterMembership.objects.get(user=ana, cluster=general.cluster)
    from clusters.services import membership_remove

    membership_remove(membership=membership, acting_user=lucia)
    with pytest.raises(Http404):
        selectors.room_for_user(user=ana, room_id=general.pk)


def test_unread_counts_follow_the_read_position(general, ana, mateo, lucia):
    services.message_post(room=general, author=ana, body="uno")
    second = services.message_post(room=general, author=ana, body="dos")
    assert selectors.nav_counts(user=mateo)["messages"] == 2
    assert selectors.nav_counts(user=ana)["messages"] == 0
    services.room_mark_read(room=general, user=mateo, message_id=second.pk)
    assert selectors.nav_counts(user=mateo)["messages"] == 0
    services.room_set_preferences(room=general, user=lucia, muted=True)
    assert selectors.nav_counts(user=lucia)["messages"] == 0
    assert {room.pk: room.unread for room in selectors.rooms_overview(user=lucia)} == {general.pk: 2}


def test_the_badge_agrees_with_the_rooms_list_over_every_kind_of_room_and_state(
    general, coffee, seafood, ana, mateo, lucia, otto, superuser
):
    """The badge's count is plain SQL; the Messages list counts through the ORM (rooms_overview). For
    everyone, the badge is the sum of the list's unread over the rooms not muted."""
    from tests.conftest import activate

    topic = services.room_create_topic(cluster=coffee, creator=lucia, name="Muestras")
    direct = services.room_direct(user=ana, other=mateo)
    mentorship = services.room_create_mentorship(mentor=lucia, mentee=mateo, name="Tostado")
    seafood_general = services.room_general_for_cluster(cluster=seafood)
    activate(mateo, seafood)
    for room, author in [(general, ana), (general, mateo), (topic, lucia), (direct, ana), (mentorship, lucia),
                         (seafood_general, otto), (general, lucia)]:
        services.message_post(room=room, author=author, body=f"hola de {author.name}")
    deleted = services.message_post(room=general, author=ana, body="borrame")
    services.message_delete(message=deleted, acting_user=lucia)
    read_to = services.message_post(room=topic, author=ana, body="leído")
    services.message_post(room=topic, author=ana, body="sin leer")
    services.room_mark_read(room=topic, user=mateo, message_id=read_to.pk)
    services.room_set_preferences(room=direct, user=mateo, muted=True)
    services.member_suspend(cluster=coffee, user=otto, acting_user=lucia)  # not a member: nothing to lose
    services.notification_create(recipient=mateo, kind="award", text="10 credits", url="/x/")

    def from_the_list(user):
        return sum(room.unread for room in selectors.rooms_overview(user=user) if not room.muted)

    for user in (ana, mateo, lucia, otto, superuser):
        assert selectors.nav_counts(user=user)["messages"] == from_the_list(user), user.email
    assert selectors.nav_counts(user=mateo) == {"messages": from_the_list(mateo), "notifications": 1}
    assert from_the_list(mateo) > 0 and from_the_list(superuser) > 0
    # States that take rooms away: suspended from the cluster's rooms, then the cluster switched off.
    services.member_suspend(cluster=coffee, user=mateo, acting_user=lucia)
    assert selectors.nav_counts(user=mateo)["messages"] == from_the_list(mateo)
    seafood.is_active = False
    seafood.save()
    for user in (ana, mateo, otto, superuser):
        assert selectors.nav_counts(user=user)["messages"] == from_the_list(user), user.email


def test_notification_create_counts_in_the_badge(ana, mateo):
    services.notification_create(recipient=ana, kind="award", text="10 credits", url="/x/", actor=mateo)
    services.notification_create(recipient=ana, kind="x", text="bad", url="javascript:alert(1)")
    assert selectors.nav_counts(user=ana)["notifications"] == 2
    assert Notification.objects.get(kind="x").url == ""
    services.notifications_mark_read(user=ana)
    assert selectors.nav_counts(user=ana)["notifications"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_navigation_counts_are_cached_and_forgotten_when_the_persons_own_state_changes(
    general, ana, mateo, monkeypatch
):
    # transaction=True: the cached counts are forgotten after a real commit.
    first = services.message_post(room=general, author=ana, body="uno")
    assert selectors.nav_counts_cached(user=mateo) == {"messages": 1, "notifications": 0}
    # Others' new messages may wait for the cache to expire (its timeout)...
    second = services.message_post(room=general, author=ana, body="dos")
    assert selectors.nav_counts_cached(user=mateo)["messages"] == 1
    # ... but what the person does shows at once: reading, muting, being notified, reading notifications.
    services.room_mark_read(room=general, user=mateo, message_id=first.pk)
    assert selectors.nav_counts_cached(user=mateo)["messages"] == 1  # "dos" is still unread
    services.room_mark_read(room=general, user=mateo, message_id=second.pk)
    assert selectors.nav_counts_cached(user=mateo)["messages"] == 0
    services.message_post(room=general, author=ana, body="tres")
    services.room_set_preferences(room=general, user=mateo, muted=False)
    assert selectors.nav_counts_cached(user=mateo)["messages"] == 1
    services.notification_create(recipient=mateo, kind="award", text="10 credits", url="/x/")
    assert selectors.nav_counts_cached(user=mateo)["notifications"] == 1
    services.notifications_mark_read(user=mateo)
    assert selectors.nav_counts_cached(user=mateo)["notifications"] == 0


def test_reports_reach_the_facilitators_queue(general, ana, mateo, lucia):
    message = services.message_post(room=general, author=ana, body="compra mis seguidores")
    report = services.message_report(message=message, reporter=mateo, reason="spam")
    assert list(selectors.reports_for_facilitator(user=lucia)) == [report]
    assert list(selectors.reports_for_facilitator(user=mateo)) == []
    services.report_resolve(report=report, acting_user=lucia, delete_message=True)
    assert list(selectors.reports_for_facilitator(user=lucia)) == []
    message.refresh_from_db()
    assert message.is_deleted


def test_direct_and_cluster_rooms_appear_in_the_overview(general, ana, mateo):
    direct = services.room_direct(user=ana, other=mateo)
    assert {room.pk for room in selectors.rooms_overview(user=ana)} == {general.pk, direct.pk}


def test_superusers_read_cluster_rooms_but_not_private_ones(general, ana, mateo, superuser):
    direct = services.room_direct(user=ana, other=mateo)
    mentorship = services.room_create_mentorship(mentor=mateo, mentee=ana, name="M")
    assert selectors.room_for_user(user=superuser, room_id=general.pk) == general
    assert services.can_read_room(user=superuser, room=general)
    for private in (direct, mentorship):
        with pytest.raises(Http404):
            selectors.room_for_user(user=superuser, room_id=private.pk)
        assert not services.can_read_room(user=superuser, room=private)


def test_the_quick_access_check_agrees_with_the_selector(
    general, ana, mateo, lucia, otto, nadie, seafood, superuser
):
    """services._room_state and selectors.room_for_user (plain SQL, for the hot paths) and
    selectors.readable_rooms_q say the same."""
    direct = services.room_direct(user=ana, other=mateo)
    mentorship = services.room_create_mentorship(mentor=mateo, mentee=lucia, name="M")
    sea = services.room_general_for_cluster(cluster=seafood)
    services.member_suspend(cluster=general.cluster, user=mateo, acting_user=lucia)
    rooms = [general, direct, mentorship, sea]
    for person in (ana, mateo, lucia, otto, nadie, superuser):
        readable = set(selectors.rooms_readable_by(user=person).values_list("pk", flat=True))
        assert {room.pk for room in rooms if services.can_read_room(user=person, room=room)} == readable, person
        assert {room.pk for room in rooms if _opens(person, room)} == readable, person
    seafood.is_active = False  # a cluster switched off: its room is nobody's any more
    seafood.save()
    for person in (otto, superuser):
        assert not _opens(person, sea) and not services.can_read_room(user=person, room=sea)


def _opens(person, room) -> bool:
    try:
        return selectors.room_for_user(user=person, room_id=room.pk) == room
    except Http404:
        return False


def test_a_mention_in_a_muted_room_notifies_without_email(general, ana, mateo, mailoutbox, django_capture_on_commit_callbacks):
    services.room_set_preferences(room=general, user=mateo, muted=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(room=general, author=ana, body="@mateo una pregunta")
    assert Notification.objects.filter(recipient=mateo).count() == 1
    assert mailoutbox == []


def test_people_who_cannot_read_the_room_are_not_notified(ana, mateo, lucia):
    room = services.room_direct(user=ana, other=mateo)
    services.message_post(room=room, author=ana, body="@lucia mira esto @mateo")
    assert list(Notification.objects.values_list("recipient__email", flat=True)) == [mateo.email]


def test_reading_never_moves_the_position_back(general, ana, mateo):
    first = services.message_post(room=general, author=ana, body="uno")
    second = services.message_post(room=general, author=ana, body="dos")
    assert services.room_mark_read(room=general, user=mateo, message_id=second.pk) == second.pk
    assert services.room_mark_read(room=general, user=mateo, message_id=first.pk) == second.pk


def test_reports_are_once_per_person_and_not_for_ones_own_messages(general, ana, mateo):
    message = services.message_post(room=general, author=ana, body="hola")
    with pytest.raises(ValidationError):
        services.message_report(message=message, reporter=ana)
    services.message_report(message=message, reporter=mateo)
    with pytest.raises(ValidationError) as exc:
        services.message_report(message=message, reporter=mateo)
    assert exc.value.code == "already_reported"


def test_an_award_change_notifies_the_person_it_is_for(ana):
    from types import SimpleNamespace

    from incentives.signals import award_changed
    from messaging import receivers

    award_changed.send(sender=None, award=SimpleNamespace(recipient=ana, credits=15), change="approved")
    note = Notification.objects.get(recipient=ana)
    assert note.kind == "award" and "15" in note.text and note.url == reverse("incentives:wallet")
    assert any(receiver() is receivers.on_award_changed for _key, receiver, *_ in award_changed.receivers)


# --- Flooding (docs/SECURITY.md, "Rate limits") ------------------------------------------------------


def test_a_flood_of_mentions_stops_at_the_limit_and_the_person_mentioned_gets_a_few_emails(
    general, ana, mateo, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from infra.ratelimit import RateLimited

    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "message": (1000, 10)}  # mentions alone here
    limit, _seconds = settings.PUENTE_RATE_LIMITS["mention"]
    refused = []
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(limit + 5):
            try:
                services.message_post(room=general, author=ana, body=f"@mateo ¿viste esto? {i}")
            except RateLimited as exc:
                refused.append(exc)
    assert Message.objects.filter(author=ana).count() == limit and len(refused) == 5
    assert refused[0].code == "rate_limited" and refused[0].action == "mention"
    assert "without the @mentions" in refused[0].messages[0]
    assert Notification.objects.filter(recipient=mateo, kind="mention").count() == limit
    assert len([mail for mail in mailoutbox if mail.to == [mateo.email]]) == settings.PUENTE_EMAIL_BURST
    # Without mentions she may go on talking.
    services.message_post(room=general, author=ana, body="Sigo aquí, sin mencionar a nadie.")


def test_every_person_mentioned_counts_and_a_retried_message_costs_nothing(general, ana, mateo, lucia, settings):
    from infra.ratelimit import RateLimited

    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "mention": (3, 600)}
    first = services.message_post(room=general, author=ana, body="@mateo @lucia ¿quién va a la feria?", client_id="c1")
    assert services.message_post(room=general, author=ana, body="@mateo @lucia ¿quién va?", client_id="c1") == first
    services.message_post(room=general, author=ana, body="@mateo ¿y tú?")
    with pytest.raises(RateLimited):
        services.message_post(room=general, author=ana, body="@lucia ¿y tú?")


def test_the_digest_gathers_only_what_is_still_unread_in_the_readers_language(
    general, ana, mateo, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PUENTE_EMAIL_BURST = 1
    mateo.language = "es"
    mateo.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            services.message_post(room=general, author=ana, body=f"@mateo pregunta {i}")
    assert len(mailoutbox) == 1
    held = list(Notification.objects.filter(recipient=mateo, email=Notification.Email.HELD).order_by("pk"))
    assert len(held) == 3
    services.notifications_mark_read(user=mateo, notification_ids=[held[0].pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_digests_send() == 1
    digest = mailoutbox[-1]
    assert digest.to == [mateo.email] and digest.subject == "[Puente] 2 notificaciones sin leer en Puente"
    assert digest.body.count("#m") == 2
    assert not Notification.objects.filter(email=Notification.Email.HELD).exists()


def test_edits_count_with_messages_whoever_calls_the_service(general, ana, settings):
    from infra.ratelimit import RateLimited

    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "message": (2, 10)}
    message = services.message_post(room=general, author=ana, body="Precio FOB 4.20")
    services.message_edit(message=message, editor=ana, body="Precio FOB 4.30")
    with pytest.raises(RateLimited):
        services.message_edit(message=message, editor=ana, body="Precio FOB 4.40")
    message.refresh_from_db()
    assert message.body == "Precio FOB 4.30"
