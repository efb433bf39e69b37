"""A year of demo history for the agency's impact page: eighteen more firms across the six clusters, each
mentored for two to three months at some point of the past year (sessions confirmed and paid), with the
outcome they recorded and their follow-up answers at 3, 6 and 12 months (some never answer).

Everything goes through the services, as people would cause it; then, demo only, the rows are dated as
if they had happened then (mentorships, sessions, follow-ups, and the awards and ledger transfers that
paid for the sessions). Each firm's person is the natural key: a second run changes nothing.
"""

import datetime

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from clusters.demo import new_demo_person
from clusters.models import Agency, Cluster, ClusterMembership, Firm, FirmMember, User
from mentoring import followups, services
from mentoring.models import Mentorship, OutcomeFollowUp, Session

# firm, country, cluster, women-led, person, language, outcome, markets at the end, markets added later
FIRMS = [
    ("Café Cumbres de Marcala", "HN", "cafe-especial", True, "Lorena Díaz", "es", "started", ["US"], ["CA"]),
    ("Beneficio Las Nubes", "GT", "cafe-especial", False, "Héctor Cuc", "es", "not_yet", [], ["US"]),
    ("Cafetal San Ignacio", "PE", "cafe-especial", True, "Rocío Huamán", "es", "restarted", ["DE"], ["BE"]),
    ("Chocolate Tres Ríos", "EC", "cacao-chocolate", True, "María Zambrano", "es", "started", ["NL"], ["DE"]),
    ("Cacau Serra Grande", "BR", "cacao-chocolate", False, "Tiago Nunes", "pt-br", "not_yet", [], []),
    ("Cacao Samaná", "DO", "cacao-chocolate", True, "Yanet Peña", "es", "started", ["US"], []),
    ("Datos del Plata", "AR", "software-ti", False, "Julián Sosa", "es", "started", ["ES"], ["US"]),
    ("Nuvem Mineira", "BR", "software-ti", True, "Luana Prado", "pt-br", "restarted", ["US"], ["PT"]),
    ("Kódigo Tico", "CR", "software-ti", False, "Esteban Mora", "es", "not_yet", [], []),
    ("Hilos de Ayacucho", "PE", "confeccion-textiles", True, "Norma Quispe", "es", "started", ["US"], ["JP"]),
    ("Confecciones Lempa", "SV", "confeccion-textiles", True, "Karla Alvarado", "es", "not_yet", [], ["GT"]),
    ("Malharia Potiguar", "BR", "confeccion-textiles", False, "Rafael Dantas", "pt-br", "started", ["PT"], []),
    ("Aguacates de Michoacán Sur", "MX", "frutas-hortalizas", False, "Ramiro Chávez", "es", "started", ["US"],
     ["CA", "JP"]),
    ("Mango Piura", "PE", "frutas-hortalizas", True, "Silvia Ramos", "es", "restarted", ["NL"], []),
    ("Blue Mountain Produce", "JM", "frutas-hortalizas", True, "Shanice Brown", "en", "not_yet", [], []),
    ("Pesquera Golfo de Fonseca", "NI", "productos-del-mar", False, "Ernesto Baca", "es", "started", ["US"], ["MX"]),
    ("Langostinos del Sur", "AR", "productos-del-mar", True, "Paula Ferreyra", "es", "started", ["ES"], []),
    ("Atunera Manta", "EC", "productos-del-mar", False, "Iván Macías", "es", "not_yet", [], []),
]

MENTORS = {
    "cafe-especial": ["mateo@demo.puente", "diego@demo.puente"],
    "cacao-chocolate": ["valentina@demo.puente", "carmen@demo.puente"],
    "software-ti": ["martin@demo.puente", "camila@demo.puente"],
    "confeccion-textiles": ["isabel@demo.puente"],
    "frutas-hortalizas": ["andres@demo.puente", "lucia@demo.puente"],
    "productos-del-mar": ["pablo@demo.puente", "marina@demo.puente"],
}

GOAL = "Preparar nuestro primer envío de exportación: costos, requisitos del mercado y un comprador."


def person(n: int, row, clusters: dict) -> User | None:
    """The firm's person (created with the firm and a membership of its cluster the first time)."""
    name, country, slug, women_led, full_name, language = row[:6]
    if slug not in clusters:
        return None
    firm, _ = Firm.objects.get_or_create(name=name, country=country, defaults={"women_led": women_led})
    email = f"historia{n:02d}@demo.puente"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = new_demo_person(email, name=full_name, country=country, language=language,
                               onboarded_at=timezone.now())
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        FirmMember.objects.create(firm=firm, user=user, role=FirmMember.Role.OWNER)
    ClusterMembership.objects.get_or_create(cluster=clusters[slug], user=user, defaults={
        "status": ClusterMembership.Status.ACTIVE, "decided_at": timezone.now()})
    return user


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _date_session_award(session: Session, day: datetime.date, staff: User | None) -> None:
    """The agency approves the session's award if it waits for review; then, demo only, the award and its
    payment are dated on the session's day."""
    from incentives.awards import award_approve
    from incentives.models import Award, Transfer

    award = Award.objects.filter(source_ref=session.source_ref).first()
    if award is None:
        return
    if award.status == Award.Status.PENDING and staff is not None and not award.flag_code:
        award = award_approve(award=award, acting_user=staff, reason="Sesión verificada con la empresa.")
    Award.objects.filter(pk=award.pk).update(created_at=_at(day, 18))
    if award.payment_id:
        # The ledger refuses updates through its own queryset; only the demo redates a payment.
        models.QuerySet.update(Transfer.objects.filter(pk=award.payment_id), created_at=_at(day, 18))


