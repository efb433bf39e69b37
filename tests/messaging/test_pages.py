import pytest
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clusters.models import ClusterMembership
from messaging import services
from messaging.models import Message, MessageReport, Notification, ReadPosition, Room, RoomSuspension
from tests.conftest import activate, make_person


def room_url(room) -> str:
    return reverse("messaging:room", args=[room.pk])


def test_the_room_page_shows_messages_and_posting_works_without_javascript(client, general, ana):
    services.message_post(room=general, author=ana, body="Hola a todos, ¿alguien exporta a Alemania?")
    client.force_login(ana)
    response = client.get(room_url(general))
    assert response.status_code == 200
    assert "alguien exporta a Alemania" in response.content.decode()
    response = client.post(room_url(general), {"body": "Yo, por el puerto de Cortés", "client_id": "form-1"})
    message = Message.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == f"{room_url(general)}#m{message.pk}"
    assert message.body == "Yo, por el puerto de Cortés" and message.author == ana


def test_a_refused_post_shows_the_reason_and_stores_nothing(client, general, ana):
    client.force_login(ana)
    response = client.post(room_url(general), {"body": "x" * 4001}, follow=True)
    assert "at most 4000 characters" in response.content.decode()
    assert not Message.objects.exists()


def test_replying_without_javascript(client, general, ana, mateo):
    question = services.message_post(room=general, author=mateo, body="¿Qué puntaje SCA tiene tu lote?")
    client.force_login(ana)
    page = client.get(room_url(general), {"reply": question.pk})
    assert f'name="reply_to" value="{question.pk}"' in page.content.decode()
    client.post(room_url(general), {"body": "86 puntos", "reply_to": question.pk})
    assert Message.objects.latest("id").reply_to == question


def test_outsiders_get_404_on_the_room_page(client, general, otto):
    client.force_login(otto)
    assert client.get(room_url(general)).status_code == 404
    assert client.post(room_url(general), {"body": "x"}).status_code == 404
    assert not Message.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client, general):
    response = client.get(room_url(general))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_room_page_query_count_stays_the_same_as_messages_and_members_grow(
    client, general, ana, mateo, django_assert_num_queries
):
    client.force_login(ana)
    services.message_post(room=general, author=mateo, body="primero")
    client.get(room_url(general))  # warm the session
    # 1 session, 1 user, 1 room (with access check), 1 messages with authors, 1 their attachments, 1 read position,
    # 5 moving the read position (savepoint, locked read position, newest message id, update, release),
    # 1 facilitator check, 1 people, 1 reactions of the messages shown, 1 navigation counts (forgotten
    # when the read position moved); the header's agency check and firm are kept
    services.message_post(room=general, author=mateo, body="segundo")
    with django_assert_num_queries(14):
        assert client.get(room_url(general)).status_code == 200
    for i in range(60):
        person = make_person(f"p{i}@example.org", name=f"Persona {i}")
        activate(person, general.cluster)
        message = services.message_post(room=general, author=person, body=f"mensaje {i}", reply_to=Message.objects.first())
        services.reaction_toggle(message=message, user=ana, emoji="👍")
    with django_assert_num_queries(14):
        response = client.get(room_url(general))
    assert len(response.context["shown"]) == 50
    assert len(response.context["people"]) == 62


def test_load_older_pages_backwards_by_id(client, general, ana, mateo, no_rate_limits):
    ids = [services.message_post(room=general, author=mateo, body=f"m{i}").pk for i in range(120)]
    client.force_login(ana)
    newest = client.get(room_url(general)).context
    assert [m.pk for m in newest["shown"]] == ids[-50:]
    assert newest["older_id"] == ids[-50]
    older = client.get(room_url(general), {"before": newest["older_id"]}).context
    assert [m.pk for m in older["shown"]] == ids[-100:-50]
    oldest = client.get(room_url(general), {"before": older["older_id"]}).context
    assert [m.pk for m in oldest["shown"]] == ids[:20]
    assert oldest["older_id"] is None


