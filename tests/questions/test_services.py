import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clusters.models import ClusterMembership
from mentoring.models import MentorProfile
from messaging.models import Notification
from questions import services
from questions.models import Answer, Follow, Question, Revision, Vote
from tests.conftest import activate, make_person


def test_asking_renders_markdown_once_and_follows_the_question(question, ana):
    assert question.body_html == "<p>Queremos enviar <strong>café verde</strong> a Miami.</p>\n"
    assert question.status == Question.Status.OPEN and question.language == "es"
    assert Follow.objects.filter(user=ana, question=question).exists()


@pytest.mark.parametrize(
    "title, body, code",
    [
        ("", "", "title_empty"),
        ("   ", "", "title_empty"),
        ("¿FDA?", "", "title_short"),
        ("x" * 201, "", "title_long"),
        ("¿Cómo calculo un precio FOB?", "x" * 10_001, "body_long"),
    ],
)
def test_bad_questions_are_refused_and_nothing_is_stored(coffee, ana, title, body, code):
    with pytest.raises(ValidationError) as error:
        services.question_ask(cluster=coffee, author=ana, title=title, body=body)
    assert error.value.code == code
    assert not Question.objects.exists()


def test_unknown_topics_and_countries_are_refused(coffee, ana):
    with pytest.raises(ValidationError):
        services.question_ask(cluster=coffee, author=ana, title="¿Cómo calculo un precio FOB?", topics=["cooking"])
    with pytest.raises(ValidationError):
        services.question_ask(cluster=coffee, author=ana, title="¿Cómo calculo un precio FOB?", target_markets=["XX"])
    assert not Question.objects.exists()


def test_outsiders_cannot_ask_answer_vote_or_follow(coffee, question, otto, nadie):
    for person in (otto, nadie):
        with pytest.raises(PermissionDenied):
            services.question_ask(cluster=coffee, author=person, title="¿Puedo preguntar aquí?")
        with pytest.raises(PermissionDenied):
            services.answer_post(question=question, author=person, body="Sí")
        with pytest.raises(PermissionDenied):
            services.vote_cast(user=person, question=question, value=Vote.UP)
        with pytest.raises(PermissionDenied):
            services.question_follow(question=question, user=person)
    assert question.answers.count() == 0 and Vote.objects.count() == 0


def test_an_answer_counts_notifies_the_asker_and_followers_and_the_answerer_follows(question, ana, mateo, lucia):
    services.question_follow(question=question, user=lucia)
    answer = services.answer_post(question=question, author=mateo, body="Prior Notice *antes* del embarque")
    question.refresh_from_db()
    assert question.answer_count == 1 and question.first_answer_at is not None
    assert answer.body_html == "<p>Prior Notice <em>antes</em> del embarque</p>\n"
    assert Notification.objects.get(recipient=ana).kind == "question_answered"
    assert Notification.objects.get(recipient=lucia).kind == "question_activity"
    assert not Notification.objects.filter(recipient=mateo).exists()
    assert Follow.objects.filter(user=mateo, question=question).exists()


def test_followers_who_left_a_by_approval_cluster_hear_nothing(question, mateo, lucia):
    services.question_follow(question=question, user=lucia)
    ClusterMembership.objects.filter(user=lucia).update(status=ClusterMembership.Status.LEFT)
    services.answer_post(question=question, author=mateo, body="Registro FDA")
    assert not Notification.objects.filter(recipient=lucia).exists()


def test_empty_and_oversized_answers_are_refused(question, mateo):
    for body in ("", "   ", "x" * 10_001):
        with pytest.raises(ValidationError):
            services.answer_post(question=question, author=mateo, body=body)
    question.refresh_from_db()
    assert question.answer_count == 0 and not Answer.objects.exists()


def test_votes_keep_the_score_right_and_flip(answer, ana, lucia):
    services.vote_cast(user=ana, answer=answer, value=Vote.UP)
    services.vote_cast(user=lucia, answer=answer, value=Vote.UP)
    answer.refresh_from_db()
    assert answer.score == 2
    services.vote_cast(user=ana, answer=answer, value=Vote.DOWN)
    answer.refresh_from_db()
    assert answer.score == 0 and Vote.objects.get(user=ana).value == -1
    services.vote_withdraw(user=ana, answer=answer)
    answer.refresh_from_db()
    assert answer.score == 1 and not Vote.objects.filter(user=ana).exists()


