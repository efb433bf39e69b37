from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionsConfig(AppConfig):
    name = "questions"
    verbose_name = _("Questions and answers")

    def ready(self):
        from attachments import access
        from attachments.signals import attachment_removed
        from questions import impact, page_cache, search_cache, selectors

        # A question's or an answer's files are readable by whoever may read the question, now.
        access.register(selectors.QUESTION_FILES, readable=selectors.question_readable,
                        moderates=selectors.question_moderated_by, url=page_cache.question_url)
        access.register(selectors.ANSWER_FILES, readable=selectors.answer_readable,
                        moderates=selectors.answer_moderated_by, url=page_cache.answer_url)
        attachment_removed.connect(page_cache.attachment_removed, dispatch_uid="questions.attachment_removed")
        impact.register()
        search_cache.connect()
        page_cache.connect()
