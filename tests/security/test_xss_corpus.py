"""Two hundred XSS payloads through every user-text field of every app and through the sockets, then the
pages that show them: no script, event handler, javascript:/data:/vbscript: URL or unexpected element
survives into a page or a frame.

The corpus is 25 vectors in 8 contexts (bare, breaking out of an attribute, a textarea, a title, a
Markdown link, a template tag...). Each field gets every payload, written the way a person or agency staff
would: a POST of the real form through the test client (so the form's and the service's validation run
and a form that comes back with errors is checked too), or the service where no form offers the field.
Short fields take as many payloads as fit (a person's name about two, a report's reason about nine); long
ones take them ten at a time. Every write starts with a nonce, so the test knows that the field was stored
and that the page it fetches really shows it. The pages that show a field, forms that show it back
included, are fetched after each write, or once when they list every write (a list that shows only the
current name or title, once, with the last); the forms only their own person sees (the profile, the mentor
profile, a message's edit form) after one write in six, to keep the file near a minute.

`COVERED` names the test that puts the payloads through each field; `NOT_COVERED` says why the other text
fields need nothing (written by site admins only, derived by the code, a fixed list of codes). A new
CharField, TextField or JSONField in a model fails `test_every_text_field_is_covered_or_said_not_to_need_it`
until it is in one of the two. Fields with `choices` (and countries) hold one of a fixed set of values and
are left out. Every test also makes the names of its people, firm, cluster, sector and agency hostile, so
names show up hostile on every page fetched, not only in the test of names.
"""

import asyncio
import itertools
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import zip_longest
from urllib.parse import urlencode

import pytest
from channels.db import database_sync_to_async
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clusters import services as cluster_services
from clusters.models import User
from incentives import awards as award_services
from incentives.models import Award, CatalogItem, Program, Redemption
from mentoring import services as mentoring_services
from mentoring.models import Mentorship, MentorshipRequest
from messaging import presence
from messaging import services as messaging_services
from messaging.models import Message, MessageReport, Room
from questions import services as question_services
from questions.models import Question
from tests.conftest import activate, make_person
from tests.support import open_socket_as

VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<object data=data:text/html,<script>alert(1)</script>>",
    "<embed src=javascript:alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    "<a href='&#106;avascript:alert(1)'>x</a>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<a href=vbscript:msgbox(1)>x</a>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=//evil.example/>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]
CONTEXTS = [
    "{}",
    '"><{}',
    "'>{}",
    "</textarea>{}",
    "</title>{}",
    "[x](javascript:alert(1)) {}",
    "{{{{ 7*7 }}}} {{% debug %}} {}",
    "**x** `code` {}",
]
PAYLOADS = [context.format(vector) for vector in VECTORS for context in CONTEXTS]
# Extra values for the one field that ends up in an href: a web address.
URL_PAYLOADS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    'https://evil.example/"><script>alert(1)</script>',
    "https://evil.example/'onmouseover='alert(1)",
    "https://evil.example/#</a><img/src=x/onerror=alert(1)>",
]

# fmt: off
ALLOWED_TAGS = {
    # the site's own markup, and what rendered Markdown may produce
    "html", "head", "body", "title", "meta", "link", "script", "style", "header", "nav", "main", "footer", "section",
    "article", "aside", "div", "span", "p", "a", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "form", "input",
    "button", "label", "select", "option", "optgroup", "textarea", "fieldset", "legend", "table", "thead", "tbody",
    "tr", "th", "td", "em", "strong", "code", "pre", "blockquote", "br", "hr", "img", "small", "time", "details",
    "summary", "dl", "dt", "dd", "abbr", "del", "ins", "sup", "sub", "svg", "path", "noscript", "template", "mark",
    "output", "progress", "meter", "caption", "col", "colgroup", "figure", "figcaption", "b", "i", "s", "u",
    "search", "menu", "datalist", "kbd",
}
# fmt: on
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data):", re.IGNORECASE)


