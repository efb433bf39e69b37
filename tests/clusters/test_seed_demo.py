"""`make run`'s first screen: the demo people to sign in as, not the mail their demo actions caused."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from clusters.demo import PERSONAS


@pytest.mark.django_db(transaction=True)  # mail goes out when the seed's transactions commit
def test_seeding_sends_no_mail_and_ends_with_a_table_of_the_demo_people():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert mail.outbox == []
    lines = out.getvalue().splitlines()
    table = lines[-len(PERSONAS) - 2:]
    assert table[0].split() == ["email", "who"]
    assert [line.split()[0] for line in table[2:]] == [email for email, _ in PERSONAS]
    assert len(lines) < 20
