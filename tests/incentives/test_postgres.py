"""Real concurrency on PostgreSQL: row locks, floors and caps hold when many requests race.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/puente_incentives (CI sets it)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clusters.models import Firm
from incentives import services
from incentives.awards import award_grant
from incentives.ledger import program_accounts, transfer_post, wallet_for
from incentives.models import Account, Award, CatalogItem, Redemption
from tests.conftest import activate, make_person

pytestmark = [pytest.mark.django_db(transaction=True)]


def race(n, work):
    """Runs work(i) in n threads released together; returns the results (or exceptions)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_threads_redeeming_ten_from_a_wallet_of_a_hundred(
    postgres_only, program, rafael, mateo, agency, no_rate_limits
):
    mint, pool = program_accounts(program=program)
    wallet = wallet_for(user=mateo, agency=agency)
    transfer_post(from_account=mint, to_account=pool, amount=100, kind="fund", idempotency_key="f")
    transfer_post(from_account=pool, to_account=wallet, amount=100, kind="award", idempotency_key="a")
    # One waiting request per person and item: fifty different items, so only the wallet's floor limits them.
    items = [services.catalog_item_save(agency=agency, acting_user=rafael, kind="training", name=f"Taller {i}",
                                        price=10, stock=100) for i in range(50)]

    results = race(50, lambda i: services.redemption_request(item=items[i], person=mateo, idempotency_key=f"t{i}"))

    succeeded = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(succeeded) == 10 and len(refused) == 40, results
    wallet.refresh_from_db()
    assert wallet.balance == 0 and sum(CatalogItem.objects.values_list("stock", flat=True)) == 50 * 100 - 10
    call_command("ledger_verify")


def rich_people(n, *, program, agency, credits=100):
    """n people with `credits` each in the agency's wallet."""
    mint, pool = program_accounts(program=program)
    transfer_post(from_account=mint, to_account=pool, amount=n * credits, kind="fund", idempotency_key="fund-all")
    people = []
    for i in range(n):
        person = make_person(f"p{i}@example.org", name=f"Persona {i}")
        transfer_post(from_account=pool, to_account=wallet_for(user=person, agency=agency), amount=credits,
                      kind="award", idempotency_key=f"give-{i}")
        people.append(person)
    return people


def test_twenty_people_racing_for_five_seats_get_exactly_five(postgres_only, program, rafael, agency):
    people = rich_people(20, program=program, agency=agency)
    item = services.catalog_item_save(agency=agency, acting_user=rafael, kind="training", name="Taller EUDR",
                                      price=30, stock=5)

    results = race(20, lambda i: services.redemption_request(item=item, person=people[i]))

    succeeded = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(succeeded) == 5 and len(refused) == 15, results
    assert all("out of stock" in str(r) for r in refused)
    item.refresh_from_db()
    assert item.stock == 0 and Redemption.objects.count() == 5
    call_command("ledger_verify")


def test_the_same_request_sent_eight_times_at_once_waits_once(postgres_only, program, rafael, agency):
    (person,) = rich_people(1, program=program, agency=agency, credits=1000)
    item = services.catalog_item_save(agency=agency, acting_user=rafael, kind="freight", name="Flete", price=10,
                                      stock=50)

    results = race(8, lambda i: services.redemption_request(item=item, person=person, idempotency_key=f"k{i}"))

    assert len([r for r in results if isinstance(r, Redemption)]) == 1, results
    assert all("already asked" in str(r) for r in results if isinstance(r, ValidationError))
    item.refresh_from_db()
    assert item.stock == 49 and wallet_for(user=person, agency=agency).balance == 990


