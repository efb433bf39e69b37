"""Mentoring's demo world: profiles for the demo mentors, needs for the aspirants, Ana's mentorship with
Mateo (a plan, confirmed sessions, one waiting for her) and a request waiting for Mateo.

Everything goes through the services, as people would cause it; natural keys are looked up first, so a
second run changes nothing.
"""

import datetime

from django.utils import timezone

from clusters.models import Sector, User
from mentoring import services
from mentoring.models import AspirantNeeds, MentorProfile, Mentorship, MentorshipRequest, Session

MENTORS = [
    # email, sectors, markets (country, since), topics, languages, capacity, availability, bio
    ("mateo@demo.puente", ["specialty-coffee"], [("DE", 2015), ("US", 2017), ("JP", 2021)],
     ["pricing", "logistics", "certifications", "fairs"], ["es", "en"], 3, "Martes y jueves, 6–8 p. m. (Bogotá)",
     "Exportamos café verde y tostado de microlotes del Quindío desde 2015: primero a tostadores de Hamburgo, "
     "luego a Estados Unidos y Japón. Sé lo que cuesta un puntaje SCA de 86 y cómo se cotiza un contenedor."),
    ("carmen@demo.puente", ["specialty-coffee", "cacao-chocolate"], [("US", 2009), ("BE", 2012), ("DE", 2014)],
     ["certifications", "market-entry", "payments"], ["es", "en"], 2, "Lunes por la mañana (Lima)",
     "Cooperativa de 600 familias; certificación orgánica y comercio justo, cartas de crédito y la nueva "
     "regulación europea de deforestación (EUDR)."),
    ("diego@demo.puente", ["specialty-coffee"], [("US", 2019)], ["customs", "packaging", "ecommerce"], ["es"], 2,
     "Fines de semana", "Vendemos microlotes de Huehuetenango a tostadores de EE. UU.; registro FDA y empaque."),
    ("valentina@demo.puente", ["cacao-chocolate"], [("CH", 2011), ("NL", 2013), ("US", 2018)],
     ["certifications", "logistics", "market-entry"], ["es", "en"], 3, "Miércoles por la tarde (Guayaquil)",
     "Cacao fino de aroma Nacional para chocolateros suizos y holandeses: cadmio, trazabilidad y EUDR."),
    ("martin@demo.puente", ["software-it"], [("US", 2012), ("ES", 2016), ("AR", 2010)],
     ["pricing", "legal", "payments", "market-entry"], ["es", "en"], 4, "Async first; calls on Fridays",
     "Nearshore teams for US fintechs since 2012: pricing per squad, contracts under New York law, getting paid."),
    ("camila@demo.puente", ["software-it"], [("PE", 2018), ("US", 2022)], ["ecommerce", "market-entry"],
     ["es", "en"], 2, "Jueves", "Plataformas de e-commerce para marcas de Perú y EE. UU."),
    ("isabel@demo.puente", ["apparel-textiles"], [("US", 2008), ("JP", 2013), ("IT", 2016)],
     ["fairs", "packaging", "certifications"], ["es", "en"], 3, "Martes (Cusco)",
     "Tejidos de alpaca para tiendas de Nueva York, Tokio y Milán; ferias como Pitti Filati y etiquetado textil."),
    ("andres@demo.puente", ["fresh-produce"], [("US", 2016), ("CA", 2019)], ["logistics", "certifications"],
     ["es", "en"], 2, "Temprano por la mañana",
     "Aguacate Hass a EE. UU. y Canadá: programa de USDA-APHIS, cadena de frío y seguro de carga."),
    ("pablo@demo.puente", ["seafood"], [("US", 2005), ("ES", 2010), ("CN", 2017)],
     ["certifications", "logistics", "customs"], ["es", "en"], 3, "Lunes a viernes, 7–9 a. m.",
     "Camarón congelado y lomos de atún: HACCP, registro FDA y UE, certificación ASC."),
    ("marina@demo.puente", ["seafood"], [("ES", 2014), ("BR", 2018)], ["certifications", "payments"],
     ["es", "pt-br"], 2, "Quincenal", "Merluza y langostino argentino para España y Brasil; cobranzas y seguros."),
    ("lucia@demo.puente", ["fresh-produce"], [("US", 2010), ("NL", 2012), ("CA", 2015)],
     ["certifications", "logistics", "fairs"], ["es", "en"], 2, "Viernes (San José)",
     "Piña y raíces a Róterdam y Filadelfia; GlobalG.A.P. y negociación con importadores."),
]

