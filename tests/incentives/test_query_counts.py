"""Pages run a fixed number of queries however much ledger data there is.

Every signed-in page pays 4 for the layout: the session, the user, messaging's unread counts, and
the "Agency" nav check with the account menu's firm (one query, clusters.nav).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incentives import services
from incentives.awards import award_grant, award_reverse

LAYOUT = 2  # session, user (the header's counts and links are kept: infra.cache)


@pytest.fixture
def busy(funded, rafael, agency, mateo, ana, coffee, no_rate_limits):
    def grow(start, n):
        for k in range(start, start + n):
            vote = award_grant(kind="helpful_vote", beneficiary=mateo, cluster=coffee,
                               source_ref=f"questions.vote:{k}", description="Helpful answer: EUDR due diligence",
                               description_params={"title": "EUDR due diligence"}, caused_by=None)
            if vote is not None:  # paid while the pool lasts; a staff decision on it names it in the audit log
                award_reverse(award=vote, acting_user=rafael, reason="Voto duplicado")
            award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref=f"q.answer:{k}",
                        description="Accepted answer: letters of credit", caused_by=None)
            # one waiting request per person and item: a new item each time (the catalog grows too)
            item = services.catalog_item_save(agency=agency, acting_user=rafael, kind="freight",
                                              name=f"Voucher {k}", price=10, stock=50)
            services.redemption_request(item=item, person=mateo)

    return grow


def test_the_wallet_page_has_a_fixed_query_count(client, busy, mateo, django_assert_num_queries):
    client.force_login(mateo)
    url = reverse("incentives:wallet")
    client.get(url)  # the header's values kept, as on every page after the first
    for start, n in [(0, 2), (2, 25)]:
        busy(start, n)
        # wallets of the person, statement COUNT, statement page with running balance (window) and each
        # payment's award (its reasons), the agency's catalog, the person's requests, awards waiting or not paid
        with django_assert_num_queries(LAYOUT + 6):
            assert client.get(url).status_code == 200


CONSOLE = {
    # agency (staff check), queue counts (awards + redemptions), then the page's own reads
    "console": 3 + 4,  # programs, their clusters, pool balances, latest audit entries (with their awards)
    "awards": 3 + 4,  # the filters' clusters and programs, COUNT, page of awards with people and program
    "redemptions": 3 + 2,  # COUNT, page of redemptions
    "catalog": 3 + 1,  # the items
    "ledger": 3 + 2,  # COUNT, page of transfers with accounts, owners and programs
    # COUNT, page of entries with actors and, in the same query, each award entry's award (its description)
    "audit": 3 + 2,
}


@pytest.mark.parametrize("name", sorted(CONSOLE))
def test_console_pages_have_a_fixed_query_count(client, busy, rafael, agency, name, django_assert_num_queries):
    client.force_login(rafael)
    url = reverse(f"incentives:{name}", args=[agency.slug]) + ("?status=approved" if name == "awards" else "")
    client.get(url)  # the header's values kept, as on every page after the first
    for start, n in [(0, 2), (2, 25)]:
        busy(start, n)
        with django_assert_num_queries(LAYOUT + CONSOLE[name]):
            assert client.get(url).status_code == 200


def test_the_dashboard_query_count_does_not_grow_with_data(client, busy, rafael, agency):
    # Its count depends on the sections other apps register, so this checks only that it stays put.
    client.force_login(rafael)
    url = reverse("incentives:dashboard", args=[agency.slug])
    counts = []
    client.get(url)  # the header's values kept, as on every page after the first
    for start, n in [(0, 2), (2, 25)]:
        busy(start, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