class Inspector(HTMLParser):
    # Parsed as browsers with scripting on do: no markup inside these until their own end tag.
    CDATA_CONTENT_ELEMENTS = ("script", "style", "noscript")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}>")
        attributes = dict(attrs)
        if tag == "script" and not (
            attributes.get("src", "").startswith("/static/") or attributes.get("type") == "application/json"
        ):
            self.problems.append(f"inline <script {attributes}>")
        if tag in ("iframe", "object", "embed", "base", "style") or (tag == "meta" and "http-equiv" in attributes):
            self.problems.append(f"<{tag} {attributes}>")
        if tag == "link" and not (attributes.get("href") or "").startswith("/static/"):
            self.problems.append(f"<link {attributes}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style" and value and "url(" in value:
                self.problems.append(f"<{tag} style={value!r}>")
            if (
                name in ("href", "src", "action", "formaction", "srcdoc", "data", "xlink:href")
                and value
                and (BAD_URL.match(re.sub(r"[\t\n\r]", "", value)) or name == "srcdoc")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


def test_the_corpus_has_two_hundred_payloads_and_the_inspector_catches_each_one_raw():
    assert len(set(PAYLOADS)) >= 200
    # A page that printed a payload unescaped would fail: the check cannot pass by looking away.
    assert all(problems_in(f"<p>{payload}</p>") for payload in PAYLOADS if "<" in payload and "alert" in payload)
    assert all(problems_in(f'<a href="{url}">x</a>') for url in URL_PAYLOADS if not url.startswith(("https:", "//")))


# --- Which fields: every text field of every model is covered here or said not to need it ---------------

APPS = ("clusters", "incentives", "mentoring", "messaging", "questions")
NAMES = "test_names_and_titles_carry_each_payload_and_no_page_runs_it"
LONG = "test_long_texts_carry_ten_payloads_each_and_no_page_runs_them"
FIRMS = "test_firm_names_websites_and_email_addresses"
ROOMS = "test_room_names_topics_reports_and_suspensions"
AGENCY = "test_agency_console_texts"
PLANS = "test_mentor_availability_goals_and_milestones"
TAGS = "test_question_tags"
SOCKETS = "test_the_room_and_question_sockets_carry_every_payload_harmlessly"
PROFILES = "test_firm_descriptions_and_referral_notes"

COVERED = {
    # field: the test that puts all the payloads through it
    "clusters.User.name": NAMES,
    "questions.Question.title": NAMES,
    "questions.Revision.title": NAMES,
    "clusters.User.email": FIRMS,
    "clusters.Firm.name": FIRMS,
    "clusters.Firm.website": FIRMS,
    "clusters.Firm.products": LONG,
    "clusters.Firm.description": PROFILES,
    "clusters.FirmChange.fields": PROFILES,
    "incentives.Referral.note": PROFILES,
    "clusters.ClusterMembership.message": LONG,
    "messaging.Message.body": LONG,
    "messaging.MessageEdit.body": LONG,
    "questions.Question.body": LONG,
    "questions.Answer.body": LONG,
    "questions.Revision.body": LONG,
    "mentoring.MentorProfile.bio": LONG,
    "mentoring.MentorshipRequest.goal": LONG,
    "mentoring.MentorshipRequest.info_question": LONG,
    "mentoring.MentorshipRequest.info_answer": LONG,
    "mentoring.MentorshipRequest.decline_reason": LONG,
    "mentoring.Mentorship.goal": LONG,
    "mentoring.Mentorship.end_reason": LONG,
    "mentoring.Session.notes": LONG,
    "mentoring.Session.dispute_reason": LONG,
    "mentoring.Feedback.text": LONG,
    "messaging.Room.name": ROOMS,
    "messaging.Room.topic": ROOMS,
    "messaging.MessageReport.reason": ROOMS,
    "messaging.RoomSuspension.reason": ROOMS,
    "incentives.Program.name": AGENCY,
    "incentives.Program.description": AGENCY,
    "incentives.CatalogItem.name": AGENCY,
    "incentives.CatalogItem.description": AGENCY,
    "incentives.Transfer.memo": AGENCY,
    "incentives.AuditEntry.reason": AGENCY,
    "incentives.Award.description": AGENCY,
    "incentives.Award.decision_reason": AGENCY,
    "incentives.Redemption.decision_reason": AGENCY,
    "incentives.Award.description_params": AGENCY,
    "incentives.Redemption.voucher_code": AGENCY,
    "incentives.Redemption.reference": AGENCY,
    "incentives.Redemption.fulfilment_note": AGENCY,
    "mentoring.MentorProfile.availability": PLANS,
    "mentoring.Goal.title": PLANS,
    "mentoring.Milestone.title": PLANS,
    "questions.Question.tags": TAGS,
    "messaging.Message.client_id": SOCKETS,
}
ADMIN_ONLY = "written only by site admins, in the Django admin (and made hostile in every test here anyway)"
CODES = "a list of codes checked against a fixed list"
MARKDOWN = "the Markdown source rendered and sanitised on write; the source is covered"
NOT_COVERED = {
    "clusters.User.password": "a password hash, shown nowhere",
    "clusters.Sector.name": ADMIN_ONLY,
    "clusters.Sector.name_es": ADMIN_ONLY,
    "clusters.Sector.name_pt": ADMIN_ONLY,
    "clusters.Sector.slug": ADMIN_ONLY,
    "clusters.Sector.hs_chapters": ADMIN_ONLY,
    "clusters.Agency.name": ADMIN_ONLY,
    "clusters.Agency.slug": ADMIN_ONLY,
    "clusters.Agency.website": "written only by site admins; shown on no page",
    "clusters.Cluster.name": ADMIN_ONLY,
    "clusters.Cluster.slug": ADMIN_ONLY,
    "clusters.Cluster.description": ADMIN_ONLY,
    "clusters.Cluster.languages": ADMIN_ONLY,
    "clusters.User.time_zone": "checked against the IANA zones this site offers before it is stored",
    "clusters.Firm.name_key": "the firm's name folded for comparison; shown nowhere",
    "incentives.Transfer.idempotency_key": (
        "made from a form's hidden key (sent hostile here); shown on no page, only in the CSV export, whose "
        "formula cells are quoted"
    ),
    "incentives.Transfer.source_ref": "made by the code: app.model:id",
    "incentives.Award.source_ref": "made by the code: app.model:id",
    "incentives.Award.flag_params": (
        "numbers and people's and firms' names (hostile here), put into a translated sentence by "
        "incentives.reasons when shown and escaped by the template"
    ),
    "incentives.Award.cut_params": "numbers and a firm's name, rendered like flag_params",
    "incentives.Award.decision_params": (
        "a reason sentence the code wrote (a msgid, no user text), put into words by infra.words when shown and "
        "escaped by the template"
    ),
    "mentoring.OutcomeFollowUp.markets": "a list of country codes checked against the known countries",
    "mentoring.OutcomeFollowUpChange.answer": (
        "a copy of a follow-up's checked answer (a yes/no, country codes, a band code, a number); shown nowhere "
        "but the admin"
    ),
    "incentives.AuditEntry.action": "a dotted action name chosen by the code",
    "incentives.AuditEntry.target": (
        "written by the code from program and item names and award descriptions, which are covered; the audit "
        "page is checked with them"
    ),
    "incentives.AuditEntry.data": (
        "ids and numbers, and a reason sentence the code wrote (a msgid without user text); an award entry's "
        "id brings the award's description parameters to the audit page, which are covered"
    ),
    "mentoring.MentorProfile.topics": CODES,
    "mentoring.MentorProfile.languages": CODES,
    "mentoring.AspirantNeeds.topics": CODES,
    "mentoring.Session.topics": CODES,
    "questions.Question.topics": CODES,
    "messaging.Room.slug": "made by the code from the room's name: letters, digits and hyphens",
    "messaging.Room.direct_key": "made by the code from two ids",
    "messaging.Message.body_html": MARKDOWN,
    "questions.Question.body_html": MARKDOWN,
    "questions.Answer.body_html": MARKDOWN,
    "messaging.Notification.kind": "chosen by the code",
    "messaging.Notification.text": (
        "written by the code from names, titles, goals and reasons that are covered; the notifications page is "
        "checked in the tests that write them"
    ),
    "messaging.Notification.url": "a path made by the code",
    "messaging.Notification.params": (
        "people's names and room names (covered) that Notification.display_text puts into a translated sentence "
        "when shown, a plain string that templates escape"
    ),
    "messaging.Room.name_params": (
        "the mentor's and mentee's names (covered) that Room.display_name puts into a translated name when shown, "
        "a plain string that templates escape"
    ),
    "incentives.Transfer.memo_params": (
        "the memo's sentence and its values (item names, staff reasons: the memo, covered) that "
        "Transfer.memo_text puts into words when shown, a plain string that templates escape"
    ),
    "mentoring.Goal.source": "a plan template's key, chosen by the code",
    "mentoring.Milestone.source": "a plan template's key and a milestone's index, chosen by the code",
}


def text_fields() -> set[str]:
    found = set()
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, (models.CharField, models.TextField, models.JSONField)) and not field.choices:
                    found.add(f"{label}.{model.__name__}.{field.name}")
    return found


def test_every_text_field_is_covered_or_said_not_to_need_it():
    fields = text_fields()
    new = sorted(fields - COVERED.keys() - NOT_COVERED.keys())
    assert not new, f"put the payloads through {new} in this file, or say in NOT_COVERED why not"
    gone = sorted((COVERED.keys() | NOT_COVERED.keys()) - fields)
    assert not gone, f"{gone} no longer exist: remove them here"
    assert not COVERED.keys() & NOT_COVERED.keys()
    assert set(COVERED.values()) <= {name for name in globals() if name.startswith("test_")}
    # The long texts are split over parametrised runs of ten payloads each; together they take all.
    assert sorted(i for start in LONG_STARTS for i in range(start, start + 10)) == list(range(len(PAYLOADS)))


# --- Batches of payloads, and what each test sent ---------------------------------------------------------

_nonces = itertools.count(1)


@dataclass(frozen=True)
class Batch:
    nonce: str
    indexes: tuple[int, ...]
    text: str


def _text(nonce: str, indexes, *, sep: str, prefix: str, cut: int | None) -> str:
    return prefix + nonce + sep + sep.join(PAYLOADS[i][:cut] for i in indexes)


def _batch(indexes, *, limit: int | None = None, sep: str = " ", prefix: str = "", cut: int | None = None) -> Batch:
    nonce = f"zq{next(_nonces):05d}"
    return Batch(nonce, tuple(indexes), _text(nonce, indexes, sep=sep, prefix=prefix, cut=cut)[:limit])


def batches(
    limit: int, *, most: int = 10, sep: str = " ", prefix: str = "", cut: int | None = None, fits=None
) -> list[Batch]:
    """Every payload once, in as few writes as fit in `limit` characters (at most `most` payloads each,
    after a nonce); a payload longer than the field on its own is cut to fit."""
    fits = fits or (lambda text: len(text) <= limit)
    groups = [[]]
    for i in range(len(PAYLOADS)):
        group = groups[-1]
        if group and (len(group) == most or not fits(_text("zq00000", [*group, i], sep=sep, prefix=prefix, cut=cut))):
            groups.append(group := [])
        group.append(i)
    return [_batch(group, limit=limit, sep=sep, prefix=prefix, cut=cut) for group in groups]


def chunk(start: int) -> Batch:
    """Ten payloads on lines of their own, for the long fields."""
    return _batch(range(start, start + 10), sep="\n\n")


class Sent:
    """What one test put through each field. At the end it checks that every field the test is named for
    got every payload (refused by validation, or stored: the field's rows hold every nonce)."""

    def __init__(self):
        self.stored: dict[str, list[Batch]] = {}
        self.refused: dict[str, list[Batch]] = {}
        self.replaced: set[str] = set()

    def __call__(self, field: str, batch: Batch, *, replacing: bool = False) -> str:
        """Notes a write. `replacing`: each write replaces the one before (a person's name), so only the
        last is still stored; the page fetched after each write shows that it was."""
        self.stored.setdefault(field, []).append(batch)
        if replacing:
            self.replaced.add(field)
        return batch.text

    def refusal(self, field: str, batch: Batch) -> None:
        self.refused.setdefault(field, []).append(batch)

    def check(self, test: str, indexes: range | None = None) -> None:
        indexes = range(len(PAYLOADS)) if indexes is None else indexes
        fields = self.stored.keys() | self.refused.keys()
        assert {field for field, owner in COVERED.items() if owner == test} <= fields
        assert fields <= COVERED.keys()
        for field in fields:
            got = {i for batch in self.stored.get(field, []) + self.refused.get(field, []) for i in batch.indexes}
            assert got >= set(indexes), f"{field} missed payloads {sorted(set(indexes) - got)}"
            app_label, model_name, name = field.split(".")
            rows = apps.get_model(app_label, model_name).objects.values_list(name, flat=True)
            stored = "\n".join(value if isinstance(value, str) else json.dumps(value) for value in rows)
            expected = self.stored.get(field, [])[-1:] if field in self.replaced else self.stored.get(field, [])
            missing = [batch.nonce for batch in expected if batch.nonce not in stored]
            assert not missing, f"{field} did not store the writes {missing[:5]}"


# --- Pages ----------------------------------------------------------------------------------------------


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_clean(html: str, where: str) -> None:
    problems = problems_in(html)
    assert not problems, f"{where}: {problems[:5]}"


def page(client: Client, url: str, *, shows=()) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert_clean(html, url)
    missing = [nonce for nonce in shows if nonce not in html]
    assert not missing, f"{url} does not show {missing[:5]}"
    return html


def submit(client: Client, url: str, data: dict) -> None:
    """POSTs a form. A form that comes back (with its errors, echoing what was typed) is checked too."""
    response = client.post(url, data)
    if response.status_code == 200:
        assert_clean(response.content.decode(), f"POST {url}")
    else:
        assert response.status_code == 302, f"POST {url}: {response.status_code}"


def nonces(*batches_) -> list[str]:
    return [batch.nonce for batch in batches_ if batch is not None]


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch, settings):
    # The corpus posts far more than a person may in ten seconds, and signs up more than an address may.
    settings.PUENTE_RATE_LIMITS = dict.fromkeys(settings.PUENTE_RATE_LIMITS, (10 ** 6, 10))
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture(autouse=True)
def _no_template_contexts_kept(monkeypatch):
    # The test client keeps a copy of the context of every template it renders, widgets included; this
    # file never looks at them, and it halves the time of pages full of country lists.
    import django.test.client

    monkeypatch.setattr(django.test.client, "store_rendered_templates", lambda *args, **kwargs: None)


