"""The demo world's base: sectors, an agency, firms from across the region, people and clusters.

Every record is looked up by a natural key first, so running the seed again changes nothing.
"""

import functools

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from clusters import services
from clusters.models import Agency, Cluster, ClusterMembership, Firm, FirmMember, Sector, User

DEMO_PASSWORD = "puente-demo"


def new_demo_person(email: str, **fields) -> User:
    """A demo person who signs in with DEMO_PASSWORD. Every one of them shares one hash, made once: a
    password hash is slow on purpose (about a third of a second), and the demo has forty people."""
    password = _demo_password_hash(tuple(settings.PASSWORD_HASHERS))  # one hash per hasher setting
    return User.objects.create(email=User.objects.normalize_email(email).lower(), password=password, **fields)


@functools.lru_cache(maxsize=4)
def _demo_password_hash(hashers: tuple[str, ...]) -> str:
    return make_password(DEMO_PASSWORD)


PERSONAS = [
    ("ana@demo.puente", "aspirant · Café Montaña Lenca, Honduras · member of the coffee cluster"),
    ("mateo@demo.puente", "mentor · Tostadores del Quindío, Colombia · mentor in the coffee cluster"),
    ("lucia@demo.puente", "facilitator of the specialty coffee cluster"),
    ("rafael@demo.puente", "staff of the demo export-promotion agency"),
    ("joana@demo.puente", "new exporter · Doce Cacau Bahia, Brazil · reads Portuguese · in the cacao cluster"),
    ("otto@demo.puente", "member of the seafood cluster only"),
    ("paula@demo.puente", "staff of the agency that co-funds the coffee and cacao program"),
]

SECTORS = [
    # slug, English, Spanish, Portuguese, HS chapters
    ("specialty-coffee", "Specialty coffee", "Café especial", "Café especial", ["09"]),
    ("cacao-chocolate", "Cacao and chocolate", "Cacao y chocolate", "Cacau e chocolate", ["18"]),
    ("software-it", "Software and IT services", "Software y servicios TI", "Software e serviços de TI", []),
    ("apparel-textiles", "Apparel and textiles", "Confección y textiles", "Confecção e têxteis", ["52", "61", "62"]),
    ("fresh-produce", "Fresh produce", "Frutas y hortalizas frescas", "Frutas e hortaliças frescas", ["07", "08"]),
    ("seafood", "Seafood", "Productos del mar", "Pescados e frutos do mar", ["03", "16"]),
]

AGENCY = {
    "slug": "red-exporta",
    "name": "Red Exporta — Red Regional de Promoción de Exportaciones",
    "country": "PA",
    "website": "https://example.org/red-exporta",
}

FIRMS = [
    # name, country, sectors, size, stage, markets, products, women_led
    ("Café Montaña Lenca", "HN", ["specialty-coffee"], "micro", "aspirant", [],
     "Washed and honey-process coffee from Intibucá, 1,500 m", True),
    ("Tostadores del Quindío", "CO", ["specialty-coffee"], "small", "established", ["DE", "US", "JP"],
     "Green and roasted specialty coffee, micro-lots", False),
    ("Finca El Injerto Norte", "GT", ["specialty-coffee"], "small", "new", ["US"], "Huehuetenango micro-lots", False),
    ("Cooperativa Valle Inca", "PE", ["specialty-coffee", "cacao-chocolate"], "medium", "established",
     ["US", "BE", "DE"], "Organic and fair-trade coffee, cacao nibs", True),
    ("Cacao Arriba Manabí", "EC", ["cacao-chocolate"], "small", "established", ["CH", "NL", "US"],
     "Fine-flavour Nacional cacao beans", False),
    ("Chocolates Caribe Dulce", "DO", ["cacao-chocolate"], "micro", "aspirant", [], "Bean-to-bar chocolate", True),
    ("Doce Cacau Bahia", "BR", ["cacao-chocolate"], "micro", "new", ["PT"], "Chocolate de origem, Sul da Bahia", True),
    ("Nodo Sur Software", "UY", ["software-it"], "small", "established", ["US", "ES", "AR"],
     "Nearshore software teams, fintech back-offices", False),
    ("Código Azteca", "MX", ["software-it"], "micro", "aspirant", [], "Mobile apps for retailers", False),
    ("Pixel Andino", "CL", ["software-it"], "small", "new", ["PE", "US"], "E-commerce platforms", True),
    ("Tejidos Alpaca Cusco", "PE", ["apparel-textiles"], "small", "established", ["US", "JP", "IT"],
     "Alpaca knitwear", True),
    ("Maquila Verde", "SV", ["apparel-textiles"], "medium", "new", ["US"], "Organic cotton basics", False),
    ("Costura Nordeste", "BR", ["apparel-textiles"], "micro", "aspirant", [], "Moda praia e fitness", True),
    ("Frutos del Pacífico", "CR", ["fresh-produce"], "medium", "established", ["US", "NL", "CA"],
     "Pineapple, chayote, cassava", False),
    ("Aguacates de Michoacán Unidos", "MX", ["fresh-produce"], "small", "new", ["US", "CA"], "Hass avocado", False),
    ("Huerta Jamaica Blue", "JM", ["fresh-produce"], "micro", "aspirant", [], "Scotch bonnet peppers, ackee", True),
    ("Pesquera Golfo Azul", "EC", ["seafood"], "medium", "established", ["US", "ES", "CN"],
     "Frozen shrimp, tuna loins", False),
    ("Mariscos Fonseca", "NI", ["seafood"], "micro", "aspirant", [], "Spiny lobster, snapper", False),
    ("Pescados Patagonia Sur", "AR", ["seafood"], "small", "new", ["ES", "BR"], "Hake and Argentine red shrimp", True),
]