def test_voting_twice_or_on_ones_own_post_is_refused(question, answer, ana, mateo):
    services.vote_cast(user=ana, answer=answer, value=Vote.UP)
    with pytest.raises(ValidationError) as error:
        services.vote_cast(user=ana, answer=answer, value=Vote.UP)
    assert error.value.code == "already_voted"
    with pytest.raises(ValidationError) as error:
        services.vote_cast(user=mateo, answer=answer, value=Vote.UP)
    assert error.value.code == "own_post"
    with pytest.raises(ValidationError):
        services.vote_cast(user=ana, question=question, value=Vote.UP)
    answer.refresh_from_db()
    assert answer.score == 1 and Vote.objects.count() == 1
    with pytest.raises(ValidationError):
        services.vote_withdraw(user=mateo, answer=answer)


def test_the_database_refuses_a_second_vote_by_the_same_person(answer, ana):
    from django.db import IntegrityError, transaction

    Vote.objects.create(user=ana, answer=answer, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=ana, answer=answer, value=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=ana, answer=answer, question=answer.question, value=1)


def test_question_votes_change_the_question_score(question, mateo):
    services.vote_cast(user=mateo, question=question, value=Vote.DOWN)
    question.refresh_from_db()
    assert question.score == -1


def test_the_asker_accepts_and_can_change_the_choice(question, answer, ana, lucia, mateo):
    MentorProfile.objects.create(user=mateo, topics=["customs"])
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    question.refresh_from_db()
    assert question.accepted_answer == answer and question.status == Question.Status.ANSWERED
    assert MentorProfile.objects.get(user=mateo).accepted_answers == 1
    assert Notification.objects.filter(recipient=mateo, kind="answer_accepted").exists()
    other = services.answer_post(question=question, author=lucia, body="Y contrata un agente FDA en EE. UU.")
    services.answer_accept(question=question, answer=other, acting_user=ana)
    question.refresh_from_db()
    assert question.accepted_answer == other
    assert MentorProfile.objects.get(user=mateo).accepted_answers == 0
    services.answer_unaccept(question=question, acting_user=ana)
    question.refresh_from_db()
    assert question.accepted_answer is None and question.status == Question.Status.OPEN


def test_a_facilitator_may_accept_but_another_member_may_not(question, answer, lucia, mateo):
    helper = make_person("helper@example.org", name="Helper")
    activate(helper, question.cluster)
    with pytest.raises(PermissionDenied):
        services.answer_accept(question=question, answer=answer, acting_user=helper)
    with pytest.raises(PermissionDenied):
        services.answer_accept(question=question, answer=answer, acting_user=mateo)
    question.refresh_from_db()
    assert question.accepted_answer is None
    services.answer_accept(question=question, answer=answer, acting_user=lucia)
    question.refresh_from_db()
    assert question.accepted_answer == answer


def test_accepting_an_answer_of_another_question_is_refused(question, coffee, ana, mateo):
    other = services.question_ask(cluster=coffee, author=ana, title="¿Qué Incoterm uso para Alemania?")
    stranger = services.answer_post(question=other, author=mateo, body="FCA")
    with pytest.raises(ValidationError) as error:
        services.answer_accept(question=question, answer=stranger, acting_user=ana)
    assert error.value.code == "other_question"
    question.refresh_from_db()
    assert question.accepted_answer is None and question.status == Question.Status.OPEN


def test_accepting_the_same_answer_twice_is_refused(question, answer, ana):
    services.answer_accept(question=question, answer=answer, acting_user=ana)
    with pytest.raises(ValidationError):
        services.answer_accept(question=question, answer=answer, acting_user=ana)


def test_closed_and_duplicate_questions_take_no_answers(question, coffee, ana, mateo, lucia):
    original = services.question_ask(cluster=coffee, author=mateo, title="¿Cómo registro mi bodega en la FDA?")
    services.question_mark_duplicate(question=question, original=original, acting_user=lucia)
    question.refresh_from_db()
    assert question.status == Question.Status.DUPLICATE and question.duplicate_of == original
    with pytest.raises(ValidationError):
        services.answer_post(question=question, author=mateo, body="Tarde")
    services.question_reopen(question=question, acting_user=lucia)
    services.question_close(question=question, acting_user=ana)
    with pytest.raises(ValidationError):
        services.answer_post(question=question, author=mateo, body="Tarde")
    with pytest.raises(ValidationError):
        services.question_mark_duplicate(question=question, original=question, acting_user=lucia)