def test_the_unread_divider_sits_before_the_first_unread_message(client, general, ana, mateo):
    first = services.message_post(room=general, author=mateo, body="leído")
    services.room_mark_read(room=general, user=ana, message_id=first.pk)
    unread = services.message_post(room=general, author=mateo, body="nuevo")
    client.force_login(ana)
    response = client.get(room_url(general))
    assert response.context["divider_id"] == unread.pk
    assert 'id="unread"' in response.content.decode()
    assert ReadPosition.objects.get(room=general, user=ana).last_read_id == unread.pk
    assert client.get(room_url(general)).context["divider_id"] is None


def test_the_navigation_counts_unread_messages_and_notifications(client, general, ana, mateo):
    client.force_login(ana)
    services.message_post(room=general, author=mateo, body="@ana hola")
    services.message_post(room=general, author=mateo, body="otro")
    page = client.get(reverse("messaging:rooms")).content.decode()
    assert 'data-count="2" data-messages-badge>2<' in page
    assert 'data-count="1" data-notifications-badge>1<' in page


def test_the_rooms_list_shows_unread_per_room_and_the_partner_of_direct_rooms(
    client, general, ana, mateo, django_assert_num_queries
):
    direct = services.room_direct(user=ana, other=mateo)
    services.message_post(room=direct, author=mateo, body="¿Hablamos del contrato?")
    client.force_login(ana)
    client.get(reverse("messaging:rooms"))
    # 1 session, 1 user, 1 rooms with unread counts, 1 direct partners, 1 last messages with their
    # authors (the header's values are kept)
    with django_assert_num_queries(5):
        response = client.get(reverse("messaging:rooms"))
    rooms = {room.pk: room for room in response.context["following"]}
    assert rooms[direct.pk].unread == 1 and rooms[direct.pk].partner == mateo
    assert "Mateo Restrepo" in response.content.decode()


def test_the_rooms_list_puts_the_most_recent_conversation_first_with_a_preview_and_its_time(
    client, general, ana, mateo, lucia, django_assert_num_queries
):
    direct = services.room_direct(user=ana, other=mateo)
    services.message_post(room=direct, author=mateo, body="¿Hablamos del **contrato**?")
    services.message_post(room=general, author=lucia, body="Bienvenidos a [la sala](https://puente.example/x)")
    client.force_login(ana)
    page = client.get(reverse("messaging:rooms"))
    assert [room.pk for room in page.context["following"]] == [general.pk, direct.pk]
    html = page.content.decode()
    assert "Lucía Vargas:</span> Bienvenidos a la sala" in html
    assert "Mateo Restrepo:</span> ¿Hablamos del contrato?" in html
    assert html.index("Bienvenidos a la sala") < html.index("¿Hablamos del contrato?")
    assert html.count("<time class=\"meta room-row-time\" datetime=") == 2  # in the reader's language and zone (clusters.times)
    # Mateo answers: the direct conversation comes first again, and his last message is its preview.
    services.message_post(room=direct, author=mateo, body="Mañana a las 9")
    services.message_post(room=direct, author=ana, body="Perfecto")
    client.get(reverse("messaging:rooms"))
    with django_assert_num_queries(5):
        page = client.get(reverse("messaging:rooms"))
    assert [room.pk for room in page.context["following"]] == [direct.pk, general.pk]
    assert page.context["following"][0].unread == 2
    assert "You:</span> Perfecto" in page.content.decode()


def test_follow_and_mute(client, general, ana):
    client.force_login(ana)
    client.post(reverse("messaging:preferences", args=[general.pk]), {"action": "mute"})
    client.post(reverse("messaging:preferences", args=[general.pk]), {"action": "unfollow"})
    position = ReadPosition.objects.get(room=general, user=ana)
    assert position.muted and not position.following
    assert client.get(reverse("messaging:rooms")).context["others"][0] == general