PEOPLE = [
    # email, name, country, language, wants_to_mentor, firm, role in firm
    ("ana@demo.puente", "Ana Martínez", "HN", "es", False, "Café Montaña Lenca", "owner"),
    ("mateo@demo.puente", "Mateo Restrepo", "CO", "es", True, "Tostadores del Quindío", "export"),
    ("lucia@demo.puente", "Lucía Vargas", "CR", "es", True, "Frutos del Pacífico", "export"),
    ("rafael@demo.puente", "Rafael Quintero", "PA", "es", False, None, None),
    ("paula@demo.puente", "Paula Ortiz", "CR", "es", False, None, None),
    ("otto@demo.puente", "Otto Salinas", "NI", "es", False, "Mariscos Fonseca", "owner"),
    ("carmen@demo.puente", "Carmen Quispe", "PE", "es", True, "Cooperativa Valle Inca", "owner"),
    ("diego@demo.puente", "Diego Pérez", "GT", "es", True, "Finca El Injerto Norte", "owner"),
    ("valentina@demo.puente", "Valentina Mora", "EC", "es", True, "Cacao Arriba Manabí", "export"),
    ("rosa@demo.puente", "Rosa Almonte", "DO", "es", False, "Chocolates Caribe Dulce", "owner"),
    ("joana@demo.puente", "Joana Silva", "BR", "pt-br", False, "Doce Cacau Bahia", "owner"),
    ("martin@demo.puente", "Martín Ferreira", "UY", "es", True, "Nodo Sur Software", "owner"),
    ("sofia@demo.puente", "Sofía Herrera", "MX", "es", False, "Código Azteca", "owner"),
    ("camila@demo.puente", "Camila Rojas", "CL", "es", True, "Pixel Andino", "owner"),
    ("isabel@demo.puente", "Isabel Condori", "PE", "es", True, "Tejidos Alpaca Cusco", "owner"),
    ("jorge@demo.puente", "Jorge Alvarado", "SV", "es", False, "Maquila Verde", "export"),
    ("beatriz@demo.puente", "Beatriz Santos", "BR", "pt-br", False, "Costura Nordeste", "owner"),
    ("andres@demo.puente", "Andrés Solís", "MX", "es", True, "Aguacates de Michoacán Unidos", "export"),
    ("keisha@demo.puente", "Keisha Campbell", "JM", "en", False, "Huerta Jamaica Blue", "owner"),
    ("pablo@demo.puente", "Pablo Cevallos", "EC", "es", True, "Pesquera Golfo Azul", "export"),
    ("marina@demo.puente", "Marina Gómez", "AR", "es", True, "Pescados Patagonia Sur", "owner"),
]

CLUSTERS = [
    # slug, sector, name, access, countries, languages, description
    ("cafe-especial", "specialty-coffee", "Café especial de Centroamérica y los Andes", "approval",
     ["HN", "GT", "CO", "PE", "CR", "SV", "NI"], ["es", "en"],
     "Productores y tostadores de café especial que venden, o quieren vender, a compradores de Estados Unidos, "
     "Europa y Asia. Aquí se habla de catación y puntajes SCA, contratos de microlotes, certificación orgánica, "
     "registro FDA y cómo cotizar flete de contenedor o carga aérea para muestras."),
    ("cacao-chocolate", "cacao-chocolate", "Cacao fino y chocolate de origen", "approval",
     ["EC", "PE", "DO", "BR", "CO"], ["es", "pt-br", "en"],
     "Cacaoteros y chocolateros bean-to-bar de la región. Límites de cadmio en la Unión Europea, reglamento de "
     "deforestación (EUDR), trazabilidad y cómo llegar a chocolateros artesanales de Europa."),
    ("software-ti", "software-it", "Software and IT services exporters", "open",
     ["UY", "AR", "MX", "CL", "CO", "CR", "BR"], ["es", "en", "pt-br"],
     "Software studios and IT service firms selling to clients abroad: nearshore contracts, pricing per team, "
     "invoicing in dollars, protecting data under GDPR, and finding the first client in the US or Spain."),
    ("confeccion-textiles", "apparel-textiles", "Confección y textiles", "open",
     ["PE", "SV", "BR", "GT", "HN", "CO"], ["es", "pt-br"],
     "Confeccionistas y marcas de la región: reglas de origen del CAFTA-DR y de otros acuerdos, etiquetado "
     "textil, certificación de algodón orgánico y ferias como Texworld o Magic."),
    ("frutas-hortalizas", "fresh-produce", "Frutas y hortalizas frescas", "approval",
     ["CR", "MX", "JM", "PE", "CL", "EC"], ["es", "en"],
     "Exportadores de productos frescos: GlobalG.A.P., requisitos fitosanitarios del USDA-APHIS, cadena de frío, "
     "seguro de carga y cómo negociar con importadores en Róterdam y Filadelfia."),
    ("productos-del-mar", "seafood", "Productos del mar", "approval",
     ["EC", "NI", "AR", "CL", "PE", "HN"], ["es", "en"],
     "Pesca y acuicultura con miras a exportar: HACCP, registro ante la FDA y la UE, trazabilidad de captura, "
     "certificaciones ASC y MSC, y la logística de congelados."),
]

