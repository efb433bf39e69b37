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


def test_the_demo_mentors_start_the_day_with_their_daily_cap_free(db):
    from io import StringIO

    from django.utils import timezone

    from clusters.models import Cluster, User
    from incentives.awards import award_grant

    call_command("seed_demo", stdout=StringIO())
    assert not Award.objects.filter(created_at__date=timezone.localdate()).exists()
    mateo, ana = User.objects.get(email="mateo@demo.puente"), User.objects.get(email="ana@demo.puente")
    award = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=Cluster.objects.get(slug="cafe-especial"),
                        source_ref="test.new-answer", description="A new accepted answer", caused_by=ana)
    assert award is not None and award.credits == award.program.rate_accepted_answer
    assert ledger_check().ok
