from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = _("Knowledge library")

    def ready(self):
        from attachments import access
        from attachments.signals import attachment_removed
        from library import selectors, services
        from library.models import ENTRY_FILES

        # An entry's files (those of the answer it grew from) are readable by whoever may read the entry.
        access.register(ENTRY_FILES, readable=selectors.entry_readable, moderates=selectors.entry_curated_by,
                        url=selectors.entry_url)
        attachment_removed.connect(services.entry_files_changed, dispatch_uid="library.attachment_removed")
