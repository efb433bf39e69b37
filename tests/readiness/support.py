from readiness import questionnaire, services


def answers_with(**by_area) -> dict[str, int]:
    """Every question answered; an area named here gets that answer for all its questions, others "yes"."""
    return {question.key: by_area.get(area.key, questionnaire.YES)
            for area in questionnaire.AREAS for question in area.questions}


def take(user, answers: dict[str, int]):
    """Starts (or resumes) the firm's assessment and answers every step, as the person would."""
    assessment = services.assessment_start(user=user)
    for step, area in enumerate(questionnaire.AREAS):
        assessment = services.assessment_answer_step(
            assessment=assessment, acting_user=user, step=step,
            answers={q.key: answers[q.key] for q in area.questions},
        )
    return assessment
