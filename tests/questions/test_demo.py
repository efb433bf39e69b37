import io

from clusters import demo as cluster_demo
from clusters.models import Cluster
from questions import demo
from questions.models import Answer, Question, Vote


def test_the_demo_seed_adds_questions_in_every_cluster_once(db):
    cluster_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    counts = (Question.objects.count(), Answer.objects.count(), Vote.objects.count())
    for cluster in Cluster.objects.filter(slug__in=["cafe-especial", "cacao-chocolate", "software-ti",
                                                     "confeccion-textiles", "frutas-hortalizas", "productos-del-mar"]):
        assert cluster.questions.exists()
    assert set(Question.objects.values_list("language", flat=True)) == {"es", "pt", "en"}
    accepted = Question.objects.filter(status=Question.Status.ANSWERED)
    assert accepted.exists() and Question.objects.filter(answer_count=0).exists()
    assert accepted.filter(cluster__slug="cafe-especial", author__email="ana@demo.puente",
                           accepted_answer__author__email="mateo@demo.puente").exists()
    demo.seed(io.StringIO())
    assert (Question.objects.count(), Answer.objects.count(), Vote.objects.count()) == counts
