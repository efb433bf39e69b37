"""Demo questions and answers in Spanish, Portuguese and English for every demo cluster: some with an
accepted answer (accepted through the service, so the incentive program pays if it covers the
cluster), some still waiting. Questions are found again by cluster and title, answers by question and
author, so running the seed twice changes nothing."""

from datetime import timedelta

from django.utils import timezone

from clusters.models import Cluster, User
from questions import services
from questions.models import Answer, Question

# cluster, asker, language, title, body, topics, markets, hours ago,
# [(answerer, body)], index of the accepted answer or None, [up-voters of the first answer]
QUESTIONS = [
    ("cafe-especial", "ana@demo.puente", "es",
     "¿Qué registros pide la FDA para exportar café verde a Estados Unidos?",
     "Tenemos un lote de 60 sacos de catuaí lavado (SCA 85) y un comprador en Miami. ¿Qué tengo que "
     "registrar yo y qué hace el importador?",
     ["customs", "certifications"], ["US"], 120,
     [("mateo@demo.puente",
       "Tres cosas:\n\n1. **Registro de la instalación** en la FDA (gratis, se renueva cada dos años pares).\n"
       "2. **Prior Notice** antes de cada embarque: lo hace tu importador o su agente.\n"
       "3. Tu importador debe tener un programa **FSVP** que te incluya como proveedor.\n\n"
       "Nosotros lo hicimos con un agente en EE. UU. por unos 300 USD al año."),
      ("diego@demo.puente", "Ojo: el agente de EE. UU. es obligatorio para instalaciones extranjeras. "
                            "Sin él, el registro no pasa.")],
     0, ["lucia@demo.puente", "carmen@demo.puente"]),
    ("cafe-especial", "ana@demo.puente", "es",
     "¿Cómo cotizo un flete de un contenedor de 20' de Puerto Cortés a Rotterdam?",
     "Es nuestro primer contenedor. ¿Conviene FOB o FCA? ¿A quién le pido cotización?",
     ["logistics", "pricing"], ["NL", "DE"], 60,
     [("mateo@demo.puente",
       "Pide cotización a dos o tres *freight forwarders* con el peso, los sacos (GrainPro) y la fecha. "
       "Para café en contenedor completo, **FOB Puerto Cortés** es lo usual; FCA si entregas en bodega.")],
     0, ["lucia@demo.puente"]),
    ("cafe-especial", "ana@demo.puente", "es",
     "¿Qué puntaje de catación SCA piden los tostadores de especialidad en Alemania?",
     "Nos dicen que menos de 84 puntos no interesa. ¿Es así?",
     ["market-entry"], ["DE"], 20,
     [("mateo@demo.puente", "Depende del tostador: los de especialidad compran desde 84–85; los "
                            "microlotes de más de 87 se venden por subasta o directo.")],
     None, []),
    ("cafe-especial", "diego@demo.puente", "en",
     "Is a letter of credit worth it for a first shipment to Japan?",
     "The buyer offers 30% advance and 70% against documents. Our bank suggests a confirmed L/C.",
     ["payments"], ["JP"], 8, [], None, []),
    ("cafe-especial", "carmen@demo.puente", "es",
     "¿Cómo demuestro que mi café cumple el reglamento EUDR de deforestación?",
     "Exportamos a Bélgica. ¿Basta con las coordenadas de cada parcela?",
     ["certifications", "legal"], ["BE"], 3, [], None, []),
    ("cacao-chocolate", "joana@demo.puente", "pt",
     "Como comprovar a origem do cacau para o regulamento EUDR?",
     "Vendemos amêndoas fermentadas para um chocolatier na França. Ele pede a geolocalização das fazendas.",
     ["certifications", "legal"], ["FR"], 96,
     [("carmen@demo.puente",
       "Você precisa dos polígonos (ou ponto GPS se a parcela tiver menos de 4 ha) de cada fazenda e de "
       "uma declaração de due diligence do importador. Nós usamos um app gratuito para mapear."),
      ("valentina@demo.puente", "E guarde as notas de compra de cada produtor: o importador vai pedir.")],
     0, ["rosa@demo.puente"]),
    ("cacao-chocolate", "rosa@demo.puente", "es",
     "¿Qué límite de cadmio aplica la UE al chocolate con 70 % de cacao?",
     "Nuestro análisis dio 0,6 mg/kg. ¿Podemos vender en Alemania?",
     ["certifications"], ["DE"], 30,
     [("valentina@demo.puente", "Para chocolate con ≥ 50 % de cacao el límite es **0,80 mg/kg**: estás "
                                "dentro, pero cerca. Mezcla con cacao de menor cadmio si puedes.")],
     None, []),
    ("software-ti", "sofia@demo.puente", "es",
     "¿Cómo facturo servicios de software a un cliente en Estados Unidos sin pagar doble impuesto?",
     "Somos una pyme en México y el cliente pide un W-8BEN-E.",
     ["legal", "payments"], ["US"], 48,
     [("camila@demo.puente", "Llena el **W-8BEN-E** invocando el tratado México–EE. UU.: así el cliente no "
                             "te retiene el 30 %. La exportación de servicios en México va con IVA 0 %.")],
     0, []),
    ("software-ti", "sofia@demo.puente", "en",
     "Which trade fairs are worth it for a nearshore software firm?",
     "We have budget for one fair in 2026.",
     ["fairs", "market-entry"], ["US", "CA"], 5, [], None, []),
    ("confeccion-textiles", "beatriz@demo.puente", "pt",
     "Qual etiqueta de composição é obrigatória para vender roupas nos Estados Unidos?",
     "Fabricamos camisetas de algodão em Fortaleza.",
     ["packaging", "customs"], ["US"], 72,
     [("isabel@demo.puente", "A FTC exige fibra e porcentagem, país de origem (\"Made in Brazil\"), "
                             "identificação do fabricante (RN) e instruções de cuidado.")],
     0, ["jorge@demo.puente"]),
    ("confeccion-textiles", "jorge@demo.puente", "es",
     "¿Cómo uso el CAFTA-DR para exportar prendas sin arancel a EE. UU.?",
     "Cosemos en El Salvador con tela de Asia.",
     ["customs"], ["US"], 12, [], None, []),
    ("frutas-hortalizas", "keisha@demo.puente", "en",
     "How long does GlobalG.A.P. certification take for a small avocado farm?",
     "We want to sell to a UK supermarket next season.",
     ["certifications"], ["GB"], 80,
     [("andres@demo.puente", "Plan on 4–6 months: a gap analysis, records for one season, then the "
                             "audit. Group certification (Option 2) halves the cost for small farms."),
      ("lucia@demo.puente", "Ask the buyer which add-ons they need (GRASP is common in the UK).")],
     0, []),
    ("frutas-hortalizas", "keisha@demo.puente", "en",
     "What cold-chain temperature should papaya travel at by sea?",
     "Reefer from Kingston to Rotterdam, about 14 days.",
     ["logistics"], ["NL"], 10, [], None, []),
    ("productos-del-mar", "otto@demo.puente", "es",
     "¿Cómo obtengo el número de aprobación sanitaria de la UE para exportar camarón?",
     "Tenemos planta en Nicaragua y un comprador en España.",
     ["certifications", "customs"], ["ES"], 50,
     [("pablo@demo.puente", "Tu planta debe estar en la lista de establecimientos autorizados de la UE "
                            "(TRACES). La solicitud la hace la autoridad sanitaria de tu país tras una "
                            "auditoría.")],
     0, []),
    ("productos-del-mar", "otto@demo.puente", "en",
     "Do US buyers require MSC certification for farmed shrimp?",
     "", ["certifications", "market-entry"], ["US"], 4, [], None, []),
]


