from incentives.awards import award_grant, award_revoke
from incentives.ledger import wallet_for
from incentives.models import Award


def test_an_accepted_answer_pays_the_mentor_once(funded, mateo, ana, coffee, agency):
    first = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="questions.answer:1",
                        description="Accepted answer: FDA registration", caused_by=ana)
    again = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="questions.answer:1",
                        description="Accepted answer: FDA registration", caused_by=ana)
    assert first == again and first.status == Award.Status.APPROVED
    assert wallet_for(user=mateo, agency=agency).balance == 50


def test_revoking_reverses_and_a_new_grant_pays_again(funded, mateo, ana, coffee, agency):
    award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="questions.answer:1",
                description="x", caused_by=ana)
    award_revoke(kind="accepted_answer", source_ref="questions.answer:1", reason="Unaccepted")
    assert wallet_for(user=mateo, agency=agency).balance == 0
    second = award_grant(kind="accepted_answer", beneficiary=mateo, cluster=coffee, source_ref="questions.answer:1",
                         description="x", caused_by=ana)
    assert second.status == Award.Status.APPROVED
    assert wallet_for(user=mateo, agency=agency).balance == 50
