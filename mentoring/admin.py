"""The admin shows mentoring data; counters and states that services keep are read-only here, and the
database constraints hold whatever is edited."""

from django.contrib import admin

from mentoring.models import (
    AspirantNeeds,
    Feedback,
    Goal,
    MentorMarket,
    MentorProfile,
    Mentorship,
    MentorshipRequest,
    Milestone,
    OutcomeFollowUp,
    OutcomeFollowUpChange,
    Session,
)


class MentorMarketInline(admin.TabularInline):
    model = MentorMarket
    extra = 0


@admin.register(MentorProfile)
class MentorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "capacity", "active_mentees", "is_accepting", "response_median_hours", "accepted_answers"]
    list_filter = ["is_accepting", "sectors"]
    search_fields = ["user__email", "user__name"]
    readonly_fields = ["active_mentees", "accepted_answers", "response_median_hours", "requests_answered",
                       "requests_expired"]
    autocomplete_fields = ["user"]
    inlines = [MentorMarketInline]


@admin.register(AspirantNeeds)
class AspirantNeedsAdmin(admin.ModelAdmin):
    list_display = ["user", "sector", "language"]
    search_fields = ["user__email", "user__name"]
    autocomplete_fields = ["user"]


@admin.register(MentorshipRequest)
class MentorshipRequestAdmin(admin.ModelAdmin):
    list_display = ["aspirant", "mentor", "status", "created_at", "responded_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["aspirant__email", "mentor__email", "goal"]
    readonly_fields = ["aspirant", "mentor", "status", "created_at", "responded_at", "decided_at", "expires_at",
                       "expiry_warned_at"]


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    readonly_fields = ["date", "minutes", "status", "logged_by", "decided_at"]
    fields = ["date", "minutes", "status", "logged_by", "decided_at", "notes"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["mentor", "mentee", "status", "cluster", "started_at", "outcome"]
    list_filter = ["status", "outcome", "cluster"]
    search_fields = ["mentor__email", "mentee__email"]
    readonly_fields = ["mentor", "mentee", "request", "status", "started_at", "ended_at", "ended_by", "room"]
    inlines = [GoalInline, SessionInline]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "goal", "due_on", "done_at"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    # Confirming (and paying) happens only through the mentee's confirmation, never here.
    list_display = ["mentorship", "date", "minutes", "status"]
    list_filter = ["status"]
    readonly_fields = ["mentorship", "logged_by", "date", "minutes", "status", "logged_at", "decided_at"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["mentorship", "author", "rating", "created_at"]


class OutcomeFollowUpChangeInline(admin.TabularInline):
    model = OutcomeFollowUpChange
    extra = 0
    can_delete = False
    readonly_fields = ["changed_at", "changed_by", "by_phone", "answer"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutcomeFollowUp)
class OutcomeFollowUpAdmin(admin.ModelAdmin):
    """Answers are the firm's own report: read here, changed only through the follow-up page."""

    list_display = ["firm", "months", "due_on", "asked_at", "answered_at", "exporting", "by_phone"]
    list_filter = ["months", "exporting", "by_phone"]
    search_fields = ["firm__name"]
    date_hierarchy = "due_on"
    readonly_fields = [f.name for f in OutcomeFollowUp._meta.fields]
    inlines = [OutcomeFollowUpChangeInline]

    def has_add_permission(self, request):
        return False