def seed(stdout) -> None:
    people = {user.email: user for user in User.objects.filter(email__endswith="@demo.puente")}
    clusters = {cluster.slug: cluster for cluster in Cluster.objects.all()}
    created = 0
    now = timezone.now()
    for (slug, asker, language, title, body, topics, markets, hours, answers, accepted,
         voters) in QUESTIONS:
        cluster, author = clusters.get(slug), people.get(asker)
        if cluster is None or author is None:
            continue
        question = Question.objects.filter(cluster=cluster, title=title).first()
        if question is None:
            question = services.question_ask(
                cluster=cluster, author=author, title=title, body=body, language=language, topics=topics,
                target_markets=markets,
            )
            created += 1
        posted = []
        for offset, (answerer, text) in enumerate(answers):
            person = people.get(answerer)
            answer = Answer.objects.filter(question=question, author=person).first()
            if answer is None:
                answer = services.answer_post(question=question, author=person, body=text)
                Answer.objects.filter(pk=answer.pk).update(created_at=now - timedelta(hours=hours - 2 - offset))
            posted.append(answer)
        Question.objects.filter(pk=question.pk).update(
            created_at=now - timedelta(hours=hours), last_activity_at=now - timedelta(hours=max(hours - 3, 0)),
            first_answer_at=(now - timedelta(hours=hours - 2)) if posted else None,
        )
        question.refresh_from_db()
        if posted:
            for email in voters:
                voter = people.get(email)
                if voter and not posted[0].votes.filter(user=voter).exists():
                    services.vote_cast(user=voter, answer=posted[0], value=1)
        if accepted is not None and question.accepted_answer_id is None:
            services.answer_accept(question=question, answer=posted[accepted], acting_user=author)
    stdout.write(f"questions: {created} new demo questions")
    from questions import demo_history

    demo_history.seed(stdout)