MEMBERSHIPS = [
    # cluster, email, role
    ("cafe-especial", "lucia@demo.puente", "facilitator"),
    ("cafe-especial", "mateo@demo.puente", "mentor"),
    ("cafe-especial", "carmen@demo.puente", "mentor"),
    ("cafe-especial", "diego@demo.puente", "mentor"),
    ("cafe-especial", "ana@demo.puente", "member"),
    ("cacao-chocolate", "valentina@demo.puente", "facilitator"),
    ("cacao-chocolate", "carmen@demo.puente", "mentor"),
    ("cacao-chocolate", "rosa@demo.puente", "member"),
    ("cacao-chocolate", "joana@demo.puente", "member"),
    ("software-ti", "martin@demo.puente", "facilitator"),
    ("software-ti", "camila@demo.puente", "mentor"),
    ("software-ti", "sofia@demo.puente", "member"),
    ("confeccion-textiles", "isabel@demo.puente", "facilitator"),
    ("confeccion-textiles", "jorge@demo.puente", "member"),
    ("confeccion-textiles", "beatriz@demo.puente", "member"),
    ("frutas-hortalizas", "andres@demo.puente", "facilitator"),
    ("frutas-hortalizas", "lucia@demo.puente", "mentor"),
    ("frutas-hortalizas", "keisha@demo.puente", "member"),
    ("productos-del-mar", "marina@demo.puente", "facilitator"),
    ("productos-del-mar", "pablo@demo.puente", "mentor"),
    ("productos-del-mar", "otto@demo.puente", "member"),
]

PENDING = [("cafe-especial", "sofia@demo.puente", "Queremos vender café tostado en nuestra tienda en línea en EE. UU.")]


def seed(stdout) -> None:
    sectors = {}
    for slug, name, name_es, name_pt, chapters in SECTORS:
        sectors[slug], _ = Sector.objects.get_or_create(
            slug=slug, defaults={"name": name, "name_es": name_es, "name_pt": name_pt, "hs_chapters": chapters}
        )

    agency, _ = Agency.objects.get_or_create(slug=AGENCY["slug"], defaults={
        k: v for k, v in AGENCY.items() if k != "slug"
    })

    firms = {}
    for name, country, sector_slugs, size, stage, markets, products, women_led in FIRMS:
        firm, created = Firm.objects.get_or_create(name=name, country=country, defaults={
            "size": size, "export_stage": stage, "export_markets": markets, "products": products,
            "women_led": women_led,
        })
        if created:
            firm.sectors.set([sectors[s] for s in sector_slugs])
        firms[name] = firm

    people = {}
    now = timezone.now()
    for email, name, country, language, mentor, firm_name, role in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = new_demo_person(email, name=name, country=country, language=language, wants_to_mentor=mentor,
                                   onboarded_at=now)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        if firm_name and not FirmMember.objects.filter(user=user).exists():
            FirmMember.objects.create(firm=firms[firm_name], user=user, role=role)
        people[email] = user
    agency.staff.add(people["rafael@demo.puente"])

    clusters = {}
    for slug, sector, name, access, countries, languages, description in CLUSTERS:
        clusters[slug] = Cluster.objects.filter(slug=slug).first() or services.cluster_create(
            slug=slug, sector=sectors[sector], name=name, access=access, countries=countries,
            languages=languages, description=description, agency=agency,
        )

    for slug, email, role in MEMBERSHIPS:
        ClusterMembership.objects.get_or_create(cluster=clusters[slug], user=people[email], defaults={
            "role": role, "status": ClusterMembership.Status.ACTIVE, "decided_at": now,
        })
    for slug, email, message in PENDING:
        ClusterMembership.objects.get_or_create(cluster=clusters[slug], user=people[email], defaults={
            "status": ClusterMembership.Status.PENDING, "message": message,
        })
    stdout.write(f"clusters: {len(clusters)} clusters, {len(firms)} firms, {len(people)} people")
