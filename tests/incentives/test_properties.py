"""Any sequence of ledger operations, valid or refused, keeps every invariant."""

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusters.models import Firm
from incentives import services
from incentives.awards import award_approve, award_grant, award_reject, award_reverse, award_revoke
from incentives.models import Account, Award, CatalogItem, Redemption
from incentives.verify import ledger_check
from tests.conftest import activate, make_person

OPS = st.lists(
    st.tuples(
        st.sampled_from(["fund", "grant", "session", "revoke", "approve", "reject", "reverse",
                         "redeem", "settle_ok", "settle_no"]),
        st.integers(min_value=0, max_value=4),  # which person / source / item
        st.integers(min_value=1, max_value=400),  # an amount
    ),
    max_size=30,
)


@pytest.fixture
def world(program, rafael, coffee, agency):
    type(program).objects.filter(pk=program.pk).update(auto_approve=False, cap_mentor_day=400, cap_pair_month=300)
    program.refresh_from_db()
    people = []
    for n in range(3):
        firm = Firm.objects.create(name=f"Firma {n}", country="CO")
        person = make_person(f"p{n}@example.org", name=f"Persona {n}", firm=firm)
        activate(person, coffee)
        people.append(person)
    items = [services.catalog_item_save(agency=agency, acting_user=rafael, kind="freight", name=f"Voucher {n}",
                                        price=30 * (n + 1), stock=2) for n in range(2)]
    return program, people, items


# Fewer examples on PostgreSQL, where each one costs more; SQLite runs explore the most.
@settings(max_examples=15 if django_settings.IS_POSTGRES else 40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_every_sequence_of_operations_keeps_every_invariant(world, rafael, coffee, no_rate_limits, ops):
    program, people, items = world
    with transaction.atomic():
        for op, i, amount in ops:
            person, other = people[i % 3], people[(i + 1) % 3]
            try:
                if op == "fund":
                    services.program_fund(program=program, acting_user=rafael, amount=amount)
                elif op == "grant":
                    award_grant(kind="accepted_answer", beneficiary=person, cluster=coffee,
                                source_ref=f"q.answer:{i}", description="answer", caused_by=other)
                elif op == "session":
                    award_grant(kind="mentoring_session", beneficiary=person, cluster=coffee,
                                source_ref=f"m.session:{i}", description="session", caused_by=other, minutes=amount)
                elif op == "revoke":
                    award_revoke(kind="accepted_answer", source_ref=f"q.answer:{i}", reason="changed")
                elif op in ("approve", "reject", "reverse"):
                    award = Award.objects.filter(status__in=Award.LIVE).order_by("pk")[i:i + 1].first()
                    if award is not None:
                        action = {"approve": award_approve, "reject": award_reject, "reverse": award_reverse}[op]
                        action(award=award, acting_user=rafael, reason="because")
                elif op == "redeem":
                    services.redemption_request(item=items[i % 2], person=person)
                else:
                    redemption = Redemption.objects.filter(status="requested").order_by("pk")[i:i + 1].first()
                    if redemption is not None:
                        decide = services.redemption_approve if op == "settle_ok" else services.redemption_reject
                        decide(redemption=redemption, acting_user=rafael, reason="because")
            except (ValidationError, PermissionDenied):
                pass  # a refused operation must leave everything as it was
            report = ledger_check()
            assert report.ok, report.problems
            assert not Account.objects.exclude(kind="mint").filter(balance__lt=0).exists()
            assert not CatalogItem.objects.filter(stock__lt=0).exists()
            # Pending awards never promise more than the pool holds.
            pool = Account.objects.get(program=program, kind="pool")
            pending = sum(Award.objects.filter(program=program, status="pending").values_list("credits", flat=True))
            assert pending <= pool.balance
            # Stock plus live requests and approvals is what the catalog started with.
            for item in CatalogItem.objects.all():
                taken = Redemption.objects.filter(item=item).exclude(status="rejected").count()
                assert item.stock + taken == 2
        transaction.set_rollback(True)
