from django.dispatch import Signal

# Sent inside the transaction that took a file down (keyword: attachment). The owner's app tells its
# live clients (messaging sends an `attachment_removed` frame after the commit).
attachment_removed = Signal()
