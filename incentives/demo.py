"""Demo credits: Red Exporta runs a funded program for the coffee and cacao clusters, with approved and
pending awards for mateo@demo.puente, a redemption catalog and one pending redemption. Idempotent."""

import datetime

from django.utils import timezone

from clusters.models import Agency, Cluster, User
from incentives import services
from incentives.awards import award_approve, award_grant
from incentives.models import Award, CatalogItem, Program, Redemption

PROGRAM = "Mentores que exportan 2026"

# source_ref, kind, asker/voter, cluster, description, approve?
AWARDS = [
    ("demo.answer:1", "accepted_answer", "ana@demo.puente", "cafe-especial",
     "Respuesta aceptada: ¿Cómo registro mi empresa ante la FDA para exportar café tostado?", True),
    ("demo.answer:2", "accepted_answer", "sofia@demo.puente", "cafe-especial",
     "Accepted answer: Which Incoterm should I quote to a roaster in Hamburg, FOB or FCA?", True),
    ("demo.vote:1", "helpful_vote", "carmen@demo.puente", "cafe-especial",
     "Resposta útil: como preparar amostras para a prova de xícara SCA", True),
    ("demo.answer:3", "accepted_answer", "ana@demo.puente", "cafe-especial",
     "Respuesta aceptada: ¿Qué exige el reglamento EUDR sobre la geolocalización de las fincas?", False),
    ("demo.vote:2", "helpful_vote", "diego@demo.puente", "cafe-especial",
     "Helpful answer: comparing three freight quotes for a 20' container to Rotterdam", False),
]

CATALOG = [
    ("trade_fair", "Stand compartido en World of Coffee", "Un espacio de 2 m² en el pabellón regional.", 600, 4),
    ("certification", "Subsidio para certificación GlobalG.A.P.", "Cubre el 50 % de la auditoría inicial.", 300, 10),
    ("freight", "Voucher de flete: muestras a EE. UU. y la UE", "Envío courier de hasta 5 kg de muestras.", 80, 25),
    ("training", "Cupo en el taller de cartas de crédito", "Taller virtual de dos tardes con un banco aliado.", 50, 30),
]


def seed(stdout) -> None:
    agency = Agency.objects.filter(slug="red-exporta").first()
    people = {u.email: u for u in User.objects.filter(email__endswith="@demo.puente")}
    rafael, mateo = people.get("rafael@demo.puente"), people.get("mateo@demo.puente")
    clusters = list(Cluster.objects.filter(slug__in=["cafe-especial", "cacao-chocolate"]))
    if agency is None or rafael is None or mateo is None or not clusters:
        stdout.write("incentives: the demo agency, people or clusters are missing; skipped.")
        return

    program = Program.objects.filter(agency=agency, name=PROGRAM).first()
    if program is None:
        program = services.program_create(
            agency=agency, acting_user=rafael, name=PROGRAM, clusters=clusters,
            description="Créditos para mentores que comparten lo que saben sobre exportar café y cacao.",
            starts_on=timezone.localdate() - datetime.timedelta(days=60),
            ends_on=timezone.localdate() + datetime.timedelta(days=300), budget=20_000,
            rate_accepted_answer=50, rate_mentoring_hour=80, rate_helpful_vote=5,
            cap_mentor_day=300, cap_mentor_month=2_000, cap_pair_month=600, auto_approve=False,
            reason="Programa piloto aprobado por el comité de Red Exporta.",
        )
    services.program_fund(program=program, acting_user=rafael, amount=8_000,
                          reason="Primer desembolso del piloto", idempotency_key="demo-initial")

    cluster_by_slug = {c.slug: c for c in clusters}
    for source_ref, kind, asker_email, cluster_slug, description, approve in AWARDS:
        asker = people.get(asker_email)
        award = award_grant(kind=kind, beneficiary=mateo, cluster=cluster_by_slug[cluster_slug],
                            source_ref=source_ref, description=description, caused_by=asker)
        if approve and award is not None and award.status == Award.Status.PENDING:
            award_approve(award=award, acting_user=rafael, reason="Respuesta revisada: correcta y completa.")

    for kind, name, description, price, stock in CATALOG:
        if not CatalogItem.objects.filter(agency=agency, name=name).exists():
            services.catalog_item_save(agency=agency, acting_user=rafael, kind=kind, name=name,
                                       description=description, price=price, stock=stock)

    spread_awards_over_past_days()

    if not Redemption.objects.filter(person=mateo).exists():
        training = CatalogItem.objects.get(agency=agency, name=CATALOG[3][1])
        services.redemption_request(item=training, person=mateo, idempotency_key="demo")
    stdout.write("incentives: program, pool, awards, catalog and a pending redemption ready.")


def spread_awards_over_past_days() -> None:
    """The demo's awards are for answers and sessions of the past weeks: dated today, they would fill
    the mentors' daily cap and a new answer accepted in the demo would pay nothing. Today's awards are
    spread over the past two weeks (an award's date only counts for the caps; the ledger keeps its own)."""
    now = timezone.now()
    today = Award.objects.filter(created_at__date=timezone.localdate()).order_by("pk").values_list("pk", flat=True)
    for n, pk in enumerate(list(today)):
        Award.objects.filter(pk=pk).update(created_at=now - datetime.timedelta(days=1 + n % 14, hours=n % 5))