def test_concurrent_awards_never_overdraw_a_small_pool(postgres_only, program, rafael, coffee, agency):
    services.program_fund(program=program, acting_user=rafael, amount=120)  # room for two answers of 50
    mentors, askers = [], []
    for n in range(12):
        mentor = make_person(f"m{n}@example.org", name=f"Mentor {n}", firm=Firm.objects.create(name=f"M{n}", country="CO"))
        asker = make_person(f"a{n}@example.org", name=f"Asker {n}", firm=Firm.objects.create(name=f"A{n}", country="HN"))
        activate(mentor, coffee, "mentor")
        activate(asker, coffee)
        mentors.append(mentor)
        askers.append(asker)

    def grant(i):
        return award_grant(kind="accepted_answer", beneficiary=mentors[i], cluster=coffee,
                           source_ref=f"questions.answer:{i}", description="answer", caused_by=askers[i])

    results = race(12, grant)

    assert not [r for r in results if isinstance(r, Exception)], results
    paid = [r for r in results if isinstance(r, Award)]
    assert len(paid) == 2
    _mint, pool = program_accounts(program=program)
    assert pool.balance == 20
    assert Award.objects.filter(status="not_paid").count() == 10
    call_command("ledger_verify")


def test_the_same_source_granted_at_once_pays_once(postgres_only, funded, mateo, ana, coffee, agency):
    results = race(8, lambda i: award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee,
                                            source_ref="questions.answer:1", description="a", caused_by=ana))
    assert len({r.pk for r in results}) == 1, results
    assert wallet_for(user=mateo, agency=agency).balance == 50


def test_posting_locks_the_accounts_for_no_key_update_in_id_order(postgres_only, program):
    mint, pool = program_accounts(program=program)
    with CaptureQueriesContext(connection) as queries:
        transfer_post(from_account=mint, to_account=pool, amount=1, kind="fund", idempotency_key="x")
    locks = [q["sql"] for q in queries.captured_queries if "FOR NO KEY UPDATE" in q["sql"]]
    assert len(locks) == 1 and 'ORDER BY "incentives_account"."id" ASC' in locks[0]


def test_replaying_a_key_concurrently_posts_one_transfer(postgres_only, program):
    mint, pool = program_accounts(program=program)
    results = race(10, lambda i: transfer_post(from_account=mint, to_account=pool, amount=5, kind="fund",
                                               idempotency_key="once"))
    assert len({r.pk for r in results}) == 1, results
    assert Account.objects.get(pk=pool.pk).balance == 5


def test_fifty_threads_granting_awards_from_a_cofunded_program_never_overdraw_either_pool(
        postgres_only, program, rafael, coffee, agency, other_agency):
    """Shares of 3 and 2 (30 + 20 of each answer of 50): the lead's pool of 120 pays exactly four awards,
    the partner's 100 keeps 20, and every share adds up."""
    from incentives.models import AwardShare, Program

    partner = make_person("paula@example.org", name="Paula Ortiz", country="CL")
    other_agency.staff.add(partner)
    services.program_funder_set(program=program, agency=agency, acting_user=rafael, share=3, requires_approval=False)
    funder = services.program_funder_set(program=program, agency=other_agency, acting_user=rafael, share=2,
                                         requires_approval=False)
    services.program_funder_accept(funder=funder, acting_user=partner)
    services.program_fund(program=program, acting_user=rafael, amount=120)
    services.program_fund(program=program, acting_user=partner, amount=100, agency=other_agency)
    assert Program.objects.get(pk=program.pk).split == Program.Split.SHARE
    mentors, askers = [], []
    for n in range(50):
        mentor = make_person(f"m{n}@example.org", name=f"Mentor {n}", firm=Firm.objects.create(name=f"M{n}", country="CO"))
        asker = make_person(f"a{n}@example.org", name=f"Asker {n}", firm=Firm.objects.create(name=f"A{n}", country="HN"))
        activate(mentor, coffee, "mentor")
        activate(asker, coffee)
        mentors.append(mentor)
        askers.append(asker)

    results = race(50, lambda i: award_grant(kind="accepted_answer", beneficiary=mentors[i], cluster=coffee,
                                             source_ref=f"questions.answer:{i}", description="answer",
                                             caused_by=askers[i]))

    assert not [r for r in results if isinstance(r, Exception)], results
    paid = [r for r in results if isinstance(r, Award)]
    assert len(paid) == 4 and all(a.status == Award.Status.APPROVED for a in paid)
    assert program_accounts(program=program)[1].balance == 0
    assert program_accounts(program=program, agency_id=other_agency.pk)[1].balance == 20
    assert sorted(AwardShare.objects.values_list("credits", flat=True)) == [20] * 4 + [30] * 4
    assert Award.objects.filter(status="not_paid").count() == 46
    call_command("ledger_verify")