def test_edit_and_delete_through_forms(client, general, ana, mateo, lucia):
    message = services.message_post(room=general, author=ana, body="FOB Puerto Cortés")
    client.force_login(mateo)
    client.post(reverse("messaging:edit", args=[message.pk]), {"body": "hack"})
    client.post(reverse("messaging:delete", args=[message.pk]))
    message.refresh_from_db()
    assert message.body == "FOB Puerto Cortés" and not message.is_deleted
    client.force_login(ana)
    assert client.get(reverse("messaging:edit", args=[message.pk])).status_code == 200
    client.post(reverse("messaging:edit", args=[message.pk]), {"body": "FCA Puerto Cortés"})
    message.refresh_from_db()
    assert message.body == "FCA Puerto Cortés"
    # The history is for facilitators only.
    assert client.get(reverse("messaging:history", args=[message.pk])).status_code == 404
    client.force_login(lucia)
    history = client.get(reverse("messaging:history", args=[message.pk]))
    assert "FOB Puerto Cortés" in history.content.decode()
    client.post(reverse("messaging:delete", args=[message.pk]))
    message.refresh_from_db()
    assert message.is_deleted
    assert "This message was deleted." in client.get(room_url(general)).content.decode()


def test_report_then_the_facilitator_suspends_from_the_queue(client, general, ana, mateo, lucia):
    message = services.message_post(room=general, author=ana, body="Vendo seguidores")
    client.force_login(mateo)
    client.post(reverse("messaging:report", args=[message.pk]), {"reason": "spam"})
    report = MessageReport.objects.get()
    assert client.get(reverse("messaging:moderation")).status_code == 404
    client.force_login(lucia)
    queue = client.get(reverse("messaging:moderation"))
    assert "Vendo seguidores" in queue.content.decode()
    client.post(reverse("messaging:moderation_decide", args=[report.pk, "suspend"]), {"reason": "spam"})
    assert RoomSuspension.objects.filter(user=ana, cluster=general.cluster).exists()
    message.refresh_from_db()
    assert message.is_deleted
    client.force_login(ana)
    assert client.get(room_url(general)).status_code == 404
    assert ClusterMembership.objects.get(user=ana, cluster=general.cluster).is_active
    # Mateo cannot lift it; Lucía can.
    suspension = RoomSuspension.objects.get()
    client.force_login(mateo)
    assert client.post(reverse("messaging:unsuspend", args=[suspension.pk])).status_code == 404
    client.force_login(lucia)
    client.post(reverse("messaging:unsuspend", args=[suspension.pk]))
    assert not RoomSuspension.objects.exists()
    client.force_login(ana)
    assert client.get(room_url(general)).status_code == 200


def test_people_write_directly_from_the_room_member_list(client, general, ana, mateo):
    client.force_login(ana)
    page = client.get(room_url(general)).content.decode()
    assert reverse("messaging:direct", args=[mateo.pk]) in page
    assert reverse("messaging:direct", args=[ana.pk]) not in page


def test_direct_conversations_open_between_people_who_share_a_cluster(client, ana, mateo, otto):
    client.force_login(ana)
    response = client.post(reverse("messaging:direct", args=[mateo.pk]))
    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert response["Location"] == room_url(room)
    assert client.post(reverse("messaging:direct", args=[otto.pk])).status_code == 404


def test_facilitators_add_topic_rooms_and_the_cluster_page_lists_them(client, coffee, general, ana, lucia):
    client.force_login(ana)
    assert client.get(reverse("messaging:topic_new", args=[coffee.slug])).status_code == 404
    client.force_login(lucia)
    client.post(reverse("messaging:topic_new", args=[coffee.slug]), {"name": "Registro FDA", "topic": "FSMA, FFR"})
    page = client.get(coffee.get_absolute_url()).content.decode()
    assert "Registro FDA" in page and "General" in page


def test_the_cluster_page_lists_no_rooms_to_outsiders(client, coffee, lucia, otto):
    services.room_general_for_cluster(cluster=coffee)
    client.force_login(otto)
    assert reverse("messaging:room", args=[coffee.rooms.get().pk]) not in client.get(coffee.get_absolute_url()).content.decode()


