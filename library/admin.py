from django.contrib import admin

from library.models import Entry, EntryText, EntryVersion


class EntryTextInline(admin.StackedInline):
    model = EntryText
    extra = 0
    readonly_fields = ["search_text"]
    exclude = ["search_vector"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "original_language", "markets", "last_checked_on", "published_at"]
    list_filter = ["status", "original_language"]
    raw_id_fields = ["source_answer", "contributor", "created_by", "source_cluster"]
    inlines = [EntryTextInline]


@admin.register(EntryVersion)
class EntryVersionAdmin(admin.ModelAdmin):
    list_display = ["entry", "language", "number", "editor", "created_at"]
    raw_id_fields = ["entry", "editor"]

    def has_change_permission(self, request, obj=None):
        return False  # versions are history: never changed