def _mentor_history(n: int, row, mentee: User, mentor: User, today: datetime.date, staff: User | None) -> None:
    outcome, markets, later = row[6], row[7], row[8]
    start = today - datetime.timedelta(days=560 - n * 25)
    end = start + datetime.timedelta(days=60 + (n % 3) * 15)
    try:
        request = services.request_create(aspirant=mentee, mentor=mentor, goal=GOAL)
        mentorship = services.request_accept(request=request, acting_user=mentor)
    except (ValidationError, PermissionDenied):
        return  # the mentor is full today: this firm's history is left out
    Mentorship.objects.filter(pk=mentorship.pk).update(started_at=_at(start))
    for k in range(3 + n % 3):
        day = min(start + datetime.timedelta(days=7 + k * 14), today - datetime.timedelta(days=1))
        session = services.session_log(mentorship=mentorship, acting_user=mentor, date=today,
                                       minutes=45 + 15 * (k % 3), notes="Sesión de seguimiento del plan.")
        Session.objects.filter(pk=session.pk).update(date=day)
        session.refresh_from_db()
        services.session_confirm(session=session, acting_user=mentee)
        _date_session_award(session, day, staff)
    if end >= today:
        return  # still running
    mentorship = services.mentorship_end(mentorship=mentorship, acting_user=mentor, completed=True,
                                         reason="Plan completado.")
    services.mentorship_record_outcome(mentorship=mentorship, acting_user=mentee, outcome=outcome, markets=markets)
    Mentorship.objects.filter(pk=mentorship.pk).update(ended_at=_at(end), outcome_recorded_at=_at(end, 12))
    for followup in OutcomeFollowUp.objects.filter(mentorship=mentorship):
        due = followups.add_months(end, followup.months)
        OutcomeFollowUp.objects.filter(pk=followup.pk).update(due_on=due)
        if due > today:
            continue
        OutcomeFollowUp.objects.filter(pk=followup.pk).update(asked_at=_at(due, 9))
        if (n + followup.months) % 5 == 0:
            continue  # never answered
        followup.refresh_from_db()
        exporting = outcome != "not_yet" or (later and followup.months >= 6)
        if outcome != "not_yet" and ((n % 6 == 5 and followup.months == 12) or (n % 7 == 3 and followup.months >= 6)):
            exporting = False  # stopped exporting within the year
        answered_markets = (markets + (later if followup.months >= 6 else [])) if exporting else []
        if outcome == "not_yet" and exporting:
            answered_markets = later
        followups.followup_answer(
            followup=followup, acting_user=mentee, exporting=exporting, markets=answered_markets,
            value_band="10k_100k" if exporting else "none", new_buyers=len(answered_markets) if exporting else 0,
            now=_at(due + datetime.timedelta(days=2 + n % 4), 15),
        )


def seed(stdout) -> None:
    clusters = {c.slug: c for c in Cluster.objects.filter(slug__in=list(MENTORS))}
    mentors = {u.email: u for u in User.objects.filter(email__in=[e for es in MENTORS.values() for e in es])}
    today = timezone.localdate()
    staff = User.objects.filter(email="rafael@demo.puente").first()
    for slug, emails in MENTORS.items():
        for email in emails:
            if slug in clusters and email in mentors:
                ClusterMembership.objects.get_or_create(cluster=clusters[slug], user=mentors[email], defaults={
                    "role": ClusterMembership.Role.MENTOR, "status": ClusterMembership.Status.ACTIVE,
                    "decided_at": timezone.now()})
    done = 0
    for n, row in enumerate(FIRMS):
        mentee = person(n, row, clusters)
        options = [mentors[e] for e in MENTORS.get(row[2], []) if e in mentors]
        if mentee is None or not options or Mentorship.objects.filter(mentee=mentee).exists():
            continue
        _mentor_history(n, row, mentee, options[n % len(options)], today, staff)
        done += 1
    if done:
        _redemptions(staff, mentors, today)
    if done:
        stdout.write(f"mentoring: a year of history for {done} more firms (mentorships, sessions, follow-ups).")


def _redemptions(staff: User | None, mentors: dict, today: datetime.date) -> None:
    """Mentors spent some of what they earned over the year: approved redemptions, dated then (demo only)."""
    from incentives import services as ledger
    from incentives.models import CatalogItem, Redemption, Transfer

    agency = Agency.objects.filter(slug="red-exporta").first()
    items = list(CatalogItem.objects.filter(agency=agency).order_by("price")) if agency else []
    if staff is None or not items:
        return
    for k, email in enumerate(["pablo@demo.puente", "martin@demo.puente", "isabel@demo.puente",
                               "andres@demo.puente", "valentina@demo.puente"]):
        person = mentors.get(email)
        if person is None:
            continue
        for j, item in enumerate(items[:2]):
            try:
                redemption = ledger.redemption_request(item=item, person=person, idempotency_key=f"demo-history-{k}-{j}")
                redemption = ledger.redemption_approve(redemption=redemption, acting_user=staff,
                                                       reason="Entregado al mentor.")
            except (ValidationError, PermissionDenied):
                continue  # not enough credits: nothing redeemed
            when = _at(today - datetime.timedelta(days=40 + 45 * k + 10 * j), 16)
            Redemption.objects.filter(pk=redemption.pk).update(created_at=when)
            paid = models.Q(pk=redemption.request_transfer_id) | models.Q(
                source_ref=f"incentives.redemption:{redemption.pk}")
            models.QuerySet.update(Transfer.objects.filter(paid), created_at=when)
