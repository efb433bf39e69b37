"""Times in the reader's language and zone, rendered on the server (clusters.times), the same shape on
page load and in live frames; the zone is the person's choice, from their browser's on a first visit."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone, translation

from clusters import services
from clusters.times import moment, moment_in, when_text

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


def test_recent_times_are_relative_and_older_ones_exact_in_the_readers_language_and_zone():
    with translation.override("es"), timezone.override("America/Tegucigalpa"):  # UTC-6
        assert when_text(NOW - timedelta(seconds=20), NOW) == ("ahora", True)
        assert when_text(NOW - timedelta(minutes=5), NOW) == ("hace 5 min", True)
        assert when_text(NOW - timedelta(hours=2), NOW) == ("07:00", False)
        assert when_text(NOW - timedelta(days=2), NOW)[0] == "jue 09:00"
        assert when_text(NOW - timedelta(days=30), NOW)[0] == "5 Nov, 09:00"
        html = moment(NOW - timedelta(minutes=5), NOW)
    assert html.startswith(f'<time datetime="{(NOW - timedelta(minutes=5)).isoformat()}" title="5 de diciembre de 2026')
    assert "(America/Tegucigalpa)" in html and 'data-rel data-at="08:55"' in html and html.endswith(">hace 5 min</time>")
    with translation.override("pt-br"), timezone.override("America/Sao_Paulo"):  # UTC-3
        assert when_text(NOW - timedelta(minutes=5), NOW) == ("há 5 min", True)
        assert when_text(NOW - timedelta(hours=2), NOW) == ("10:00", False)


def test_moment_in_renders_for_another_reader():
    html = moment_in(NOW - timedelta(hours=3), language="pt-br", zone="America/Sao_Paulo", now=NOW)
    assert ">09:00</time>" in html and "(America/Sao_Paulo)" in html
    fallback = moment_in(NOW - timedelta(hours=3), language="es", zone="Nowhere/Else", now=NOW)
    assert "(America/Bogota)" in fallback  # an unknown zone: the site's


def test_the_browser_sets_the_zone_once_and_a_chosen_one_is_kept(client, ana):
    client.force_login(ana)
    assert client.post(reverse("set_time_zone"), {"time_zone": "America/Tegucigalpa"}).status_code == 204
    ana.refresh_from_db()
    assert ana.time_zone == "America/Tegucigalpa"
    client.post(reverse("set_time_zone"), {"time_zone": "Europe/Madrid"})  # another browser later
    ana.refresh_from_db()
    assert ana.time_zone == "America/Tegucigalpa"
    assert client.post(reverse("set_time_zone"), {"time_zone": "Mars/Olympus"}).status_code == 400
    services.person_set_time_zone(user=ana, time_zone="Europe/Madrid")  # the profile's choice
    ana.refresh_from_db()
    assert ana.time_zone == "Europe/Madrid"


def test_the_profile_offers_the_zone(client, ana):
    client.force_login(ana)
    page = client.get(reverse("clusters:onboarding")).content.decode()
    assert 'name="time_zone"' in page and '<option value="America/Tegucigalpa">' in page
