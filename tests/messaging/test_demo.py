import io

from clusters import demo as cluster_demo
from messaging import demo
from messaging.models import Message, Room


def test_the_demo_seed_adds_rooms_and_conversations_once(db):
    cluster_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    rooms, messages = Room.objects.count(), Message.objects.count()
    assert Room.objects.filter(is_general=True).count() == 6
    assert Room.objects.filter(kind=Room.Kind.DIRECT, members__user__email="ana@demo.puente").exists()
    assert messages > 30
    assert Message.objects.filter(body__contains="cádmio").exists()  # Portuguese
    assert Message.objects.filter(body__contains="GlobalG.A.P.").exists()
    demo.seed(io.StringIO())
    assert (Room.objects.count(), Message.objects.count()) == (rooms, messages)