@pytest.fixture
def world(coffee, sector, agency, ana, mateo, lucia, rafael):
    """The personas, with hostile names, and a hostile cluster, sector and agency (admins write those)."""
    from messaging.services import room_general_for_cluster

    coffee.name = "Café " + PAYLOADS[9][:100]
    coffee.description = "\n".join(PAYLOADS[3::40])
    coffee.save(update_fields=["name", "description"])
    sector.name = sector.name_es = sector.name_pt = PAYLOADS[20][:120]
    sector.save()
    agency.name = PAYLOADS[36][:160]
    agency.save(update_fields=["name"])
    for person, payload in ((ana, PAYLOADS[1]), (mateo, PAYLOADS[12]), (lucia, PAYLOADS[44]), (rafael, PAYLOADS[77])):
        person.name = payload[:120]
        person.save(update_fields=["name"])
    for person, payload in ((ana, PAYLOADS[57]), (mateo, PAYLOADS[90])):
        firm = person.firm_member.firm
        firm.name = payload[:160]
        firm.save()
    return {"room": room_general_for_cluster(cluster=coffee), "cluster": coffee}


# --- Names and titles -----------------------------------------------------------------------------------


def test_names_and_titles_carry_each_payload_and_no_page_runs_it(world, ana, mateo, lucia):
    """Ana and Mateo rename themselves in turns (through the profile form) while Ana edits her question's
    title; Lucía reads the question, where both are shown, and the room, where both wrote."""
    sent = Sent()
    as_ana, as_mateo, as_lucia = login(ana), login(mateo), login(lucia)
    question = question_services.question_ask(
        cluster=world["cluster"],
        author=ana,
        title="¿Qué documentos pide la aduana de Miami?",
        body="Café verde.",
        language="es",
        topics=["customs"],
        target_markets=["US"],
    )
    question_services.answer_post(question=question, author=mateo, body="El *Prior Notice* de la FDA.")
    messaging_services.message_post(room=world["room"], author=ana, body="hola", client_id="names")
    messaging_services.message_post(room=world["room"], author=mateo, body="hola", client_id="names")
    question_url, edit_url = (
        reverse("questions:detail", args=[question.pk]),
        reverse("questions:edit", args=[question.pk]),
    )
    room_url = reverse("messaging:room", args=[world["room"].pk])
    search_url, similar_url = reverse("questions:search"), reverse("questions:similar", args=[world["cluster"].slug])
    previous_title = None

    def edit_title(title: str, body: str = "Café verde.") -> None:
        submit(
            as_ana,
            edit_url,
            {
                "title": title,
                "body": body,
                "language": "es",
                "topics": ["customs"],
                "target_markets": ["US"],
                "tags": "",
            },
        )

    names = batches(120)
    for n, (ana_name, mateo_name, title) in enumerate(zip_longest(names[::2], names[1::2], batches(200, prefix="¿"))):
        for client, name, country, mentor in ((as_ana, ana_name, "HN", "0"), (as_mateo, mateo_name, "CO", "1")):
            if name:
                submit(
                    client,
                    reverse("clusters:onboarding"),
                    {
                        "name": sent("clusters.User.name", name, replacing=True),
                        "language": "en",
                        "country": country,
                        "wants_to_mentor": mentor,
                    },
                )
                if n % 6 == 0:  # the profile form, which only its person sees, with one name in six
                    page(client, reverse("clusters:onboarding"), shows=nonces(name))
        if title:
            edit_title(sent("questions.Question.title", title, replacing=True))
            if previous_title:  # the title before an edit goes to the history
                sent("questions.Revision.title", previous_title)
            previous_title = title
            page(as_ana, edit_url, shows=nonces(title))
            # Found by a search (the query is shown back, hostile too), and as a similar question while
            # someone types a title (a fragment the page's script inserts as HTML).
            page(as_lucia, f"{search_url}?{urlencode({'q': title.text})}", shows=nonces(title))
            page(as_lucia, f"{similar_url}?{urlencode({'title': title.nonce})}", shows=nonces(title))
        page(as_lucia, question_url, shows=nonces(ana_name, mateo_name, title))
        page(as_lucia, room_url, shows=nonces(ana_name, mateo_name))
    edit_title(previous_title.text, body="Café verde, sin tostar.")  # the last title goes to the history too
    sent("questions.Revision.title", previous_title)
    page(
        as_lucia,
        reverse("questions:history", args=[question.pk]),
        shows=nonces(*sent.stored["questions.Revision.title"]),
    )
    page(as_lucia, reverse("questions:cluster", args=[world["cluster"].slug]))
    sent.check(NAMES)


