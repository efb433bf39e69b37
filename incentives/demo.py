"""Demo credits: Red Exporta runs a funded program for the coffee and cacao clusters, with approved and
pending awards for mateo@demo.puente, awards that show the anti-gaming rules at work (cut by a cap,
flagged because two mentors pay each other), a redemption catalog and one pending redemption, and an
answer's acceptance withdrawn after its credits were spent (the audit log's reason written by the code).
Idempotent."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_noop

from clusters.models import Agency, Cluster, Firm, User
from incentives import referrals, services
from incentives.awards import award_approve, award_grant, award_revoke
from incentives.models import Award, CatalogItem, Program, ProgramFunder, Redemption, Referral

PROGRAM = "Mentores que exportan 2026"
# A year-old program that pays mentoring in the other clusters: the history of the impact page.
HISTORY_PROGRAM = "Exporta Andes y Caribe 2025–2026"
HISTORY_CLUSTERS = ["software-ti", "confeccion-textiles", "frutas-hortalizas", "productos-del-mar"]

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

# The rules at work, so that an agency sees them in the queue, the wallets and the CSV:
# source_ref, kind, beneficiary, caused by, cluster, minutes, description, days ago, approve?
RULES_AT_WORK = [
    # 240 min at 80/h is 320 credits: the daily cap per mentor (300) cuts it.
    ("demo.session:1", "mentoring_session", "carmen@demo.puente", "joana@demo.puente", "cacao-chocolate", 240,
     "Sessão de mentoria: custos de exportar tabletes para a Bélgica (240 min)", 3, True),
    ("demo.session:2", "mentoring_session", "carmen@demo.puente", "joana@demo.puente", "cacao-chocolate", 210,
     "Sessão de mentoria: ficha técnica e rotulagem para a UE (210 min)", 2, True),
    # 300 + 280 credits between the two firms this month: the monthly pair cap (600) cuts 120 to 20.
    ("demo.session:3", "mentoring_session", "carmen@demo.puente", "joana@demo.puente", "cacao-chocolate", 90,
     "Sessão de mentoria: amostras para o importador de Antuérpia (90 min)", 1, True),
    # Two mentors accepting each other's answers: the second waits for review, flagged.
    ("demo.answer:10", "accepted_answer", "carmen@demo.puente", "diego@demo.puente", "cafe-especial", None,
     "Respuesta aceptada: ¿Conviene certificar Rainforest Alliance antes de exportar a Japón?", 1, True),
    ("demo.answer:11", "accepted_answer", "diego@demo.puente", "carmen@demo.puente", "cafe-especial", None,
     "Respuesta aceptada: humedad y actividad de agua del café verde para el contenedor", 1, False),
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
            ends_on=timezone.localdate() + datetime.timedelta(days=300), budget=26_000,
            rate_accepted_answer=50, rate_mentoring_hour=80, rate_helpful_vote=5, rate_library_entry=120,
            cap_mentor_day=300, cap_mentor_month=2_000, cap_pair_month=600, auto_approve=False,
            reason="Programa piloto aprobado por el comité de Red Exporta.",
        )
    services.program_fund(program=program, acting_user=rafael, amount=8_000,
                          reason="Primer desembolso del piloto", idempotency_key="demo-initial")

    seed_history_program(agency=agency, rafael=rafael, program=program)

    cluster_by_slug = {c.slug: c for c in clusters}
    for source_ref, kind, asker_email, cluster_slug, description, approve in AWARDS:
        asker = people.get(asker_email)
        # The words stored are the writer's; the title is what pages put in the reader's sentence.
        award = award_grant(kind=kind, beneficiary=mateo, cluster=cluster_by_slug[cluster_slug],
                            source_ref=source_ref, description=description, caused_by=asker,
                            description_params={"title": description.partition(": ")[2]})
        if approve and award is not None and award.status == Award.Status.PENDING:
            award_approve(award=award, acting_user=rafael, reason="Respuesta revisada: correcta y completa.")

    show_the_rules_at_work(people=people, clusters=cluster_by_slug, rafael=rafael)

    for kind, name, description, price, stock in CATALOG:
        if not CatalogItem.objects.filter(agency=agency, name=name).exists():
            services.catalog_item_save(agency=agency, acting_user=rafael, kind=kind, name=name,
                                       description=description, price=price, stock=stock)

    spread_awards_over_past_days()

    if not Redemption.objects.filter(person=mateo).exists():
        training = CatalogItem.objects.get(agency=agency, name=CATALOG[3][1])
        services.redemption_request(item=training, person=mateo, idempotency_key="demo")
    seed_partner(agency=agency, program=program, people=people)
    show_a_revocation_after_spending(people=people, cluster=cluster_by_slug["cafe-especial"], rafael=rafael)
    stdout.write("incentives: program, pool, awards, catalog and a pending redemption ready.")


PARTNER = {"slug": "fondo-exporta", "name": "Fondo Regional de Exportación", "country": "CR",
           "website": "https://fondo-exporta.example.org"}
FAIR_PROGRAM = "Delegación a World of Coffee 2026"


def seed_partner(*, agency: Agency, program: Program, people: dict) -> None:
    """A second agency co-funds the coffee and cacao program: Red Exporta pays each award up to 100 credits,
    the Fondo the rest (long sessions, library entries); it does not review each award, so Red Exporta's
    approval pays both shares and runs a trade-fair delegation that Red Exporta
    refers two firms to: Ana's waits for her answer, Mateo's firm accepted and shared its history."""
    rafael, paula = people.get("rafael@demo.puente"), people.get("paula@demo.puente")
    if paula is None:
        return
    partner, _created = Agency.objects.get_or_create(slug=PARTNER["slug"], defaults={
        k: v for k, v in PARTNER.items() if k != "slug"})
    partner.staff.add(paula)
    if not ProgramFunder.objects.filter(program=program, agency=partner).exists():
        services.program_funder_set(program=program, agency=agency, acting_user=rafael, share=1, cap=100,
                                    split=Program.Split.FIRST)
        funder = services.program_funder_set(program=program, agency=partner, acting_user=rafael, share=1,
                                             requires_approval=False)
        services.program_funder_accept(funder=funder, acting_user=paula)
    services.program_fund(program=program, acting_user=paula, amount=6_000, agency=partner,
                          reason="Aporte del Fondo al piloto", idempotency_key="demo-partner")
    valentina, rosa = people.get("valentina@demo.puente"), people.get("rosa@demo.puente")
    cacao = program.clusters.filter(slug="cacao-chocolate").first()
    if valentina and rosa and cacao and not Award.objects.filter(source_ref="demo.session:20").exists():
        # 160 credits: Red Exporta pays 100, the Fondo 60.
        award = award_grant(kind="mentoring_session", beneficiary=valentina, cluster=cacao,
                            source_ref="demo.session:20", caused_by=rosa, minutes=120,
                            description="Sesión de mentoría: precio FOB de la pasta de cacao para Italia (120 min)")
        if award is not None and award.status == Award.Status.PENDING:
            award_approve(award=award, acting_user=rafael, reason="Sesión confirmada por ambas partes.")
    fair = Program.objects.filter(agency=partner, name=FAIR_PROGRAM).first()
    if fair is None:
        fair = services.program_create(
            agency=partner, acting_user=paula, name=FAIR_PROGRAM, clusters=[],
            description="Ocho cupos en el pabellón regional, con agenda de reuniones con tostadores europeos.",
            starts_on=timezone.localdate(), ends_on=timezone.localdate() + datetime.timedelta(days=200),
        )
    if Referral.objects.filter(program=fair).exists():
        return
    for email, note, answer in [
        ("mateo@demo.puente", "Tostadores del Quindío ya exporta a Alemania: puede liderar la delegación.", True),
        ("ana@demo.puente", "Café Montaña Lenca completó su mentoría y tiene muestras listas: les conviene ir.",
         None),
    ]:
        person = people.get(email)
        firm = Firm.objects.filter(members__user=person).first() if person else None
        if firm is None:
            continue
        referral = referrals.referral_create(from_agency=agency, acting_user=rafael, firm=firm, program=fair,
                                             note=note)
        if answer is not None:
            referrals.referral_answer(referral=referral, acting_user=person, consent=answer, share_history=True)


REVOKED = ("demo.answer:30", "¿Qué documentos pide el importador japonés para el café verde?")


def show_a_revocation_after_spending(*, people: dict, cluster: Cluster, rafael: User) -> None:
    """Lucía's accepted answer is paid, she spends the credits on the letters-of-credit workshop, then Sofía
    withdraws the acceptance: the award cannot be reversed and the audit log says why, in the reader's
    language (a reason the code wrote)."""
    lucia, sofia = people.get("lucia@demo.puente"), people.get("sofia@demo.puente")
    source_ref, title = REVOKED
    if lucia is None or sofia is None or Award.objects.filter(source_ref=source_ref).exists():
        return
    award = award_grant(kind="accepted_answer", beneficiary=lucia, cluster=cluster, source_ref=source_ref,
                        description=f"Respuesta aceptada: {title}", description_params={"title": title},
                        caused_by=sofia)
    if award is None:
        return
    if award.status == Award.Status.PENDING:
        award_approve(award=award, acting_user=rafael, reason="Respuesta revisada.")
    workshop = CatalogItem.objects.get(agency=award.program.agency, name=CATALOG[3][1])
    services.redemption_request(item=workshop, person=lucia, idempotency_key="demo-revoked")
    award_revoke(kind="accepted_answer", source_ref=source_ref, reason=gettext_noop("The acceptance was withdrawn"),
                 acting_user=sofia)


def seed_history_program(*, agency: Agency, rafael: User, program: Program) -> None:
    """The program that paid the past year's mentoring in the other clusters, and more funds for the first."""
    others = list(Cluster.objects.filter(slug__in=HISTORY_CLUSTERS, agency=agency))
    if others and not Program.objects.filter(agency=agency, name=HISTORY_PROGRAM).exists():
        history = services.program_create(
            agency=agency, acting_user=rafael, name=HISTORY_PROGRAM, clusters=others,
            description="Créditos por horas de mentoría confirmadas en software, confección, frutas y pesca.",
            starts_on=timezone.localdate() - datetime.timedelta(days=600),
            ends_on=timezone.localdate() + datetime.timedelta(days=120), budget=40_000,
            rate_mentoring_hour=60, rate_accepted_answer=40, cap_mentor_day=240, cap_mentor_month=1_500,
            cap_pair_month=600, auto_approve=True, reason="Programa aprobado por el comité regional.",
        )
        services.program_fund(program=history, acting_user=rafael, amount=30_000,
                              reason="Desembolso anual", idempotency_key="demo-history-program")
    services.program_fund(program=program, acting_user=rafael, amount=12_000,
                          reason="Segundo desembolso del piloto", idempotency_key="demo-history")


