"""The mentors' digest: once a day (or however often the operator runs `send_question_digest`), each
mentor hears of the new questions in their clusters that fit their expertise, in one notification
and one email, instead of one message per question."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import override

from clusters import access
from infra.words import stored
from messaging import services as messaging_services
from questions.models import DigestState, Question
from questions.selectors import _topic_q

FIRST_DIGEST_LOOKBACK = datetime.timedelta(days=1)
DIGEST_MAX = 20


def _fitting_questions(*, profile, since, until) -> list[Question]:
    user = profile.user
    cluster_ids = access.member_cluster_ids_query(user)
    fit = Q(cluster__sector__in=list(profile.sectors.all()))
    for topic in profile.topics:
        fit |= _topic_q(topic)
    return list(
        Question.objects.filter(
            cluster_id__in=cluster_ids, created_at__gt=since, created_at__lte=until, status=Question.Status.OPEN
        )
        .filter(fit)
        .exclude(author=user)
        .select_related("cluster")
        .order_by("created_at")[:DIGEST_MAX]
    )


def digest_send(*, now: datetime.datetime | None = None) -> int:
    """Sends each mentor the digest of what is new since their last one; returns how many were sent.
    Each mentor is one transaction: running it twice sends nothing new."""
    from mentoring.models import MentorProfile

    now = now or timezone.now()
    sent = 0
    profiles = MentorProfile.objects.filter(user__is_active=True).select_related("user")
    for profile in profiles:
        with transaction.atomic():
            state = DigestState.objects.select_for_update().filter(user=profile.user).first()
            since = state.covered_until if state else now - FIRST_DIGEST_LOOKBACK
            questions = _fitting_questions(profile=profile, since=since, until=now)
            DigestState.objects.update_or_create(user=profile.user, defaults={"covered_until": now})
            if questions:
                _send(profile.user, questions)
                sent += 1
    return sent


def _send(user, questions: list[Question]) -> None:
    language = {"pt-br": "pt-br", "en": "en"}.get(user.language, "es")
    with override(language):
        template = N_("%(count)d new questions in your clusters fit your expertise")
        text = _(template) % {"count": len(questions)}
        url = reverse("questions:waiting")
        messaging_services.notification_create(
            recipient=user, kind="question_digest", text=text, url=url, params=stored(template, count=len(questions))
        )
        lines = [f"- {q.title} ({q.cluster.name})\n  {settings.SITE_URL}{q.get_absolute_url()}" for q in questions]
        body = "\n".join([text + ":", "", *lines, "", f"{settings.SITE_URL}{url}"])
        subject = f"[Puente] {text}"[:200]
    if user.email:
        transaction.on_commit(
            lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email],
                              fail_silently=True)
        )
