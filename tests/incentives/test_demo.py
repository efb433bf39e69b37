from django.core.management import call_command

from incentives.models import Award, Redemption, Transfer
from incentives.verify import ledger_check


def test_the_demo_seed_is_complete_and_idempotent(db):
    from io import StringIO

    call_command("seed_demo", stdout=StringIO())
    transfers, awards = Transfer.objects.count(), Award.objects.count()
    mateo_awards = Award.objects.filter(beneficiary__email="mateo@demo.puente", source_ref__startswith="demo.")
    assert set(mateo_awards.values_list("status", flat=True)) == {"approved", "pending"}
    assert Redemption.objects.filter(person__email="mateo@demo.puente", status="requested").count() == 1
    call_command("seed_demo", stdout=StringIO())
    assert (Transfer.objects.count(), Award.objects.count()) == (transfers, awards)
    assert ledger_check().ok
