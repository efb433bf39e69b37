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


@pytest.fixture
def paula(db, other_agency):
    """Staff of the co-funding agency (Otra Agencia)."""
    from tests.conftest import make_person

    user = make_person("paula@example.org", name="Paula Ortiz", country="CL")
    other_agency.staff.add(user)
    return user


@pytest.fixture
def cofunded(program, other_agency, rafael, paula):
    """rafael's coffee program co-funded half and half by Otra Agencia; both pools funded with 1,000 and
    both agencies review every award."""
    from incentives.models import Program

    Program.objects.filter(pk=program.pk).update(auto_approve=False)
    program.refresh_from_db()
    funder = services.program_funder_set(program=program, agency=other_agency, acting_user=rafael, share=1)
    services.program_funder_accept(funder=funder, acting_user=paula)
    services.program_fund(program=program, acting_user=rafael, amount=1_000)
    services.program_fund(program=program, acting_user=paula, amount=1_000, agency=other_agency)
    return program