NEEDS = [
    # email, sector, target markets, topics, language
    ("ana@demo.puente", "specialty-coffee", ["US", "DE"], ["certifications", "pricing", "logistics"], "es"),
    ("rosa@demo.puente", "cacao-chocolate", ["BE", "NL", "DE"], ["certifications", "market-entry"], "es"),
    ("joana@demo.puente", "cacao-chocolate", ["PT", "US"], ["packaging", "ecommerce"], "pt-br"),
    ("sofia@demo.puente", "software-it", ["US"], ["pricing", "legal"], "es"),
    ("beatriz@demo.puente", "apparel-textiles", ["US", "PT"], ["fairs", "packaging"], "pt-br"),
    ("jorge@demo.puente", "apparel-textiles", ["US"], ["customs", "certifications"], "es"),
    ("keisha@demo.puente", "fresh-produce", ["US", "CA"], ["certifications", "logistics"], "en"),
    ("otto@demo.puente", "seafood", ["US"], ["certifications", "customs"], "es"),
]

ANA_GOAL = ("Queremos enviar nuestro primer lote de café lavado de Intibucá a un tostador en Estados Unidos "
            "este año, con el registro FDA y un precio que cubra nuestros costos.")
SOFIA_GOAL = ("Queremos vender café tostado en nuestra tienda en línea en EE. UU. y no sabemos qué necesita "
              "la FDA ni cómo calcular el precio puesto en destino.")
ROSA_GOAL = ("Quiero vender mis tabletas de chocolate bean-to-bar a tiendas especializadas en Bélgica; "
             "necesito entender los límites de cadmio y la etiqueta en francés y neerlandés.")

SESSIONS = [
    # days ago, minutes, topics, notes, confirmed
    (21, 60, ["market-entry", "certifications"], "Repasamos el registro de instalaciones ante la FDA y el agente "
     "en EE. UU. Ana se queda con la lista de documentos.", True),
    (14, 45, ["pricing"], "Armamos la hoja de costos: de precio en finca a FOB Puerto Cortés y a CIF Miami.", True),
    (7, 90, ["logistics", "packaging"], "Cotizaciones de dos transitarios, carga aérea para muestras y "
     "consolidado LCL; etiqueta en inglés con país de origen.", True),
    (2, 30, ["fairs"], "Preparamos el correo a tres tostadores de Portland con la ficha del lote (SCA 85.5).", False),
]

CHAT = [
    ("ana@demo.puente", "Buenos días, Mateo. Ya tenemos la cotización del transitario para el envío de muestras."),
    ("mateo@demo.puente", "¡Bien! ¿Es DHL o consolidado? Para 5 kg de muestras conviene courier."),
    ("ana@demo.puente", "Courier, 68 dólares a Portland. ¿Mandamos 300 g por tostador?"),
    ("mateo@demo.puente", "300 g está bien. Incluye la ficha con el puntaje SCA y la altura de la finca."),
]


def _people(emails) -> dict[str, User]:
    return {u.email: u for u in User.objects.filter(email__in=list(emails))}


