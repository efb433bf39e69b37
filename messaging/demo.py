"""Demo rooms and conversations: a general room for every demo cluster, a few topic rooms, a history
in Spanish, Portuguese and English, and a direct conversation between Ana and Mateo.

Messages are posted through the service with a fixed client id per author, so running the seed again
finds them instead of posting twice.
"""

from datetime import timedelta

from django.utils import timezone

from clusters.models import Cluster, User
from messaging import services
from messaging.models import Message, Room

TOPIC_ROOMS = [
    # cluster, facilitator, name, topic
    ("cafe-especial", "lucia@demo.puente", "Registro FDA y FSMA",
     "Registro de instalaciones, aviso previo, FSVP de los importadores"),
    ("cafe-especial", "lucia@demo.puente", "Muestras y envíos", "Muestras por courier, carga aérea, contenedores"),
    ("cacao-chocolate", "valentina@demo.puente", "EUDR y trazabilidad",
     "Geolocalización de parcelas, debida diligencia, cadmio"),
]

# (cluster slug, room name or None for general, author, hours ago, body)
CONVERSATIONS = [
    ("cafe-especial", None, "lucia@demo.puente", 72,
     "¡Bienvenidos al cuarto general del clúster de café! Preséntense: finca, altura, proceso y a qué "
     "mercado quieren llegar."),
    ("cafe-especial", None, "ana@demo.puente", 71,
     "Hola, soy Ana de **Café Montaña Lenca** (Intibucá, 1.500 m). Lavado y honey. Queremos vender nuestro "
     "primer microlote a un tostador en Estados Unidos."),
    ("cafe-especial", None, "mateo@demo.puente", 70,
     "Bienvenida, Ana. Antes que nada: ¿tienen puntaje SCA de un catador Q certificado? Con 84+ ya se "
     "puede hablar de microlote; por debajo de 82 es difícil salir del comercial."),
    ("cafe-especial", None, "ana@demo.puente", 69,
     "Nos catearon en la cooperativa: 85,25 el lavado y 86 el honey. ¿Eso lo acepta un comprador o hay "
     "que recatar allá?"),
    ("cafe-especial", None, "carmen@demo.puente", 68,
     "Siempre van a catar su propia muestra. El puntaje local sirve para abrir la puerta, pero manden "
     "muestras: 200–300 g de verde por lote, bien etiquetadas con lote, altura y proceso."),
    ("cafe-especial", None, "diego@demo.puente", 50,
     "We had a buyer from Portland visit last harvest. They asked for the *pre-shipment sample* to match "
     "the offer sample within 1 point. Worth planning your drying so the lot stays consistent."),
    ("cafe-especial", "Registro FDA y FSMA", "ana@demo.puente", 48,
     "¿Alguien sabe si el beneficio húmedo tiene que registrarse en la FDA o solo la bodega de exportación?"),
    ("cafe-especial", "Registro FDA y FSMA", "mateo@demo.puente", 47,
     "Se registra la instalación que *almacena o procesa* el café verde antes de exportar (Food Facility "
     "Registration). El registro es gratis y se renueva entre octubre y diciembre de los años pares.\n\n"
     "Además necesitan un **agente en EE. UU.** y cada envío lleva *Prior Notice*."),
    ("cafe-especial", "Registro FDA y FSMA", "lucia@demo.puente", 46,
     "Y ojo con el FSVP: el importador tiene que verificar a su proveedor. Tengan listo un resumen de su "
     "plan de inocuidad (secado, almacenamiento, control de plagas) en inglés."),
    ("cafe-especial", "Muestras y envíos", "ana@demo.puente", 30,
     "Cotizaciones para mandar 6 muestras de 300 g a Oregon: DHL USD 95, FedEx USD 110. ¿Es normal?"),
    ("cafe-especial", "Muestras y envíos", "diego@demo.puente", 29,
     "Es normal para courier. Declaren *muestras sin valor comercial*, partida 0901.11 y pongan el número "
     "de registro FDA en la factura proforma: evita que las retengan en aduana."),
    ("cafe-especial", "Muestras y envíos", "mateo@demo.puente", 28,
     "Para el lote completo, si son 10–20 sacos, pidan cotización de carga aérea consolidada a Miami vs. "
     "contenedor compartido (LCL) desde Puerto Cortés. Con microlotes el aéreo a veces compensa por frescura."),
    ("cacao-chocolate", None, "valentina@demo.puente", 60,
     "Bienvenidas y bienvenidos al clúster de cacao. Tema del mes: **límites de cadmio en la UE** "
     "(Reglamento 2023/915): 0,60 mg/kg para chocolate con ≥50 % de cacao."),
    ("cacao-chocolate", None, "rosa@demo.puente", 59,
     "Nuestro chocolate al 70 % dio 0,45 mg/kg en el laboratorio de Santo Domingo. ¿Los compradores "
     "europeos aceptan análisis locales o piden uno acreditado ISO 17025?"),
    ("cacao-chocolate", None, "carmen@demo.puente", 58,
     "Piden laboratorio acreditado ISO 17025. Nosotros mandamos a uno en Lima y cuesta unos USD 60 por "
     "muestra. Guarden los certificados por lote."),
    ("cacao-chocolate", None, "joana@demo.puente", 40,
     "Olá! Sou a Joana, da Doce Cacau Bahia. A gente exporta um pouco para Portugal. Alguém já vendeu "
     "chocolate de origem para a Alemanha? Queremos saber sobre rotulagem e o cádmio também."),
    ("cacao-chocolate", None, "valentina@demo.puente", 39,
     "¡Hola Joana! Para Alemania: etiqueta en alemán, lista de ingredientes con alérgenos resaltados, "
     "tabla nutricional y el importador como responsable en la UE. El cadmio aplica igual en toda la UE."),
    ("cacao-chocolate", "EUDR y trazabilidad", "valentina@demo.puente", 36,
     "La EUDR exige la **geolocalización de cada parcela** (polígono si es de más de 4 ha) y demostrar que "
     "no hubo deforestación después del 31 de diciembre de 2020."),
    ("cacao-chocolate", "EUDR y trazabilidad", "joana@demo.puente", 35,
     "Nossos fornecedores são pequenos produtores do Sul da Bahia. Vocês usam algum aplicativo para "
     "coletar os polígonos? O comprador em Lisboa já pediu os dados."),
    ("cacao-chocolate", "EUDR y trazabilidad", "carmen@demo.puente", 34,
     "En la cooperativa usamos un GPS de celular y una planilla; lo importante es el formato GeoJSON que "
     "pide el sistema de la UE. Les comparto la plantilla en el próximo mensaje."),
    ("software-ti", None, "martin@demo.puente", 55,
     "Welcome to the software exporters' room. First question of the week: how do you price a nearshore "
     "team for a US client — per hour, per sprint or per month?"),
    ("software-ti", None, "camila@demo.puente", 54,
     "Per month per dedicated engineer works best for us, with a 30-day notice clause. Invoice in USD "
     "and agree on who pays the wire fees."),
    ("software-ti", None, "sofia@demo.puente", 53,
     "Nosotros apenas empezamos. ¿Cómo manejan la facturación en dólares desde México? ¿Cuenta en EE. UU. "
     "o cuenta en dólares aquí?"),
    ("productos-del-mar", None, "marina@demo.puente", 45,
     "Bienvenidos. Recordatorio: para exportar a la UE la planta tiene que estar en la lista de "
     "establecimientos autorizados de su país; para EE. UU., plan HACCP y registro FDA."),
    ("productos-del-mar", None, "otto@demo.puente", 44,
     "Tenemos langosta espinosa y pargo. ¿Qué certificación piden más los importadores de Miami: MSC o "
     "basta con la trazabilidad de captura?"),
    ("productos-del-mar", None, "pablo@demo.puente", 43,
     "Para langosta de Nicaragua en Miami piden sobre todo los documentos de captura y respetar la veda. "
     "MSC abre puertas en Europa, pero es caro para empezar."),
    ("frutas-hortalizas", None, "andres@demo.puente", 41,
     "Hola a todos. Esta semana: GlobalG.A.P. — ¿quién ya pasó la auditoría y cuánto les costó?"),
    ("frutas-hortalizas", None, "keisha@demo.puente", 40,
     "We're preparing for GlobalG.A.P. on our scotch bonnet farm in St. Elizabeth. The auditor quoted "
     "USD 1,800. Is that typical for 5 hectares?"),
    ("frutas-hortalizas", None, "lucia@demo.puente", 39,
     "That's in the usual range, Keisha. Budget also for the water analysis and the residue tests; those "
     "surprised us the first year."),
    ("confeccion-textiles", None, "isabel@demo.puente", 38,
     "Bienvenidas a Confección. ¿Alguien ya usó la regla de origen *yarn-forward* del CAFTA-DR?"),
    ("confeccion-textiles", None, "beatriz@demo.puente", 37,
     "Oi! Nós não estamos no CAFTA, mas queremos vender moda praia para os EUA. Quais etiquetas são "
     "obrigatórias lá?"),
    ("confeccion-textiles", None, "jorge@demo.puente", 36,
     "En EE. UU.: fibra y porcentaje, país de origen, cuidado (FTC Care Labeling) e identificación del "
     "fabricante o RN number."),
]

