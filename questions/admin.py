"""Read-mostly admin: counters, statuses and acceptance are kept by questions.services, so they are
shown but not editable here."""

from django.contrib import admin

from questions.models import Answer, Follow, Question, Revision, Vote


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "cluster", "author", "language", "status", "answer_count", "score", "created_at"]
    list_filter = ["status", "language", "cluster"]
    search_fields = ["title", "body", "author__email"]
    raw_id_fields = ["author", "duplicate_of", "accepted_answer", "source_message"]
    readonly_fields = ["body_html", "status", "duplicate_of", "accepted_answer", "answer_count", "score",
                       "last_activity_at", "first_answer_at", "edited_at"]
    exclude = ["search_vector"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["pk", "question", "author", "score", "created_at"]
    search_fields = ["body", "author__email"]
    raw_id_fields = ["question", "author"]
    readonly_fields = ["body_html", "score", "edited_at"]
    exclude = ["search_vector"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "question", "answer", "value", "created_at"]
    raw_id_fields = ["user", "question", "answer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Follow)
admin.site.register(Revision)