def show_the_rules_at_work(*, people: dict, clusters: dict, rafael: User) -> None:
    """Grants RULES_AT_WORK one day after another (the caps count by day and month), through the award
    service, so each cut and flag is the rules' own; approves those the demo pays."""
    now = timezone.localtime()
    for source_ref, kind, beneficiary, caused_by, cluster, minutes, description, days_ago, approve in RULES_AT_WORK:
        if Award.objects.filter(source_ref=source_ref).exists() or not (people.get(beneficiary) and people.get(caused_by)):
            continue
        award = award_grant(kind=kind, beneficiary=people[beneficiary], cluster=clusters[cluster],
                            source_ref=source_ref, description=description, caused_by=people[caused_by],
                            minutes=minutes)
        if award is None:
            continue
        # Demo only: dated on an earlier day of this month, as if granted then.
        when = max(now - datetime.timedelta(days=days_ago), now.replace(day=1, hour=0, minute=0, second=1))
        Award.objects.filter(pk=award.pk).update(created_at=when)
        if approve and award.status == Award.Status.PENDING:
            award_approve(award=award, acting_user=rafael, reason="Revisada por el equipo de Red Exporta.")


def spread_awards_over_past_days() -> None:
    """The demo's awards are for answers and sessions of the past weeks: dated today, they would fill
    the mentors' daily cap and a new answer accepted in the demo would pay nothing. Today's awards are
    spread over the past two weeks (an award's date only counts for the caps; the ledger keeps its own)."""
    now = timezone.now()
    today = Award.objects.filter(created_at__date=timezone.localdate()).order_by("pk").values_list("pk", flat=True)
    for n, pk in enumerate(list(today)):
        Award.objects.filter(pk=pk).update(created_at=now - datetime.timedelta(days=1 + n % 14, hours=n % 5))