def test_the_notifications_page_lists_and_marks_read(client, ana, mateo):
    services.notification_create(recipient=ana, kind="mention", text="Mateo mentioned you", url="/x/", actor=mateo)
    client.force_login(ana)
    assert "Mateo mentioned you" in client.get(reverse("messaging:notifications")).content.decode()
    client.post(reverse("messaging:notifications"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, ana, mateo, general):
    note = services.notification_create(recipient=ana, kind="mention", text="x", url=f"/messages/{general.pk}/#m1")
    client.force_login(mateo)
    assert client.post(reverse("messaging:notification_open", args=[note.pk])).status_code == 404
    client.force_login(ana)
    response = client.post(reverse("messaging:notification_open", args=[note.pk]))
    assert response["Location"] == f"/messages/{general.pk}/#m1"
    note.refresh_from_db()
    assert note.is_read
    outside = services.notification_create(recipient=ana, kind="x", text="x", url="https://evil.example/")
    assert client.post(reverse("messaging:notification_open", args=[outside.pk]))["Location"] == reverse(
        "messaging:notifications"
    )


def test_a_link_to_a_notification_from_another_site_changes_nothing(client, ana, mateo):
    # A GET is what a link, an image or a prefetch makes: it must not mark the notification read.
    note = services.notification_create(recipient=ana, kind="mention", text="x", url="/questions/")
    client.force_login(ana)
    assert client.get(reverse("messaging:notification_open", args=[note.pk])).status_code == 405
    note.refresh_from_db()
    assert not note.is_read


def test_the_notifications_page_opens_each_one_with_a_form_that_works_without_javascript(
    client, ana, mateo, django_assert_num_queries
):
    note = services.notification_create(recipient=ana, kind="mention", text="Mateo mentioned you", url="/questions/")
    client.force_login(ana)
    url = reverse("messaging:notifications")
    client.get(url)  # warm the session and content types
    # 1 session, 1 user, 1 count, 1 the page of notifications (the header's values are kept)
    with django_assert_num_queries(4):
        page = client.get(url).content.decode()
    action = reverse("messaging:notification_open", args=[note.pk])
    assert f'<form method="post" action="{action}"' in page
    assert f'<a href="{action}"' not in page
    for n in range(20):
        services.notification_create(recipient=ana, kind="mention", text=f"n{n}", url=f"/questions/?n={n}")
    with django_assert_num_queries(5):  # + her badge counts, counted afresh after the new notifications
        assert page.count("<form") < client.get(url).content.decode().count("<form")


def test_a_direct_conversation_stays_readable_but_closes_when_its_people_no_longer_share_a_cluster(
    client, coffee, ana, mateo
):
    from clusters import services as cluster_services

    direct = services.room_direct(user=ana, other=mateo)
    services.message_post(room=direct, author=mateo, body="Te paso el contacto del tostador.")
    cluster_services.membership_leave(cluster=coffee, user=mateo)

    client.force_login(ana)
    page = client.get(room_url(direct)).content.decode()
    assert "Te paso el contacto del tostador." in page  # still theirs to read
    assert "no longer share a cluster" in page and 'data-composer' not in page
    response = client.post(room_url(direct), {"body": "¿Sigues ahí?"}, follow=True)
    assert "no longer share a cluster" in response.content.decode()
    assert list(direct.messages.values_list("body", flat=True)) == ["Te paso el contacto del tostador."]
    with pytest.raises(ValidationError) as refused:
        services.message_post(room=direct, author=mateo, body="Hola")
    assert refused.value.code == "not_shared"
    # Sharing a cluster again reopens it.
    ClusterMembership.objects.filter(cluster=coffee, user=mateo).update(status=ClusterMembership.Status.ACTIVE)
    services.message_post(room=direct, author=mateo, body="Volví al clúster.")
    assert 'data-composer' in client.get(room_url(direct)).content.decode()


def test_kept_message_rows_are_the_templates_own_html_for_every_reader_and_follow_edits(
    client, general, ana, mateo, lucia
):
    """Room pages keep each message's and each person's rendered row (messaging.rendering): for every
    reader and state the kept row is exactly what the row template renders, and an edit or a deletion
    shows at once."""
    import re

    from django.template.loader import render_to_string

    from messaging import rendering

    first = services.message_post(room=general, author=ana, body="Primer envío a **Hamburgo**")
    services.message_post(room=general, author=mateo, body="¿Con qué naviera?", reply_to=first)
    edited = services.message_post(room=general, author=ana, body="Hapag")
    services.message_edit(message=edited, editor=ana, body="Hapag-Lloyd, desde Puerto Cortés")
    gone = services.message_post(room=general, author=mateo, body="spam")
    services.message_delete(message=gone, acting_user=lucia)

    def csrf_blind(html) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', str(html))

    def check(reader) -> list[str]:
        response = client.get(room_url(general))
        context = response.context
        rows = []
        for message, row in context["rows"]:
            expected = render_to_string("messaging/_message.html", {
                "message": message, "room": context["room"], "user": reader,
                "is_facilitator": context["is_facilitator"], "csrf_token": "t",
            })
            assert csrf_blind(row) == csrf_blind(expected)
            assert csrf_blind(row) in csrf_blind(response.content.decode())
            rows.append(str(row))
        people = context["people"]
        assert len(people) == 3 and len(context["people_rows"]) == 3
        for person, row in zip(people, context["people_rows"], strict=True):
            expected = render_to_string("messaging/_person.html", {
                "person": person, "room": context["room"], "user": reader, "csrf_token": "t",
            })
            assert csrf_blind(row) == csrf_blind(expected)
            assert csrf_blind(row) in csrf_blind(response.content.decode())
        return rows

    caches["fragments"].clear()
    for reader in (ana, mateo, lucia):  # author, replier, facilitator: three sets of rights
        client.force_login(reader)
        cold = check(reader)
        warm = check(reader)
        assert [csrf_blind(row) for row in warm] == [csrf_blind(row) for row in cold]
        assert len(cold) == 4
    # Twelve rows shown, eleven kept: the deleted message looks the same to Ana and Lucía (neither wrote
    # it, nobody may act on it), so they share its row; every other row differs in the reader's rights.
    assert sum(1 for key in caches["fragments"]._cache if f":{rendering.ROWS.name}:" in key) == 11
    # Edits and deletions reach kept rows at once (they are part of the key).
    services.message_edit(message=first, editor=ana, body="Primer envío a **Rotterdam**")
    services.message_delete(message=edited, acting_user=lucia)
    client.force_login(mateo)
    page = client.get(room_url(general)).content.decode()
    assert "Rotterdam" in page and "Hamburgo" not in page and "Puerto Cortés" not in page
    check(mateo)


def test_reactions_show_under_the_message_and_toggle_without_javascript(client, general, ana, mateo, lucia):
    message = services.message_post(room=general, author=mateo, body="Llegó el contenedor a Hamburgo")
    assert services.reaction_toggle(message=message, user=lucia, emoji="🎉")
    client.force_login(ana)
    react = reverse("messaging:react", args=[message.pk])
    assert client.post(react, {"emoji": "🎉"})["Location"].endswith(f"#m{message.pk}")
    client.post(react, {"emoji": "👍"})
    page = client.get(room_url(general)).content.decode()
    assert 'data-react="🎉" data-by="' in page and 'title="Lucía Vargas, Ana Martínez" aria-pressed="true">🎉 2<' in page
    assert 'title="Ana Martínez" aria-pressed="true">👍 1<' in page
    client.post(react, {"emoji": "👍"})  # taken back
    assert "👍 1" not in client.get(room_url(general)).content.decode()
    # Only the room's set, only by people who can read the room.
    with pytest.raises(ValidationError) as refused:
        services.reaction_toggle(message=message, user=ana, emoji="💩")
    assert refused.value.code == "unknown_reaction"
    otto = make_person("otto2@example.org", name="Otto")
    with pytest.raises(PermissionDenied):
        services.reaction_toggle(message=message, user=otto, emoji="👍")
