"""Taking the assessment: per step, resumable by anyone of the firm, scored at the end, retaken later."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from readiness import questionnaire, selectors, services
from readiness.models import Assessment
from tests.conftest import make_person
from tests.readiness.support import answers_with, take
from tests.readiness.test_questionnaire import ANA


def _step_answers(step: int, answers=ANA) -> dict:
    return {q.key: answers[q.key] for q in questionnaire.AREAS[step].questions}


def test_answers_are_saved_per_step_and_another_member_of_the_firm_can_go_on(ana):
    assessment = services.assessment_start(user=ana)
    services.assessment_answer_step(assessment=assessment, acting_user=ana, step=0, answers=_step_answers(0))
    colleague = make_person("lenca2@example.org", name="Rosa Lenca", firm=ana.firm_member.firm)
    resumed = services.assessment_start(user=colleague)
    assert resumed.pk == assessment.pk
    assert resumed.step == 1 and resumed.answers == _step_answers(0)
    assert not resumed.is_complete


def test_the_last_step_scores_and_completes_it(ana):
    assessment = take(ana, ANA)
    assert assessment.is_complete
    assert assessment.scores == {"product": 88, "market": 50, "compliance": 12, "finance": 50, "logistics": 100}
    assert assessment.overall == 60


def test_a_step_must_be_answered_whole_and_in_order(ana):
    assessment = services.assessment_start(user=ana)
    with pytest.raises(ValidationError) as exc:
        services.assessment_answer_step(assessment=assessment, acting_user=ana, step=0,
                                        answers={"product_volume": 2})
    assert exc.value.code == "incomplete"
    with pytest.raises(ValidationError) as exc:
        services.assessment_answer_step(assessment=assessment, acting_user=ana, step=2, answers=_step_answers(2))
    assert exc.value.code == "step"


def test_someone_outside_the_firm_cannot_answer_it(ana, mateo):
    assessment = services.assessment_start(user=ana)
    with pytest.raises(PermissionDenied):
        services.assessment_answer_step(assessment=assessment, acting_user=mateo, step=0, answers=_step_answers(0))


def test_a_person_without_a_firm_is_told_to_set_one_up(nadie):
    with pytest.raises(ValidationError) as exc:
        services.assessment_start(user=nadie)
    assert exc.value.code == "no_firm"


def test_a_retake_is_a_new_assessment_that_keeps_the_consent_and_the_history(ana):
    first = take(ana, answers_with(compliance=0))
    services.assessment_set_sharing(assessment=first, acting_user=ana, share=True)
    second = take(ana, answers_with(compliance=1))
    assert second.pk != first.pk and second.share_on_profile
    done = selectors.history(selectors.assessments_of_firm(firm_id=ana.firm_member.firm_id))
    assert [a.scores["compliance"] for a in done] == [0, 50]


def test_the_database_keeps_one_open_assessment_per_firm(ana):
    services.assessment_start(user=ana)
    with pytest.raises(IntegrityError):
        Assessment.objects.create(firm=ana.firm_member.firm)
