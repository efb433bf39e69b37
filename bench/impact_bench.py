"""Impact bench: the agency's impact page and its XLSX funder report on PostgreSQL for an agency with 5,000
firms, 20,000 questions, 2,000 mentorships (8,000 sessions, 6,000 follow-ups) and 100,000 ledger transfers
spread over eighteen months, against a trivial view in the same run (bench/qa_urls.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/puente_impact_bench \
        .venv/bin/python bench/impact_bench.py --runs 20

The database is created, migrated and filled (bulk_create) once; a second run reuses it. The page is
requested for its default period (twelve weeks) and for the past year (months), unfiltered and filtered by
a cluster and a country; each is timed `--runs` times after a warm-up, in one process through Django's test
client (no network), with the number of queries of the last run and the ratio to the trivial view measured in
the same run (the machine is shared: absolute figures move with its load, printed at the start and the end).
Goal: page < 300 ms, XLSX < 5 s.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "impact-bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # no line per request
os.environ.setdefault("PUENTE_TESTING", "true")  # static files through the finders: no collectstatic, no warning

FIRMS, QUESTIONS, MENTORSHIPS, TRANSFERS, MENTORS = 5_000, 20_000, 2_000, 100_000, 200
COUNTRIES = ["HN", "GT", "CO", "PE", "EC", "MX", "CR", "SV", "NI", "DO", "BR", "AR", "CL", "UY", "JM"]
DAYS = 540


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build_world():
    """The agency and its data, in bulk; returns (agency, staff). Idempotent: an existing world is reused."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from clusters.models import Agency, Cluster, ClusterMembership, Firm, FirmMember, Sector, User
    from incentives.models import Account, Award, Program, Transfer
    from mentoring.models import MentorProfile, Mentorship, OutcomeFollowUp, Session
    from questions.models import Question

    call_command("migrate", verbosity=0)
    agency = Agency.objects.filter(slug="impact-bench").first()
    if agency is not None:
        return agency, agency.staff.get()
    rng = random.Random(21)
    now = timezone.now()
    started = time.monotonic()

    def ago(days: float) -> datetime.datetime:
        return now - datetime.timedelta(days=days)

    agency = Agency.objects.create(slug="impact-bench", name="Impact bench agency", country="PA")
    staff = User.objects.create_user(email="staff@impact.bench", name="Staff", onboarded_at=now)
    agency.staff.add(staff)
    sectors = [Sector.objects.create(slug=f"bench-sector-{i}", name=f"Sector {i}") for i in range(6)]
    clusters = [Cluster.objects.create(sector=s, slug=f"bench-cluster-{i}", name=f"Cluster {i}", agency=agency,
                                       countries=COUNTRIES)
                for i, s in enumerate(sectors)]
    program = Program.objects.create(agency=agency, name="Bench program", starts_on=ago(DAYS).date(), created_by=staff)
    program.clusters.set(clusters)

    firms = Firm.objects.bulk_create([
        Firm(name=f"Firm {i}", name_key=f"firm {i}", country=COUNTRIES[i % len(COUNTRIES)], women_led=i % 3 == 0)
        for i in range(FIRMS)], batch_size=5000)
    people = User.objects.bulk_create([
        User(email=f"p{i}@impact.bench", name=f"Person {i}", country=firms[i].country.code, onboarded_at=now)
        for i in range(FIRMS)], batch_size=5000)
    mentors = User.objects.bulk_create([
        User(email=f"m{i}@impact.bench", name=f"Mentor {i}", country="CO", onboarded_at=now, wants_to_mentor=True)
        for i in range(MENTORS)], batch_size=5000)
    FirmMember.objects.bulk_create([FirmMember(firm=f, user=u) for f, u in zip(firms, people, strict=True)],
                                   batch_size=5000)
    cluster_of = {u.pk: clusters[i % len(clusters)] for i, u in enumerate(people + mentors)}
    ClusterMembership.objects.bulk_create(
        [ClusterMembership(cluster=cluster_of[u.pk], user=u, status="active", decided_at=now) for u in people]
        + [ClusterMembership(cluster=cluster_of[u.pk], user=u, role="mentor", status="active", decided_at=now)
           for u in mentors], batch_size=5000)
    MentorProfile.objects.bulk_create([MentorProfile(user=u, capacity=5, active_mentees=rng.randint(0, 5))
                                       for u in mentors])

    questions = []
    for i in range(QUESTIONS):
        asked = ago(rng.uniform(0, DAYS))
        answered = asked + datetime.timedelta(hours=rng.uniform(0.5, 96)) if rng.random() < 0.7 else None
        author = people[rng.randrange(FIRMS)]
        questions.append(Question(cluster=cluster_of[author.pk], author=author, title=f"Question {i}",
                                  created_at=asked, last_activity_at=answered or asked, first_answer_at=answered,
                                  answer_count=1 if answered else 0))
    Question.objects.bulk_create(questions, batch_size=5000)

    firm_of = {u.pk: f.pk for f, u in zip(firms, people, strict=True)}
    mentorships, ends = [], []
    for i in range(MENTORSHIPS):
        mentee = people[i * (FIRMS // MENTORSHIPS)]
        mentor = mentors[i % MENTORS]
        start = ago(rng.uniform(60, DAYS))
        end = start + datetime.timedelta(days=rng.uniform(45, 120))
        ended = end < now
        outcome = rng.choice(["started", "restarted", "not_yet", "started"]) if ended else ""
        mentorships.append(Mentorship(
            mentor=mentor, mentee=mentee, cluster=cluster_of[mentee.pk], started_at=start,
            ended_at=end if ended else None, status="completed" if ended else "active", outcome=outcome,
            outcome_markets=rng.sample(COUNTRIES, 2) if outcome in ("started", "restarted") else [],
            outcome_recorded_at=end if outcome else None))
        ends.append(end if ended else None)
    mentorships = Mentorship.objects.bulk_create(mentorships, batch_size=5000)
    sessions, followups = [], []
    for m, end in zip(mentorships, ends, strict=True):
        for k in range(4):
            day = (m.started_at + datetime.timedelta(days=7 + 14 * k)).date()
            if day < now.date():
                sessions.append(Session(mentorship=m, logged_by=m.mentor, date=day, minutes=60,
                                        status="confirmed" if k < 3 else "pending"))
        if end is None:
            continue
        firm_id = firm_of[m.mentee_id]
        for months in (3, 6, 12):
            due = end + datetime.timedelta(days=30 * months)
            asked = due if due < now else None
            answered = asked + datetime.timedelta(days=3) if asked and rng.random() < 0.75 else None
            followups.append(OutcomeFollowUp(
                firm_id=firm_id, mentorship=m, months=months, due_on=due.date(), asked_at=asked,
                answered_at=answered, exporting=(rng.random() < 0.7) if answered else None,
                markets=rng.sample(COUNTRIES, 3) if answered else []))
    Session.objects.bulk_create(sessions, batch_size=5000)
    OutcomeFollowUp.objects.bulk_create(followups, batch_size=5000)

    # The ledger, read-only here: balances are set to what the transfers add up to.
    mint = Account.objects.create(kind="mint", agency=agency, program=program)
    pool = Account.objects.create(kind="pool", agency=agency, program=program)
    hold = Account.objects.create(kind="hold", agency=agency)
    sink = Account.objects.create(kind="redeemed", agency=agency)
    wallets = Account.objects.bulk_create([Account(kind="wallet", agency=agency, owner=u) for u in mentors])
    transfers, awards, balance = [], [], {a.pk: 0 for a in [mint, pool, hold, sink, *wallets]}
    run = uuid.uuid4().hex[:6]

    def add(src, dst, amount, kind, when):
        transfers.append(Transfer(from_account=src, to_account=dst, amount=amount, kind=kind, created_at=when,
                                  idempotency_key=f"bench:{run}:{len(transfers)}"))
        balance[src.pk] -= amount
        balance[dst.pk] += amount

    add(mint, pool, 10_000_000, "fund", ago(DAYS))
    while len(transfers) < TRANSFERS:
        when = ago(rng.uniform(0, DAYS))
        w = rng.randrange(MENTORS)
        if rng.random() < 0.85:
            add(pool, wallets[w], rng.choice([5, 40, 50, 80]), "award", when)
            awards.append((len(transfers) - 1, w, when))
        elif balance[wallets[w].pk] >= 50:
            add(wallets[w], hold, 50, "redeem_request", when)
            add(hold, sink, 50, "redeem_approve", when + datetime.timedelta(hours=5))
    transfers = Transfer.objects.bulk_create(transfers, batch_size=5000)
    Award.objects.bulk_create([
        Award(program=program, kind="accepted_answer", beneficiary=mentors[w], caused_by=people[i % FIRMS],
              cluster=cluster_of[mentors[w].pk], source_ref=f"bench.answer:{i}", description="Bench",
              credits=transfers[i].amount, status="approved", payment=transfers[i], created_at=when)
        for i, w, when in awards], batch_size=5000)
    for account in [mint, pool, hold, sink, *wallets]:
        account.balance = balance[account.pk]
    Account.objects.bulk_update([mint, pool, hold, sink, *wallets], ["balance"], batch_size=5000)
    with connection.cursor() as cursor:
        # Statistics and visibility map as autovacuum keeps them on a live database (it may be off here).
        cursor.execute("VACUUM ANALYZE")
    print(f"world built in {time.monotonic() - started:.0f} s")
    return agency, staff


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def timed(client, url, params, runs):
    from django.db import connection, reset_queries

    client.get(url, params, secure=True)  # warm-up
    times = []
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url, params, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), max(times), len(connection.queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... : this bench measures the PostgreSQL figures.")
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    agency, staff = build_world()
    year_ago = (timezone.localdate() - datetime.timedelta(days=364)).isoformat()
    cluster = agency.clusters.order_by("pk").first()
    page = f"/agency/{agency.slug}/impact/"
    cases = [
        ("trivial view", "/bench/trivial/", {}),
        ("impact page, 12 weeks", page, {}),
        ("impact page, 12 weeks, cluster + country", page, {"cluster": cluster.pk, "country": "HN"}),
        ("impact page, past year (months)", page, {"start": year_ago}),
        ("XLSX report, 12 weeks", page + "report.xlsx", {}),
        ("XLSX report, past year", page + "report.xlsx", {"start": year_ago}),
    ]
    # Static files are not collected for a bench: plain storage, so templates need no manifest.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ROOT_URLCONF="bench.qa_urls", ALLOWED_HOSTS=["testserver"], STORAGES=storages):
        client = Client()
        client.force_login(staff)
        connection.force_debug_cursor = True  # count queries with DEBUG off
        print(f"PostgreSQL, DEBUG={settings.DEBUG}, {args.runs} runs each after a warm-up, {load()}")
        print(f"{'case':<44} {'median ms':>10} {'max ms':>8} {'× trivial':>10} {'queries':>8}")
        trivial = None
        for name, path, params in cases:
            median, worst, queries = timed(client, path, params, args.runs)
            trivial = trivial or median
            print(f"{name:<44} {median:>10.1f} {worst:>8.1f} {median / trivial:>10.0f} {queries:>8}")
        print(load())


if __name__ == "__main__":
    main()
