"""Search that forgives: the same normalisation for stored text and queries (lower case, no
accents), and a small multilingual glossary of trade terms that expands a query across languages.

PostgreSQL does the same with `unaccent` inside the puente_es / puente_pt / puente_en text-search
configurations (migration 0002); SQLite compares against the stored normalised column.
"""

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case without accents or other combining marks: "Catación FDA" -> "catacion fda"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


# Each row names one idea in English, Spanish and Portuguese (and common variants). A query that
# contains any of them also looks for all the others.
GLOSSARY: list[tuple[str, ...]] = [
    ("letter of credit", "carta de crédito", "carta de credito documentaria", "crédito documentario", "L/C"),
    ("FOB", "free on board", "franco a bordo", "livre a bordo"),
    ("CIF", "cost insurance and freight", "costo seguro y flete", "custo seguro e frete"),
    ("EXW", "ex works", "en fábrica", "na origem"),
    ("DAP", "delivered at place", "entregado en lugar", "entregue no local"),
    ("DDP", "delivered duty paid", "entregado con derechos pagados", "entregue com direitos pagos"),
    ("Incoterms", "incoterm", "términos de comercio internacional", "termos de comércio internacional"),
    ("phytosanitary certificate", "certificado fitosanitario", "certificado fitossanitário"),
    ("certificate of origin", "certificado de origen", "certificado de origem"),
    ("HS code", "harmonized system", "código arancelario", "partida arancelaria", "código SH", "NCM"),
    ("tariff", "arancel", "tarifa aduaneira", "imposto de importação"),
    ("customs broker", "agente de aduanas", "agente aduanal", "despachante aduaneiro"),
    ("bill of lading", "conocimiento de embarque", "conhecimento de embarque", "B/L"),
    ("commercial invoice", "factura comercial", "fatura comercial"),
    ("packing list", "lista de empaque", "romaneio", "lista de embalagem"),
    ("freight forwarder", "transitario", "agente de carga", "agente de cargas"),
    ("container", "contenedor", "contêiner", "conteiner"),
    ("cupping", "catación", "prova de xícara", "classificação sensorial"),
    ("organic certification", "certificación orgánica", "certificação orgânica"),
    ("fair trade", "comercio justo", "comércio justo"),
    ("deforestation regulation", "EUDR", "reglamento de deforestación", "regulamento de desmatamento"),
    ("traceability", "trazabilidad", "rastreabilidade"),
    ("food safety", "inocuidad alimentaria", "segurança dos alimentos", "FSMA"),
    ("prior notice", "aviso previo", "notificação prévia"),
    ("facility registration", "registro de instalación", "registro de instalações"),
    ("labelling", "labeling", "etiquetado", "rotulagem", "etiqueta", "rótulo"),
    ("sample", "muestra", "amostra"),
    ("trade fair", "feria comercial", "feira comercial"),
    ("payment terms", "condiciones de pago", "condições de pagamento"),
    ("export credit insurance", "seguro de crédito a la exportación", "seguro de crédito à exportação"),
    ("withholding tax", "retención en la fuente", "imposto retido na fonte"),
    ("double taxation", "doble imposición", "bitributação", "dupla tributação"),
    ("distributor", "distribuidor", "distribuidora"),
    ("buyer", "comprador", "importador", "importer"),
]

_NORMALISED = [tuple(normalise(term) for term in row) for row in GLOSSARY]


def _contains_phrase(haystack: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(haystack[i:i + n] == phrase for i in range(len(haystack) - n + 1))


def expansions(text: str) -> list[str]:
    """The glossary terms (normalised) that mean what some phrase of the query means, in every
    language, the query's own phrases excluded: "carta de credito" -> ["letter of credit", ...]."""
    query = words(text)
    found: list[str] = []
    for row in _NORMALISED:
        if any(_contains_phrase(query, _WORD.findall(term)) for term in row):
            found += [term for term in row if not _contains_phrase(query, _WORD.findall(term)) and term not in found]
    return found