# --- Long texts: ten payloads at a time -------------------------------------------------------------------

LONG_STARTS = range(0, len(PAYLOADS), 10)


@pytest.mark.parametrize("start", LONG_STARTS)
def test_long_texts_carry_ten_payloads_each_and_no_page_runs_them(world, ana, mateo, lucia, start):
    sent = Sent()
    room, cluster = world["room"], world["cluster"]
    as_ana, as_mateo, as_lucia = login(ana), login(mateo), login(lucia)
    today = timezone.localdate().isoformat()

    # A message, then edited: the text before the edit goes to the history facilitators read.
    message_text = chunk(start)
    submit(
        as_ana,
        reverse("messaging:room", args=[room.pk]),
        {"body": sent("messaging.Message.body", message_text), "client_id": f"x{start}"},
    )
    message = Message.objects.get(author=ana, client_id=f"x{start}")
    if start % 60 == 0:  # the form only the author sees, with one write in six
        page(as_ana, reverse("messaging:edit", args=[message.pk]), shows=nonces(message_text))
    submit(as_ana, reverse("messaging:edit", args=[message.pk]), {"body": message.body + "\n\n(editado)"})
    sent("messaging.MessageEdit.body", message_text)

    # A question and an answer, both edited: the texts before go to the question's history.
    question_text, answer_text = chunk(start), chunk(start)
    submit(
        as_ana,
        reverse("questions:ask", args=[cluster.slug]),
        {
            "title": "¿Cómo certifico café orgánico para Europa?",
            "body": sent("questions.Question.body", question_text),
            "language": "es",
            "topics": ["customs"],
            "target_markets": ["DE"],
            "tags": "",
        },
    )
    question = Question.objects.get(author=ana)
    question_url = reverse("questions:detail", args=[question.pk])
    submit(as_mateo, question_url, {"body": sent("questions.Answer.body", answer_text)})
    answer = question.answers.get()
    page(as_mateo, reverse("questions:answer_edit", args=[answer.pk]), shows=nonces(answer_text))
    submit(as_mateo, reverse("questions:answer_edit", args=[answer.pk]), {"body": answer.body + "\n\nEditado."})
    page(as_ana, reverse("questions:edit", args=[question.pk]), shows=nonces(question_text))
    submit(
        as_ana,
        reverse("questions:edit", args=[question.pk]),
        {
            "title": question.title,
            "body": question.body + "\n\nEditado.",
            "language": "es",
            "topics": ["customs"],
            "target_markets": ["DE"],
            "tags": "",
        },
    )
    sent("questions.Revision.body", question_text)
    sent("questions.Revision.body", answer_text)

    # Mentoring: a profile; a request answered with a question and declined; another accepted; a session
    # logged, disputed and corrected; the mentorship ended early; feedback from both sides.
    bio = chunk(start)
    submit(
        as_mateo,
        reverse("mentoring:profile"),
        {
            "bio": sent("mentoring.MentorProfile.bio", bio),
            "capacity": 3,
            "languages": ["es"],
            "is_accepting": "on",
        },
    )
    if start % 60 == 0:  # the mentor's own form (six lists of 250 countries), with one write in six
        page(as_mateo, reverse("mentoring:profile"), shows=nonces(bio))
    goal, info_question, info_answer, decline = chunk(start), chunk(start), chunk(start), chunk(start)
    submit(
        as_ana,
        reverse("mentoring:request_create", args=[mateo.pk]),
        {"goal": sent("mentoring.MentorshipRequest.goal", goal)},
    )
    request = MentorshipRequest.objects.get(aspirant=ana)
    request_url = reverse("mentoring:request", args=[request.pk])
    for client, action, field, text in (
        (as_mateo, "ask", "question", sent("mentoring.MentorshipRequest.info_question", info_question)),
        (as_ana, "answer", "answer", sent("mentoring.MentorshipRequest.info_answer", info_answer)),
        (as_mateo, "decline", "reason", sent("mentoring.MentorshipRequest.decline_reason", decline)),
    ):
        submit(client, reverse("mentoring:request_action", args=[request.pk, action]), {field: text})
    page(as_mateo, request_url, shows=nonces(goal, info_question, info_answer, decline))

    accepted_goal = chunk(start)
    submit(
        as_ana,
        reverse("mentoring:request_create", args=[mateo.pk]),
        {"goal": sent("mentoring.Mentorship.goal", accepted_goal)},
    )
    second = MentorshipRequest.objects.get(aspirant=ana, status=MentorshipRequest.Status.PENDING)
    submit(as_mateo, reverse("mentoring:request_action", args=[second.pk, "accept"]),
           {"plan_template": "", "version": second.version})
    mentorship = Mentorship.objects.get(request=second)
    mentorship_url = reverse("mentoring:mentorship", args=[mentorship.pk])
    notes, dispute, corrected = chunk(start), chunk(start), chunk(start)
    submit(
        as_mateo,
        reverse("mentoring:mentorship_action", args=[mentorship.pk, "session"]),
        {"date": today, "minutes": 60, "notes": sent("mentoring.Session.notes", notes, replacing=True)},
    )
    session = mentorship.sessions.get()
    submit(
        as_ana,
        reverse("mentoring:session_action", args=[session.pk, "dispute"]),
        {"reason": sent("mentoring.Session.dispute_reason", dispute), "version": session.version},
    )
    page(as_mateo, mentorship_url, shows=nonces(accepted_goal, notes, dispute))
    submit(
        as_mateo,
        reverse("mentoring:session_action", args=[session.pk, "update"]),
        {"date": today, "minutes": 60, "notes": sent("mentoring.Session.notes", corrected, replacing=True)},
    )
    end, mentee_feedback, mentor_feedback = chunk(start), chunk(start), chunk(start)
    submit(
        as_ana,
        reverse("mentoring:mentorship_action", args=[mentorship.pk, "end"]),
        {"how": "ended", "reason": sent("mentoring.Mentorship.end_reason", end)},
    )
    submit(
        as_ana,
        reverse("mentoring:mentorship_action", args=[mentorship.pk, "feedback"]),
        {"rating": 4, "text": sent("mentoring.Feedback.text", mentee_feedback)},
    )
    submit(
        as_mateo,
        reverse("mentoring:mentorship_action", args=[mentorship.pk, "feedback"]),
        {"rating": 5, "text": sent("mentoring.Feedback.text", mentor_feedback)},
    )

    # Clusters: a newcomer asks to join with a word to the facilitators, and registers a firm with its
    # products (no form offers products yet: the service does).
    newcomer = make_person(f"nueva{start}@example.org", name=PAYLOADS[start][:120], country="HN")
    join = chunk(start)
    submit(
        login(newcomer),
        reverse("clusters:join", args=[cluster.slug]),
        {"message": sent("clusters.ClusterMembership.message", join)},
    )
    products = chunk(start)
    firm = cluster_services.firm_create(
        creator=newcomer, name=f"Finca {start}", country="HN", products=sent("clusters.Firm.products", products)
    )

    for client, url, shown in [
        (as_mateo, reverse("messaging:room", args=[room.pk]), nonces(message_text)),
        (as_lucia, reverse("messaging:history", args=[message.pk]), nonces(message_text)),
        (as_mateo, question_url, nonces(question_text, answer_text)),
        (as_ana, reverse("questions:history", args=[question.pk]), nonces(question_text, answer_text)),
        (as_ana, reverse("mentoring:mentor", args=[mateo.pk]), nonces(bio)),
        (as_ana, mentorship_url, nonces(accepted_goal, corrected, end, mentee_feedback, mentor_feedback)),
        (as_mateo, reverse("messaging:notifications"), ()),
        (as_ana, reverse("messaging:notifications"), ()),
        (as_lucia, reverse("clusters:pending"), nonces(join)),
        (as_lucia, reverse("clusters:firm", args=[firm.pk]), nonces(products)),
    ]:
        page(client, url, shows=shown)
    sent.check(LONG, indexes=range(start, start + 10))


