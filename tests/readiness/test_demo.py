from io import StringIO

from django.core.management import call_command

from mentoring.models import Mentorship
from readiness import selectors
from readiness.models import Assessment


def test_the_demo_has_a_retake_a_mentorship_seeded_from_gaps_and_a_cluster_of_five(db):
    call_command("seed_demo", stdout=StringIO())
    ana_firm = Assessment.objects.filter(firm__name="Café Montaña Lenca", completed_at__isnull=False)
    assert ana_firm.count() == 2 and ana_firm.first().share_on_profile  # newest first: the retake, shared
    older, newer = sorted(ana_firm, key=lambda a: a.completed_at)
    assert all(newer.scores[key] >= older.scores[key] for key in newer.scores)  # progress in every area
    joana = Mentorship.objects.get(mentee__email="joana@demo.puente", mentor__email="valentina@demo.puente")
    goal = joana.goals.get(source="readiness")
    assert [m.source for m in goal.milestones.all()] == [
        "readiness:market", "readiness:compliance", "readiness:logistics"]
    from clusters.models import Cluster

    found = selectors.agency_gaps(clusters=list(Cluster.objects.filter(slug__in=["cafe-especial", "cacao-chocolate"])))
    by_cluster = {row.label: row for row in found["by_cluster"]}
    assert not by_cluster["Café especial de Centroamérica y los Andes"].hidden
    assert by_cluster["Cacao fino y chocolate de origen"].hidden
    call_command("seed_demo", stdout=StringIO())
    assert Assessment.objects.count() == 7