def test_only_the_asker_or_a_facilitator_closes(question, mateo):
    with pytest.raises(PermissionDenied):
        services.question_close(question=question, acting_user=mateo)
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN


def test_edits_keep_the_previous_text(question, answer, ana, mateo, lucia):
    services.question_edit(question=question, acting_user=ana, title="¿Qué pide la FDA para exportar café verde?",
                           body="Nuevo detalle")
    services.answer_edit(answer=answer, acting_user=mateo, body="Registro FDA y Prior Notice")
    revisions = list(Revision.objects.order_by("id"))
    assert revisions[0].title == "¿Qué documentos pide la FDA para café verde?"
    assert revisions[1].body.startswith("Registra la instalación")
    with pytest.raises(PermissionDenied):
        services.answer_edit(answer=answer, acting_user=ana, body="Mío")
    services.answer_edit(answer=answer, acting_user=lucia, body="Moderado")
    question.refresh_from_db()
    assert question.body_html == "<p>Nuevo detalle</p>\n"


# --- Flooding (docs/SECURITY.md, "Rate limits") ------------------------------------------------------


def _answer_many(question, author, times: int) -> tuple[int, list]:
    posted, refused = 0, []
    for i in range(times):
        try:
            services.answer_post(question=question, author=author, body=f"Respuesta {i}: registra la instalación en la FDA.")
        except ValidationError as exc:
            refused.append(exc)
        else:
            posted += 1
    return posted, refused


def _mail_to(outbox, person) -> list:
    return [mail for mail in outbox if mail.to == [person.email]]


def test_25_answers_in_a_minute_stop_at_the_limit_with_a_clear_error_and_the_asker_gets_a_few_emails(
    question, ana, mateo, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from infra.ratelimit import RateLimited
    from messaging.services import notification_digests_send

    limit, _seconds = settings.PUENTE_RATE_LIMITS["answer"]
    with django_capture_on_commit_callbacks(execute=True):
        posted, refused = _answer_many(question, mateo, 25)
    assert posted == limit == Answer.objects.filter(question=question).count() < 25
    assert len(refused) == 25 - limit and all(isinstance(exc, RateLimited) for exc in refused)
    assert refused[0].code == "rate_limited" and refused[0].retry_after > 0
    assert refused[0].messages[0].startswith("You have posted many answers in a short time. Try again in ")
    # Ana was offline: the first few answers reached her by email at once, the rest wait for her digest.
    assert len(_mail_to(mailoutbox, ana)) == settings.PUENTE_EMAIL_BURST
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_digests_send() == 1
    mails = _mail_to(mailoutbox, ana)
    assert len(mails) == settings.PUENTE_EMAIL_BURST + 1
    assert mails[-1].body.count("answered your question") == limit - settings.PUENTE_EMAIL_BURST


def test_without_rate_limits_25_answers_still_send_the_asker_a_few_emails_and_one_digest(
    question, ana, mateo, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from infra.ratelimit import rate_limits_lifted
    from messaging.services import notification_digests_send

    with django_capture_on_commit_callbacks(execute=True), rate_limits_lifted():
        assert _answer_many(question, mateo, 25) == (25, [])
    assert len(_mail_to(mailoutbox, ana)) == settings.PUENTE_EMAIL_BURST
    assert Notification.objects.filter(recipient=ana, email=Notification.Email.HELD).count() == 25 - 3
    with django_capture_on_commit_callbacks(execute=True):
        notification_digests_send()
        assert notification_digests_send() == 0  # nothing held any more
    mails = _mail_to(mailoutbox, ana)
    assert len(mails) == settings.PUENTE_EMAIL_BURST + 1
    assert mails[-1].subject == "[Puente] 22 unread notifications on Puente"
    assert mails[-1].body.count(question.get_absolute_url()) == 22


def test_questions_and_votes_are_limited_too(coffee, question, ana, mateo, settings):
    from infra.ratelimit import RateLimited

    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "question": (1, 600), "vote": (1, 600)}
    with pytest.raises(RateLimited):  # Ana asked `question` a moment ago
        services.question_ask(cluster=coffee, author=ana, title="¿Cuánto cuesta el flete a Hamburgo?")
    other = services.question_ask(cluster=coffee, author=mateo, title="¿Cuánto cuesta el flete a Hamburgo?")
    services.vote_cast(user=ana, question=other, value=Vote.UP)
    with pytest.raises(RateLimited):
        services.vote_cast(user=ana, question=other, value=Vote.DOWN)
    assert Vote.objects.get(user=ana).value == Vote.UP