# --- Firms, their websites, and email addresses ---------------------------------------------------------


def quoted_address(text: str) -> str:
    """An address whose local part is a quoted string: valid (RFC 5321, and Django's validator), and able
    to carry markup, once spaces, quotes and backslashes are escaped."""
    local = "".join("\\" + ch if ch in ' "\\' else ch for ch in text)
    return f'"{local}"@example.org'


def test_firm_names_websites_and_email_addresses(world, ana, coffee):
    sent = Sent()
    as_ana = login(ana)
    owners = itertools.count()

    def newcomer() -> User:
        return User.objects.create_user(email=f"owner{next(owners)}@example.org", password="x", language="en")

    # Firm names, through the onboarding form of people who register their firm.
    for name in batches(160):
        person = newcomer()
        submit(
            login(person),
            reverse("clusters:onboarding"),
            {
                "name": "Nueva Exportadora",
                "language": "en",
                "country": "HN",
                "wants_to_mentor": "0",
                "firm_choice": "new",
                "firm_role": "owner",
                "firm_name": sent("clusters.Firm.name", name),
                "firm_country": "HN",
                "firm_size": "micro",
                "firm_export_stage": "aspirant",
            },
        )
        firm = person.firm_member.firm
        activate(person, coffee)
        page(as_ana, reverse("clusters:firm", args=[firm.pk]), shows=nonces(name))
    page(as_ana, reverse("clusters:detail", args=[coffee.slug]))

    # Websites: no form offers them, the service does; what is not a web address is refused.
    person = newcomer()
    for website in [*batches(200), *(_batch([], sep="", prefix=url) for url in URL_PAYLOADS)]:
        try:
            firm = cluster_services.firm_create(
                creator=person, name=f"Web {website.nonce}", country="HN", website=website.text
            )
        except ValidationError:
            sent.refusal("clusters.Firm.website", website)
        else:
            sent("clusters.Firm.website", website)
            page(as_ana, reverse("clusters:firm", args=[firm.pk]), shows=nonces(website))
            person = newcomer()

    # Email addresses, through the sign-up form; then the people ask to join Ana's firm, whose page lists
    # them by address (they have no name yet).
    visitor = Client()
    for address in batches(254, fits=lambda text: len(quoted_address(text)) <= 254):
        submit(
            visitor,
            reverse("account_signup"),
            {
                "email": quoted_address(sent("clusters.User.email", address)),
                "password1": "Un-cafe-de-altura-1900",
                "password2": "Un-cafe-de-altura-1900",
            },
        )
    # The flash messages of every sign-up ("Confirmation email sent to ...") show on the next page.
    page(visitor, reverse("account_email_verification_sent"), shows=nonces(*sent.stored["clusters.User.email"]))
    ana_firm = ana.firm_member.firm
    for person in User.objects.filter(email__contains="zq"):
        cluster_services.firm_request_join(firm=ana_firm, user=person)
    page(as_ana, reverse("clusters:firm", args=[ana_firm.pk]), shows=nonces(*sent.stored["clusters.User.email"]))
    sent.check(FIRMS)


