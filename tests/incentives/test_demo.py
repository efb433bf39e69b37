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


def test_the_demo_shows_paid_flagged_and_cut_awards_and_says_why(db):
    from io import StringIO

    call_command("seed_demo", stdout=StringIO())
    awards = Award.objects.all()
    assert awards.filter(status="approved", cut_code="").exists()
    flagged = awards.filter(status="pending").exclude(flag_code="")
    assert set(flagged.values_list("flag_code", flat=True)) >= {"mutual", "pair_burst"}
    cut = awards.filter(status="approved", cut_code__startswith="cap_")
    assert cut.exists() and all(a.cut_params["paid"] < a.cut_params["original"] for a in cut)
    assert all(a.flag_text for a in flagged) and all(a.cut_text for a in cut)
    assert ledger_check().ok


def test_the_demo_has_a_cofunded_program_and_referrals(db):
    from io import StringIO

    from incentives.models import AwardShare, Program, Referral

    call_command("seed_demo", stdout=StringIO())
    program = Program.objects.get(name="Mentores que exportan 2026")
    assert program.split == "first"
    assert sorted(program.funders.values_list("agency__slug", "cap")) == [("fondo-exporta", None), ("red-exporta", 100)]
    assert set(Referral.objects.values_list("firm__name", "status")) == {
        ("Café Montaña Lenca", "waiting"), ("Tostadores del Quindío", "consented")}
    assert AwardShare.objects.filter(award__status="approved", agency__slug="fondo-exporta").exists()
    assert ledger_check().ok


def test_the_demo_audit_log_has_award_lines_and_a_reason_the_code_wrote_in_the_readers_language(db):
    from io import StringIO

    from django.utils import translation

    from clusters.models import Agency
    from incentives.selectors import audit_for_agency

    call_command("seed_demo", stdout=StringIO())
    entries = list(audit_for_agency(agency=Agency.objects.get(slug="red-exporta")))
    revoked = next(e for e in entries if e.action == "award.revoke_unpaid")
    approved = next(e for e in entries if e.action == "award.approve" and e.award_kind == "accepted_answer")
    with translation.override("pt-br"):
        assert revoked.reason_text == "A aceitação foi retirada"
        assert "Resposta aceita para “" in revoked.target_text and "Resposta aceita para “" in approved.target_text
    assert ledger_check().ok
