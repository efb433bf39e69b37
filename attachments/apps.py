from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "attachments"
    verbose_name = _("Attachments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # HEIC/HEIF photos (iPhones) open through Pillow once the plugin is registered.
        from pillow_heif import register_heif_opener

        register_heif_opener()