def _seed_profiles(sectors: dict[str, Sector], people: dict[str, User]) -> int:
    created = 0
    for email, sector_slugs, markets, topics, languages, capacity, availability, bio in MENTORS:
        user = people.get(email)
        if user is None or MentorProfile.objects.filter(user=user).exists():
            continue
        services.mentor_profile_save(
            user=user, bio=bio, sectors=[sectors[s] for s in sector_slugs if s in sectors], markets=markets,
            topics=topics, languages=languages, capacity=capacity, availability=availability,
        )
        created += 1
    for email, sector_slug, markets, topics, language in NEEDS:
        user = people.get(email)
        if user is None or AspirantNeeds.objects.filter(user=user).exists():
            continue
        services.aspirant_needs_save(
            user=user, sector=sectors.get(sector_slug), target_markets=markets, topics=topics, language=language
        )
    return created


def _seed_ana_and_mateo(ana: User, mateo: User, stdout) -> None:
    if Mentorship.objects.filter(mentor=mateo, mentee=ana).exists():
        return
    request = services.request_create(aspirant=ana, mentor=mateo, goal=ANA_GOAL)
    mentorship = services.request_accept(request=request, acting_user=mateo, plan_template="first-shipment-us")
    # Demo only: the mentorship began a month ago.
    Mentorship.objects.filter(pk=mentorship.pk).update(started_at=timezone.now() - datetime.timedelta(days=29))
    goal = mentorship.goals.get()
    for milestone in list(goal.milestones.all())[:3]:
        services.milestone_toggle(milestone=milestone, acting_user=ana)
    extra = services.goal_add(mentorship=mentorship, acting_user=ana, title="Participar en la SCA Specialty Coffee Expo")
    services.milestone_add(goal=extra, acting_user=mateo, title="Reservar el pase de visitante y agendar 10 citas",
                           due_on=timezone.localdate() + datetime.timedelta(days=45))
    today = timezone.localdate()
    for days_ago, minutes, topics, notes, confirmed in SESSIONS:
        session = services.session_log(
            mentorship=mentorship, acting_user=mateo, date=today - datetime.timedelta(days=days_ago),
            minutes=minutes, topics=topics, notes=notes,
        )
        if confirmed:
            services.session_confirm(session=session, acting_user=ana)
    _seed_chat(mentorship, {ana.email: ana, mateo.email: mateo}, stdout)


def _seed_chat(mentorship: Mentorship, people: dict[str, User], stdout) -> None:
    if mentorship.room is None:
        return
    from messaging.models import Message
    from messaging.services import message_post

    now = timezone.now()
    for i, (email, body) in enumerate(CHAT):
        message = message_post(room=mentorship.room, author=people[email], body=body,
                               client_id=f"demo-mentoring-{mentorship.pk}-{i}")
        # Demo only: spread this morning's chat over 50 minutes, so the session form has a span to suggest.
        Message.objects.filter(pk=message.pk).update(created_at=now - datetime.timedelta(minutes=50 - 15 * i))


def seed(stdout) -> None:
    sectors = {s.slug: s for s in Sector.objects.all()}
    people = _people([row[0] for row in MENTORS] + [row[0] for row in NEEDS])
    created = _seed_profiles(sectors, people)

    ana, mateo = people.get("ana@demo.puente"), people.get("mateo@demo.puente")
    if ana and mateo:
        _seed_ana_and_mateo(ana, mateo, stdout)
    waiting = [("sofia@demo.puente", "mateo@demo.puente", SOFIA_GOAL), ("rosa@demo.puente", "carmen@demo.puente",
                                                                         ROSA_GOAL)]
    for aspirant_email, mentor_email, goal in waiting:
        aspirant, mentor = people.get(aspirant_email), people.get(mentor_email)
        if aspirant and mentor and not MentorshipRequest.objects.filter(aspirant=aspirant, mentor=mentor).exists():
            services.request_create(aspirant=aspirant, mentor=mentor, goal=goal)
    from mentoring import demo_history

    demo_history.seed(stdout)
    stdout.write(
        f"mentoring: {MentorProfile.objects.count()} mentor profiles ({created} new), "
        f"{Mentorship.objects.count()} mentorships, {Session.objects.count()} sessions, "
        f"{MentorshipRequest.objects.filter(status__in=MentorshipRequest.OPEN_STATUSES).count()} open requests"
    )
