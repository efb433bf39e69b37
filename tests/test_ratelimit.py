"""The one rate-limit helper (infra.ratelimit): limits come from settings, which read them from the
environment; refusals say how long to wait; the email allowance lets the first few through."""

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from config.env import env_rate
from infra import ratelimit
from infra.ratelimit import RateLimited, email_allowed_now, rate_limit, rate_limits_lifted

ACTIONS = {"message", "answer", "question", "vote", "mentorship_request", "mentorship_withdraw", "mention", "report",
           "redemption", "join_request", "api"}


def test_every_action_has_a_limit_in_settings_and_a_sentence_for_the_person(settings):
    assert set(settings.PUENTE_RATE_LIMITS) == ACTIONS == set(ratelimit.REFUSALS)
    for count, seconds in settings.PUENTE_RATE_LIMITS.values():
        assert count >= 1 and seconds >= 1


def test_the_message_limit_keeps_its_20_in_10_seconds(settings):
    assert settings.PUENTE_RATE_LIMITS["message"] == (20, 10)


def test_the_limit_is_the_one_in_settings(ana, settings):
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "answer": (2, 60)}
    rate_limit(action="answer", user=ana)
    rate_limit(action="answer", user=ana)
    with pytest.raises(RateLimited) as exc:
        rate_limit(action="answer", user=ana)
    assert exc.value.code == "rate_limited" and exc.value.action == "answer"
    assert isinstance(exc.value, ValidationError)  # every form and consumer already shows these
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "answer": (5, 60)}
    rate_limit(action="answer", user=ana)  # 4 of 5 now (the refused one counted too)


def test_each_person_and_each_action_count_apart(ana, mateo, settings):
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "answer": (1, 60), "vote": (1, 60)}
    rate_limit(action="answer", user=ana)
    rate_limit(action="answer", user=mateo)
    rate_limit(action="vote", user=ana)
    with pytest.raises(RateLimited):
        rate_limit(action="answer", user=ana)


def test_a_cost_counts_several_at_once(ana, settings):
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "mention": (5, 60)}
    rate_limit(action="mention", user=ana, cost=4)
    with pytest.raises(RateLimited):
        rate_limit(action="mention", user=ana, cost=2)


def test_the_refusal_says_when_to_try_again_in_the_readers_language(ana, settings, monkeypatch):
    from django.utils import translation

    start = 1_800_000_000.0  # a multiple of 600
    monkeypatch.setattr(ratelimit.time, "time", lambda: start + 60)
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "answer": (3, 600)}
    for _ in range(3):
        rate_limit(action="answer", user=ana)
    with translation.override("es"), pytest.raises(RateLimited) as exc:
        rate_limit(action="answer", user=ana)
    # 4 counted in this window: one more fits once the next window has weighed them down to 1.
    assert 540 < exc.value.retry_after <= 540 + 400
    assert "Vuelve a intentarlo en" in exc.value.messages[0]
    assert "minutos" in exc.value.messages[0]


def test_the_wait_it_gives_is_enough(ana, settings, monkeypatch):
    clock = [1_800_000_000.0 + 3]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "vote": (4, 10)}
    for _ in range(4):
        rate_limit(action="vote", user=ana)
    with pytest.raises(RateLimited) as exc:
        rate_limit(action="vote", user=ana)
    clock[0] += exc.value.retry_after
    rate_limit(action="vote", user=ana)


def test_nothing_is_counted_while_limits_are_lifted(ana, settings):
    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "question": (1, 60)}
    with rate_limits_lifted():
        for _ in range(5):
            rate_limit(action="question", user=ana)
    rate_limit(action="question", user=ana)
    with pytest.raises(RateLimited):
        rate_limit(action="question", user=ana)


def test_an_unknown_action_is_a_mistake_in_the_code(ana):
    with pytest.raises(KeyError):
        rate_limit(action="dance", user=ana)


def test_the_email_allowance_lets_the_first_few_through_per_person(ana, mateo, settings):
    settings.PUENTE_EMAIL_BURST = 3
    assert [email_allowed_now(user_id=ana.pk) for _ in range(5)] == [True, True, True, False, False]
    assert email_allowed_now(user_id=mateo.pk)


# --- Settings from the environment -----------------------------------------------------------------


def test_a_limit_is_read_from_the_environment_as_count_per_seconds(monkeypatch):
    monkeypatch.setenv("PUENTE_RATE_ANSWER", "7/120")
    assert env_rate("PUENTE_RATE_ANSWER", "10/600") == (7, 120)
    monkeypatch.delenv("PUENTE_RATE_ANSWER")
    assert env_rate("PUENTE_RATE_ANSWER", "10/600") == (10, 600)


@pytest.mark.parametrize("raw", ["7", "7/", "/60", "seven/60", "0/60", "7/0", "-1/60", "7/60/2"])
def test_a_limit_that_cannot_be_right_stops_the_start_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("PUENTE_RATE_ANSWER", raw)
    with pytest.raises(ImproperlyConfigured, match="PUENTE_RATE_ANSWER"):
        env_rate("PUENTE_RATE_ANSWER", "10/600")


def test_the_settings_module_takes_each_limit_from_its_variable(monkeypatch):
    import importlib

    import config.settings

    monkeypatch.setenv("PUENTE_RATE_MENTORSHIP_REQUEST", "2/60")
    monkeypatch.setenv("PUENTE_EMAIL_BURST", "5")
    try:
        fresh = importlib.reload(config.settings)
        assert fresh.PUENTE_RATE_LIMITS["mentorship_request"] == (2, 60)
        assert fresh.PUENTE_EMAIL_BURST == 5
    finally:
        monkeypatch.undo()
        importlib.reload(config.settings)
