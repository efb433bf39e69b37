from django.contrib import admin

from attachments.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "size", "owner_type", "owner_id", "uploader", "created_at", "removed_at")
    list_filter = ("kind", "owner_type")
    search_fields = ("name", "key")
    raw_id_fields = ("uploader", "cluster", "removed_by")
    readonly_fields = ("key", "file", "thumb_small", "thumb_large", "owner_type", "owner_id", "size", "content_type")
