from django.dispatch import Signal

# Sent by clusters.services when a person stops being an active member of a cluster (left or
# removed), with the keyword argument `membership`. Clusters imports no other app, so apps above
# it listen here instead of being called.
membership_ended = Signal()
