from django.contrib import admin

from readiness.models import Assessment


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("firm", "taken_by", "started_at", "completed_at", "overall", "share_on_profile")
    list_filter = ("share_on_profile",)
    raw_id_fields = ("firm", "taken_by")
    readonly_fields = ("answers", "scores", "overall", "step", "completed_at")
