import io

from django.core import mail
from django.core.management import call_command

from mentoring.models import MentorProfile
from messaging.models import Notification
from questions import services


def test_mentors_get_one_digest_of_fitting_questions_and_never_the_same_twice(
    coffee, ana, mateo, lucia, otto, seafood, django_capture_on_commit_callbacks
):
    MentorProfile.objects.create(user=mateo, topics=["certifications"])
    MentorProfile.objects.create(user=otto, topics=["certifications"])  # not in the coffee cluster
    fit = services.question_ask(cluster=coffee, author=ana, title="¿Cuánto cuesta certificar Rainforest Alliance?",
                                topics=["certifications"])
    also_fit = services.question_ask(cluster=coffee, author=ana, title="¿Dónde hago la auditoría GlobalG.A.P.?",
                                     topics=["certifications"])
    services.question_ask(cluster=coffee, author=ana, title="¿Qué naviera sale desde Puerto Cortés?",
                          topics=["logistics"])
    services.question_ask(cluster=coffee, author=mateo, title="¿Alguien certificó orgánico para la UE?",
                          topics=["certifications"])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_question_digest", stdout=io.StringIO())
    digest = Notification.objects.get(kind="question_digest")
    assert digest.recipient == mateo and digest.text.startswith("2 new questions")
    assert len(mail.outbox) == 1
    assert fit.title in mail.outbox[0].body and also_fit.title in mail.outbox[0].body
    assert "Puerto Cortés" not in mail.outbox[0].body and "orgánico" not in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_question_digest", stdout=io.StringIO())
    assert Notification.objects.filter(kind="question_digest").count() == 1 and len(mail.outbox) == 1


def test_a_mentor_hears_nothing_of_a_by_approval_cluster_they_left(coffee, ana, mateo):
    from clusters import services as cluster_services

    MentorProfile.objects.create(user=mateo, topics=["customs"])
    cluster_services.membership_leave(cluster=coffee, user=mateo)
    services.question_ask(cluster=coffee, author=ana, title="¿Qué pide la aduana de EE. UU.?", topics=["customs"])
    call_command("send_question_digest", stdout=io.StringIO())
    assert not Notification.objects.filter(kind="question_digest").exists()
