from django.dispatch import Signal

# Sent by clusters.services when a person stops being an active member of a cluster (left or
# removed), with the keyword argument `membership`. Clusters imports no other app, so apps above
# it listen here instead of being called.
membership_ended = Signal()

# Sent by clusters.services when a cluster is created, inside its transaction, with the keyword
# argument `cluster`: messaging gives it its general room.
cluster_created = Signal()

# Sent by clusters.services.person_deactivate, with the keyword argument `user_id`: messaging closes
# the person's open sockets.
person_deactivated = Signal()