def test_firm_descriptions_and_referral_notes(world, ana, rafael, agency, other_agency, coffee):
    from incentives import referrals
    from incentives.models import Program

    sent = Sent()
    as_ana = login(ana)
    firm = ana.firm_member.firm
    # A firm's description, through its edit page; each save is recorded (before and after) on the firm page.
    for text in batches(4000, sep="\n\n"):
        sent("clusters.FirmChange.fields", text)
        submit(as_ana, reverse("clusters:firm_edit", args=[firm.pk]), {
            "export_stage": firm.export_stage,
            "description": sent("clusters.Firm.description", text, replacing=True),
        })
        page(as_ana, reverse("clusters:firm", args=[firm.pk]), shows=nonces(text))
    # A referral's note, shown to the firm on its home page; the firm declines each so the next one
    # may be written.
    program = Program.objects.create(agency=other_agency, name="Crédito exportador", starts_on=timezone.localdate(),
                                     created_by=rafael)
    for text in batches(600):
        referral = referrals.referral_create(from_agency=agency, acting_user=rafael, firm=firm, program=program,
                                             note=sent("incentives.Referral.note", text))
        page(as_ana, reverse("home"), shows=nonces(text))
        referrals.referral_answer(referral=referral, acting_user=ana, consent=False)
    sent.check(PROFILES)


# --- Rooms, reports and suspensions ---------------------------------------------------------------------


def test_room_names_topics_reports_and_suspensions(world, ana, mateo, lucia, coffee):
    sent = Sent()
    as_mateo, as_lucia = login(mateo), login(lucia)
    for name, topic in zip_longest(batches(80), batches(200)):
        submit(
            as_lucia,
            reverse("messaging:topic_new", args=[coffee.slug]),
            {
                "name": sent("messaging.Room.name", name),
                "topic": sent("messaging.Room.topic", topic) if topic else "",
            },
        )
        room = Room.objects.filter(cluster=coffee, is_general=False).latest("pk")
        page(as_mateo, reverse("messaging:room", args=[room.pk]), shows=nonces(name, topic))
    page(as_mateo, reverse("messaging:rooms"), shows=nonces(*sent.stored["messaging.Room.topic"]))
    page(as_mateo, reverse("clusters:detail", args=[coffee.slug]), shows=nonces(*sent.stored["messaging.Room.name"]))

    # Each offender writes in the general room; Mateo reports it, Lucía suspends the offender.
    general = world["room"]
    reports, suspensions = batches(500), batches(500)
    for i, reason in enumerate(reports):
        offender = make_person(f"offender{i}@example.org", name=PAYLOADS[i * 7][:120], country="HN")
        activate(offender, coffee)
        message = messaging_services.message_post(room=general, author=offender, body=PAYLOADS[i * 7])
        report_url = reverse("messaging:report", args=[message.pk])
        if i == 0:
            page(as_mateo, report_url)
        submit(as_mateo, report_url, {"reason": sent("messaging.MessageReport.reason", reason)})
    page(as_lucia, reverse("messaging:moderation"), shows=nonces(*reports))
    for report, reason in zip(MessageReport.objects.order_by("pk"), suspensions, strict=True):
        submit(
            as_lucia,
            reverse("messaging:moderation_decide", args=[report.pk, "suspend"]),
            {"reason": sent("messaging.RoomSuspension.reason", reason)},
        )
    page(as_lucia, reverse("messaging:moderation"), shows=nonces(*suspensions))
    sent.check(ROOMS)


# --- The agency console ---------------------------------------------------------------------------------


