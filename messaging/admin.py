from django.contrib import admin

from messaging.models import (
    Message,
    MessageEdit,
    MessageReport,
    Notification,
    ReadPosition,
    Room,
    RoomMember,
    RoomSuspension,
)


class RoomMemberInline(admin.TabularInline):
    model = RoomMember
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "cluster", "is_general", "is_archived", "created_at"]
    list_filter = ["kind", "is_archived"]
    search_fields = ["name", "cluster__name"]
    raw_id_fields = ["cluster", "created_by"]
    inlines = [RoomMemberInline]


class MessageEditInline(admin.TabularInline):
    model = MessageEdit
    readonly_fields = ["body", "edited_at"]
    extra = 0
    can_delete = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    # Text is changed through the site (services keep the history and broadcast); the admin reads.
    list_display = ["id", "room", "author", "created_at", "edited_at", "deleted_at"]
    list_select_related = ["room", "author"]
    search_fields = ["body", "author__email"]
    readonly_fields = ["room", "author", "body", "body_html", "reply_to", "client_id", "created_at", "edited_at",
                       "deleted_at", "deleted_by"]
    inlines = [MessageEditInline]


@admin.register(MessageReport)
class MessageReportAdmin(admin.ModelAdmin):
    list_display = ["message", "reporter", "created_at", "resolved_at"]
    raw_id_fields = ["message", "reporter", "resolved_by"]


@admin.register(RoomSuspension)
class RoomSuspensionAdmin(admin.ModelAdmin):
    list_display = ["user", "cluster", "created_by", "created_at"]
    raw_id_fields = ["user", "cluster", "created_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "text", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "actor"]


@admin.register(ReadPosition)
class ReadPositionAdmin(admin.ModelAdmin):
    list_display = ["user", "room", "last_read_id", "muted", "following"]
    raw_id_fields = ["user", "room"]