DIRECT = [
    ("mateo@demo.puente", 26,
     "Ana, vi tus puntajes. Si quieres, revisamos juntos la hoja de oferta antes de que mandes las muestras."),
    ("ana@demo.puente", 25,
     "¡Sí, por favor! Tengo dudas con el Incoterm: ¿FOB Puerto Cortés o FCA en la bodega?"),
    ("mateo@demo.puente", 24,
     "Para un primer cliente pequeño, FCA en tu bodega te quita el riesgo del transporte interno, pero "
     "muchos tostadores esperan FOB. Ofrece FOB y ten calculado el costo del flete a puerto."),
    ("ana@demo.puente", 23, "Perfecto. Y el pago: el comprador propone 30 % adelantado y 70 % contra documentos."),
    ("mateo@demo.puente", 22,
     "Es razonable. Para montos grandes pide carta de crédito; para un microlote, 30/70 contra copia del "
     "B/L está bien si verificaste al comprador."),
]


def _post(room: Room, email: str, hours_ago: int, body: str, number: int, people: dict[str, User]) -> bool:
    author = people.get(email)
    if author is None or not body:
        return False
    client_id = f"demo-{room.pk}-{number}"
    if Message.objects.filter(author=author, client_id=client_id).exists():
        return False
    message = services.message_post(room=room, author=author, body=body, client_id=client_id)
    # A history, not a burst: spread the messages over the last days.
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return True