def test_agency_console_texts(world, ana, mateo, rafael, agency, coffee):
    sent = Sent()
    as_rafael, as_mateo = login(rafael), login(mateo)
    slug = agency.slug
    today = timezone.localdate().isoformat()

    # Programs: the first pays for accepted answers; descriptions take ten payloads at a time.
    programs = []
    for i, (name, description) in enumerate(zip_longest(batches(160), [chunk(s) for s in LONG_STARTS])):
        submit(
            as_rafael,
            reverse("incentives:program_create", args=[slug]),
            {
                "name": sent("incentives.Program.name", name),
                "description": sent("incentives.Program.description", description) if description else "",
                "clusters": [coffee.pk],
                "budget": 0,
                "starts_on": today,
                "rate_accepted_answer": 10 if i == 0 else 0,
                "rate_mentoring_hour": 0,
                "rate_helpful_vote": 0,
                "cap_mentor_day": 0,
                "cap_mentor_month": 0,
                "cap_pair_month": 0,
            },
        )
        program = Program.objects.latest("pk")
        programs.append(program)
        page(as_rafael, reverse("incentives:program", args=[slug, program.pk]), shows=nonces(name, description))
    paying = programs[0]

    # Funding, with a reason (the memo of the transfer, and the audit log) and a hostile hidden key.
    fund_url = reverse("incentives:program", args=[slug, paying.pk])
    for reason in batches(300):
        submit(
            as_rafael,
            fund_url,
            {"amount": 100, "reason": sent("incentives.Transfer.memo", reason), "key": reason.text[:64]},
        )
        sent("incentives.AuditEntry.reason", reason)

    # The catalog: names, and descriptions ten payloads at a time.
    for name, description in zip_longest(batches(160), [chunk(s) for s in LONG_STARTS]):
        submit(
            as_rafael,
            reverse("incentives:catalog", args=[slug]),
            {
                "kind": "training",
                "name": sent("incentives.CatalogItem.name", name),
                "description": sent("incentives.CatalogItem.description", description) if description else "",
                "price": 1,
                "stock": 5,
            },
        )
    page(
        as_rafael, reverse("incentives:catalog", args=[slug]), shows=nonces(*sent.stored["incentives.CatalogItem.name"])
    )

    # Awards for Mateo's answers to Ana (their descriptions are written by the code from question titles:
    # here straight through the service), then decided with reasons: approved, rejected, or approved and
    # reversed.
    descriptions = batches(300)
    reasons = batches(300)
    for i, (description, reason) in enumerate(zip_longest(descriptions, reasons)):
        award = award_services.award_grant(
            kind="accepted_answer",
            beneficiary=mateo,
            cluster=coffee,
            source_ref=f"questions.answer:{i}",
            description=sent("incentives.Award.description", description) if description else f"Respuesta {i}",
            caused_by=ana,
        )
        assert award is not None and award.status == Award.Status.PENDING
        if reason is None:
            continue
        text = sent("incentives.Award.decision_reason", reason)
        sent("incentives.AuditEntry.reason", reason)
        decide = {
            action: reverse("incentives:award_decide", args=[slug, award.pk, action])
            for action in ("approve", "reject", "reverse")
        }
        if i % 3 == 2:
            submit(as_rafael, decide["approve"], {"reason": ""})
            submit(as_rafael, decide["reverse"], {"reason": text})
        else:
            submit(as_rafael, decide["approve" if i % 3 == 0 else "reject"], {"reason": text})
    awards_url = reverse("incentives:awards", args=[slug])
    queues = "".join(
        every_page(as_rafael, f"{awards_url}?status={status}")
        for status in ("pending", "approved", "rejected", "reversed")
    )
    assert_shows(queues, "the awards queues", descriptions + reasons)

    # Awards whose description is a question's title put into a translated sentence when shown.
    titles = batches(200)
    for i, title in enumerate(titles):
        award = award_services.award_grant(
            kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=f"questions.answer:t{i}",
            description=f"Respuesta {i}", caused_by=ana,
            description_params={"title": sent("incentives.Award.description_params", title)},
        )
        assert award is not None
    assert_shows(every_page(as_rafael, f"{awards_url}?status=pending"), "the pending queue", titles)
    page(as_rafael, fund_url)

    # Mateo redeems credits; the agency approves some and rejects others, with reasons.
    items = list(CatalogItem.objects.order_by("pk"))
    redemption_reasons = batches(300)
    for item in items[: len(redemption_reasons)]:
        submit(as_mateo, reverse("incentives:redeem", args=[item.pk]), {"key": f"r{item.pk}"})
    page(as_rafael, reverse("incentives:redemptions", args=[slug]))
    for i, (redemption, reason) in enumerate(zip(Redemption.objects.order_by("pk"), redemption_reasons, strict=True)):
        sent("incentives.AuditEntry.reason", reason)
        submit(
            as_rafael,
            reverse("incentives:redemption_decide", args=[slug, redemption.pk, "approve" if i % 2 else "reject"]),
            {"reason": sent("incentives.Redemption.decision_reason", reason)},
        )
    redemptions_url = reverse("incentives:redemptions", args=[slug])
    queues = "".join(every_page(as_rafael, f"{redemptions_url}?status={status}") for status in ("approved", "rejected"))
    assert_shows(queues, "the redemption queues", redemption_reasons)

    # What was given for an approved redemption, corrected again and again: each version on both pages.
    given = Redemption.objects.filter(status="approved").order_by("-pk").first()  # among the wallet's latest
    fulfil_url = reverse("incentives:redemption_decide", args=[slug, given.pk, "fulfil"])
    codes, refs, notes = batches(120), batches(120), batches(500)
    for n in range(max(len(codes), len(refs), len(notes))):
        # a list that ran out repeats its last write, so the last write of each field is what stays
        code, ref, note = codes[min(n, len(codes) - 1)], refs[min(n, len(refs) - 1)], notes[min(n, len(notes) - 1)]
        submit(as_rafael, fulfil_url, {
            "voucher_code": sent("incentives.Redemption.voucher_code", code, replacing=True),
            "reference": sent("incentives.Redemption.reference", ref, replacing=True),
            "note": sent("incentives.Redemption.fulfilment_note", note, replacing=True),
        })
        page(as_mateo, reverse("incentives:wallet"), shows=nonces(code, ref, note))
        page(as_rafael, f"{redemptions_url}?status=approved", shows=nonces(code, ref, note))

    page(as_rafael, reverse("incentives:console", args=[slug]), shows=nonces(*sent.stored["incentives.Program.name"]))
    assert_shows(
        every_page(as_rafael, reverse("incentives:ledger", args=[slug])),
        "the ledger",
        sent.stored["incentives.Transfer.memo"],
    )
    assert_shows(
        every_page(as_rafael, reverse("incentives:audit", args=[slug])),
        "the audit log",
        sent.stored["incentives.AuditEntry.reason"],
    )
    assert_shows(
        every_page(as_mateo, reverse("incentives:wallet")),
        "the wallet",
        sent.stored["incentives.CatalogItem.description"],
    )
    page(as_mateo, reverse("messaging:notifications"))
    sent.check(AGENCY)


def every_page(client: Client, url: str) -> str:
    """Every page of a paginated list, each checked; their HTML together."""
    pages = []
    for number in itertools.count(1):
        pages.append(page(client, f"{url}{'&' if '?' in url else '?'}page={number}"))
        if f"page={number + 1}" not in pages[-1]:
            return "".join(pages)


def assert_shows(html: str, where: str, written) -> None:
    missing = [batch.nonce for batch in written if batch is not None and batch.nonce not in html]
    assert not missing, f"{where} do not show {missing[:5]}"


