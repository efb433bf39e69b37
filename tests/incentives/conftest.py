"""Incentive fixtures: a funded program of rafael's agency for the coffee cluster, set up through services."""

import datetime

import pytest
from django.utils import timezone

from incentives import services


@pytest.fixture
def program(db, agency, coffee, rafael):
    return services.program_create(
        agency=agency, acting_user=rafael, name="Mentores del café 2026", clusters=[coffee],
        starts_on=timezone.localdate() - datetime.timedelta(days=30), budget=10_000,
        rate_accepted_answer=50, rate_mentoring_hour=100, rate_helpful_vote=5, auto_approve=True,
    )


@pytest.fixture
def funded(program, rafael):
    services.program_fund(program=program, acting_user=rafael, amount=1_000, reason="Primer tramo")
    return program