def seed(stdout) -> None:
    clusters = {cluster.slug: cluster for cluster in Cluster.objects.all()}
    people = {user.email: user for user in User.objects.filter(email__endswith="@demo.puente")}
    rooms: dict[tuple[str, str | None], Room] = {}
    for slug, cluster in clusters.items():
        rooms[(slug, None)] = services.room_general_for_cluster(cluster=cluster)
    for slug, email, name, topic in TOPIC_ROOMS:
        cluster = clusters.get(slug)
        if cluster is None or email not in people:
            continue
        room = Room.objects.filter(cluster=cluster, name=name).first()
        if room is None:
            room = services.room_create_topic(cluster=cluster, creator=people[email], name=name, topic=topic)
        rooms[(slug, name)] = room

    posted = 0
    for number, (slug, room_name, email, hours_ago, body) in enumerate(CONVERSATIONS):
        room = rooms.get((slug, room_name))
        if room is None:
            continue
        if email in people and not services.can_read_room(user=people[email], room=room):
            continue
        posted += _post(room, email, hours_ago, body, number, people)

    if "ana@demo.puente" in people and "mateo@demo.puente" in people:
        direct = services.room_direct(user=people["ana@demo.puente"], other=people["mateo@demo.puente"])
        for number, (email, hours_ago, body) in enumerate(DIRECT):
            posted += _post(direct, email, hours_ago, body, number, people)
    stdout.write(f"messaging: {len(rooms)} cluster rooms, {posted} new messages")