# --- Mentor availability, goals and milestones ------------------------------------------------------------


def test_mentor_availability_goals_and_milestones(world, ana, mateo):
    sent = Sent()
    as_ana, as_mateo = login(ana), login(mateo)
    availabilities = batches(200)
    for n, availability in enumerate(availabilities):
        submit(
            as_mateo,
            reverse("mentoring:profile"),
            {
                "availability": sent("mentoring.MentorProfile.availability", availability, replacing=True),
                "capacity": 3,
                "languages": ["es"],
                "is_accepting": "on",
            },
        )
        page(as_ana, reverse("mentoring:mentor", args=[mateo.pk]), shows=nonces(availability))
        if n % 6 == 0 or n == len(availabilities) - 1:
            # The form only its author sees (six lists of 250 countries), with one write in six.
            page(as_mateo, reverse("mentoring:profile"), shows=nonces(availability))
    page(as_ana, reverse("mentoring:directory"))

    request = mentoring_services.request_create(aspirant=ana, mentor=mateo, goal="Exportar café verde a Alemania.")
    mentorship = mentoring_services.request_accept(request=request, acting_user=mateo)
    goals, milestones = batches(200), batches(200)
    for goal in goals:
        submit(
            as_ana,
            reverse("mentoring:mentorship_action", args=[mentorship.pk, "goal"]),
            {"title": sent("mentoring.Goal.title", goal)},
        )
    first_goal = mentorship.goals.order_by("pk").first()
    for milestone in milestones:
        submit(
            as_mateo,
            reverse("mentoring:goal_action", args=[first_goal.pk, "milestone"]),
            {"title": sent("mentoring.Milestone.title", milestone), "due_on": ""},
        )
    url = reverse("mentoring:mentorship", args=[mentorship.pk])
    page(as_mateo, url, shows=nonces(*goals, *milestones))
    page(as_ana, url)
    page(as_mateo, reverse("mentoring:mentorships"))
    sent.check(PLANS)


# --- Question tags ------------------------------------------------------------------------------------


def test_question_tags(world, ana, mateo, coffee):
    sent = Sent()
    as_ana, as_mateo = login(ana), login(mateo)

    # At most eight tags of forty characters, separated by commas: a nonce and up to seven payloads.
    def fits(text: str) -> bool:
        return len(text) <= 300 and len([tag for tag in text.split(",") if tag.strip()]) <= 8

    for n, tags in enumerate(batches(300, most=7, sep=", ", cut=40, fits=fits)):
        submit(
            as_ana,
            reverse("questions:ask", args=[coffee.slug]),
            {
                "title": f"¿Qué etiqueta lleva el café número {n}?",
                "body": "",
                "language": "es",
                "tags": sent("questions.Question.tags", tags),
            },
        )
        question = Question.objects.latest("pk")
        page(as_mateo, reverse("questions:detail", args=[question.pk]), shows=nonces(tags))
        page(as_ana, reverse("questions:edit", args=[question.pk]), shows=nonces(tags))
    sent.check(TAGS)


# --- The sockets ------------------------------------------------------------------------------------------

async def _frame(socket, kind: str, skipped: list | None = None) -> dict:
    """The next frame of this type, skipping others (presence, typing, hello) on the way; every frame's
    HTML is inspected."""
    while True:
        frame = json.loads(await socket.receive_from(timeout=5))
        if "html" in frame:
            assert_clean(frame["html"], f"{frame['type']} frame")
        if frame["type"] == kind:
            return frame
        if skipped is not None:
            skipped.append(frame)


@pytest.mark.django_db(transaction=True)
async def test_the_room_and_question_sockets_carry_every_payload_harmlessly(
    world, ana, mateo, lucia, monkeypatch, fresh_channel_layer
):

    monkeypatch.setattr(presence, "PRESENCE_DEBOUNCE", 0.01)
    presence.reset_local()
    sent = Sent()
    room = world["room"]
    room_path = f"/ws/rooms/{room.pk}/"
    try:
        writer, reader = await open_socket_as(ana, room_path), await open_socket_as(mateo, room_path)
        await _frame(writer, "presence")
        await _frame(reader, "presence")
        # One message per batch of payloads; the client id (at most 64 characters) is hostile too.
        ids = []
        for batch in batches(64):
            body = " ".join(PAYLOADS[i] for i in batch.indexes)
            await writer.send_to(
                text_data=json.dumps(
                    {"type": "message", "body": body, "client_id": sent("messaging.Message.client_id", batch)}
                )
            )
            ack = await _frame(writer, "ack")
            assert ack["client_id"] == batch.text
            frame = await _frame(reader, "message")
            assert frame["id"] == ack["id"] and frame["client_id"] == batch.text
            ids.append(ack["id"])
        # Edits, ten payloads at a time.
        for message_id, start in zip(ids, LONG_STARTS, strict=False):
            await writer.send_to(text_data=json.dumps({"type": "edit", "id": message_id, "body": chunk(start).text}))
            assert (await _frame(reader, "edited"))["id"] == message_id
        # A socket that joins late asks for everything since the start.
        late, resent = await open_socket_as(lucia, room_path), []
        await late.send_to(text_data=json.dumps({"type": "resync", "after_id": 0}))
        while (frame := await _frame(late, "resynced", resent))["more"]:
            await late.send_to(text_data=json.dumps({"type": "resync", "after_id": frame["last_id"]}))
        assert {frame["id"] for frame in resent if frame["type"] == "message"} >= set(ids)
        for socket in (writer, reader, late):
            await socket.disconnect()

        # The question page's socket: answers and their edits arrive as rendered HTML.
        question = await database_sync_to_async(question_services.question_ask)(
            cluster=world["cluster"],
            author=ana,
            title="¿Qué pide la FDA para el café verde?",
            body="",
            language="es",
        )
        listener = await open_socket_as(ana, f"/ws/questions/{question.pk}/")
        await _frame(listener, "hello")
        for start in LONG_STARTS:
            answer = await database_sync_to_async(question_services.answer_post)(
                question=question, author=mateo, body=chunk(start).text
            )
            assert (await _frame(listener, "answer"))["id"] == answer.pk
            await database_sync_to_async(question_services.answer_edit)(
                answer=answer, acting_user=mateo, body=chunk(start).text
            )
            assert (await _frame(listener, "answer_edited"))["id"] == answer.pk
        await listener.disconnect()
        await database_sync_to_async(sent.check)(SOCKETS)
    finally:
        presence.reset_local()
        await asyncio.sleep(0)
