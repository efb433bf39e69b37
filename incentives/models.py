"""The incentive ledger: accounts, immutable transfers, programs, awards, redemptions and the staff audit log.

Credits are whole numbers. Every movement is a `Transfer` between two `Account`s, posted only by
`incentives.ledger.transfer_post`; balances are a cached sum of transfers that `ledger_verify` checks.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clusters.models import Agency, Cluster, Firm
from incentives import reasons
from infra.words import words


class Account(models.Model):
    class Kind(models.TextChoices):
        MINT = "mint", _("Program mint")
        POOL = "pool", _("Program pool")
        WALLET = "wallet", _("Wallet")
        HOLD = "hold", _("Redemptions on hold")
        REDEEMED = "redeemed", _("Redeemed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="ledger_accounts")
    program = models.ForeignKey(
        "Program", on_delete=models.PROTECT, null=True, blank=True, related_name="accounts"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_accounts"
    )
    balance = models.BigIntegerField(_("balance"), default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            # Only a mint may go below zero: it is where credits come from.
            models.CheckConstraint(condition=Q(kind="mint") | Q(balance__gte=0), name="account_floor_non_mint"),
            models.CheckConstraint(
                condition=(
                    (Q(kind__in=["mint", "pool"]) & Q(program__isnull=False) & Q(owner__isnull=True))
                    | (Q(kind="wallet") & Q(program__isnull=True) & Q(owner__isnull=False))
                    | (Q(kind__in=["hold", "redeemed"]) & Q(program__isnull=True) & Q(owner__isnull=True))
                ),
                name="account_kind_shape",
            ),
            # A co-funded program has a mint and a pool per funding agency (credits never cross agencies).
            models.UniqueConstraint(
                fields=["program", "agency", "kind"], condition=Q(program__isnull=False),
                name="one_mint_and_pool_per_program_and_agency",
            ),
            models.UniqueConstraint(
                fields=["owner", "agency"], condition=Q(kind="wallet"), name="one_wallet_per_person_and_agency"
            ),
            models.UniqueConstraint(
                fields=["agency", "kind"], condition=Q(kind__in=["hold", "redeemed"]), name="one_hold_and_sink_per_agency"
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.WALLET:
            return f"wallet #{self.pk} ({self.owner_id})"
        if self.program_id:
            return f"{self.kind} #{self.pk} (program {self.program_id})"
        return f"{self.kind} #{self.pk} (agency {self.agency_id})"

    @property
    def is_mint(self) -> bool:
        return self.kind == self.Kind.MINT


class TransferQuerySet(models.QuerySet):
    """Transfers are append-only: no bulk update or delete through the ORM."""

    def update(self, **kwargs):
        raise TypeError("Transfers are immutable: post a reversing transfer instead of updating.")

    def delete(self):
        raise TypeError("Transfers are immutable: post a reversing transfer instead of deleting.")

    _raw_delete = delete


class Transfer(models.Model):
    class Kind(models.TextChoices):
        FUND = "fund", _("Program funding")
        AWARD = "award", _("Award")
        REVERSAL = "reversal", _("Reversal")
        REDEEM_REQUEST = "redeem_request", _("Redemption requested")
        REDEEM_APPROVE = "redeem_approve", _("Redemption approved")
        REDEEM_REJECT = "redeem_reject", _("Redemption returned")
        ADJUST = "adjust", _("Adjustment")

    from_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debits")
    to_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credits")
    amount = models.BigIntegerField(_("amount"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    source_ref = models.CharField(_("source"), max_length=120, blank=True, db_index=True)
    caused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    # The memo's sentence as its msgid and parameters (infra.words): pages show `memo_text`, in the
    # reader's language; `memo` keeps the words of the moment (exports, the API, older transfers).
    memo_params = models.JSONField(default=dict, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(from_account=models.F("to_account")), name="transfer_between_two_accounts"
            ),
        ]
        base_manager_name = "objects"

    def __str__(self):
        return f"#{self.pk} {self.amount} {self.from_account_id}→{self.to_account_id} ({self.kind})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Transfers are immutable: post a reversing transfer instead of updating.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Transfers are immutable: post a reversing transfer instead of deleting.")

    @property
    def memo_text(self) -> str:
        return words(self.memo_params, self.memo)


class Program(models.Model):
    class Split(models.TextChoices):
        """How a co-funded program's awards are paid from its funders' pools (incentives.split)."""

        SHARE = "share", _("In proportion to each agency's share")
        FIRST = "first", _("In order: each agency up to its cap per award, the last one the rest")

    # The lead agency: it owns the clusters the program covers and decides who co-funds it.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    clusters = models.ManyToManyField(Cluster, related_name="programs", verbose_name=_("clusters covered"))
    budget = models.PositiveIntegerField(_("budget (credits)"), default=0)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    rate_accepted_answer = models.PositiveIntegerField(_("credits per accepted answer"), default=0)
    rate_mentoring_hour = models.PositiveIntegerField(_("credits per confirmed mentoring hour"), default=0)
    rate_helpful_vote = models.PositiveIntegerField(_("credits per helpful vote received"), default=0)
    rate_library_entry = models.PositiveIntegerField(_("credits per library entry published from an answer"),
                                                     default=0)
    cap_mentor_day = models.PositiveIntegerField(
        _("cap per mentor per day"), default=0, help_text=_("0 means no cap.")
    )
    cap_mentor_month = models.PositiveIntegerField(
        _("cap per mentor per month"), default=0, help_text=_("0 means no cap.")
    )
    cap_pair_month = models.PositiveIntegerField(
        _("cap per pair of firms per month"), default=0, help_text=_("0 means no cap.")
    )
    auto_approve = models.BooleanField(
        _("approve automatically"), default=False,
        help_text=_("Otherwise every award waits for review. Flagged awards always wait."),
    )
    split = models.CharField(_("how awards are split between funders"), max_length=8, choices=Split.choices,
                             default=Split.SHARE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="program_dates_in_order"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incentives:program", args=[self.agency.slug, self.pk])

    def rate_for(self, kind: str) -> int:
        return {
            "accepted_answer": self.rate_accepted_answer,
            "helpful_vote": self.rate_helpful_vote,
            "mentoring_session": self.rate_mentoring_hour,
            "library_entry": self.rate_library_entry,
        }.get(kind, 0)


class ProgramFunder(models.Model):
    """An agency paying part of a program's awards from its own pool of the program.

    A program without funders is paid by its agency alone. Once a partner is added, the lead agency has
    a row too, and only accepted rows count: each award is split between them (`Program.split`,
    `incentives.split.split_credits`) in `position` order, and needs the approval of every funder whose
    `requires_approval` is set (of every funder when it is flagged).
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="funders")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="funded_programs")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    share = models.PositiveIntegerField(_("share"), default=1, help_text=_("A weight: 1 and 1 pay half each."))
    cap = models.PositiveIntegerField(
        _("cap per award (credits)"), null=True, blank=True,
        help_text=_("When paying in order: the most this agency pays of one award. Empty: all that is left."),
    )
    requires_approval = models.BooleanField(_("every award needs this agency's approval"), default=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("funding agency")
        verbose_name_plural = _("funding agencies")
        constraints = [
            models.UniqueConstraint(fields=["program", "agency"], name="one_funder_row_per_program_and_agency"),
        ]

    def __str__(self):
        return f"{self.program_id} · {self.agency_id}"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None


class Award(models.Model):
    class Kind(models.TextChoices):
        ACCEPTED_ANSWER = "accepted_answer", _("Accepted answer")
        HELPFUL_VOTE = "helpful_vote", _("Helpful vote")
        MENTORING_SESSION = "mentoring_session", _("Confirmed mentoring session")
        LIBRARY_ENTRY = "library_entry", _("Library entry from an answer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REVERSED = "reversed", _("Reversed")
        CANCELLED = "cancelled", _("Cancelled")
        NOT_PAID = "not_paid", _("Not paid")

    class Flag(models.TextChoices):
        """Why an award waits for review whatever the program says (incentives.reasons renders each)."""

        MUTUAL = "mutual", _("The two sides pay each other")
        PAIR_BURST = "pair_burst", _("Many awards between the same two sides in a few days")
        CONCENTRATION = "concentration", _("One side's awards go mostly to one other side")
        REVOKED_SPENT = "revoked_spent", _("Revoked at the source after the credits were spent")
        LEGACY = "legacy", _("Flagged before reasons had codes")

    class Cut(models.TextChoices):
        """Why less than the program's rate was paid (nothing, when the award is not paid)."""

        TOO_SHORT = "too_short", _("Too short to earn a whole credit")
        OWN_SOURCE = "own_source", _("One's own question or session")
        SAME_FIRM = "same_firm", _("Both sides tied to one firm")
        CAP_MENTOR_DAY = "cap_mentor_day", _("Daily cap per mentor")
        CAP_MENTOR_MONTH = "cap_mentor_month", _("Monthly cap per mentor")
        CAP_PAIR_MONTH = "cap_pair_month", _("Monthly cap between two firms")
        POOL_EMPTY = "pool_empty", _("The program's pool is empty")
        LEGACY = "legacy", _("Cut before reasons had codes")

    LIVE = (Status.PENDING, Status.APPROVED)

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="awards")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    beneficiary = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="awards")
    caused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The firms at the time of the award, for the per-pair caps and the gaming patterns.
    beneficiary_firm = models.ForeignKey(Firm, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    caused_by_firm = models.ForeignKey(Firm, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="awards")
    source_ref = models.CharField(_("source"), max_length=120)
    # The plain words in the writer's language, kept for the transfer memo and awards from before
    # `description_params`; pages render `description_text` (the kind's sentence in the reader's language).
    description = models.CharField(_("description"), max_length=300)
    description_params = models.JSONField(default=dict, blank=True)
    # The day of the work paid for (the answer's acceptance, the session's date), in the site's time
    # zone: what the review queue shows and filters on. created_at is when the award was granted.
    work_date = models.DateField(_("date of the work"), null=True, blank=True, db_index=True)
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    credits = models.PositiveIntegerField(_("credits"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Reasons are stored as a code and its parameters and rendered in the reader's language when shown
    # (incentives.reasons): the review queue, the wallet and the CSV each speak their reader's language.
    flag_code = models.CharField(_("why it needs a look"), max_length=20, choices=Flag.choices, blank=True)
    flag_params = models.JSONField(default=dict, blank=True)
    cut_code = models.CharField(_("why less was paid"), max_length=20, choices=Cut.choices, blank=True)
    cut_params = models.JSONField(default=dict, blank=True)
    payment = models.OneToOneField(Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="award")
    reversal = models.OneToOneField(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_award"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # A reason the code wrote (an answer un-accepted, a vote withdrawn), kept as a sentence (infra.words).
    decision_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_ref"], condition=Q(status__in=["pending", "approved"]),
                name="one_live_award_per_source",
            ),
            models.CheckConstraint(
                condition=Q(status="not_paid") | Q(credits__gt=0), name="award_pays_something"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(payment__isnull=False), name="approved_award_is_paid"
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"]),
            models.Index(fields=["beneficiary", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.credits} · {self.beneficiary_id}"

    def get_absolute_url(self):
        return reverse("incentives:wallet")

    @property
    def recipient(self):
        """Who hears about changes to this award (messaging's notification hook reads it)."""
        return self.beneficiary

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    @property
    def is_flagged(self) -> bool:
        return bool(self.flag_code)

    @property
    def flag_text(self) -> str:
        """Why it was flagged, in the active language ('' when it was not)."""
        return reasons.flag_text(self.flag_code, self.flag_params)

    @property
    def cut_text(self) -> str:
        """Why less than the rate (or nothing) was paid, in the active language ('' when the rate was paid)."""
        return reasons.cut_text(self.cut_code, self.cut_params)

    @property
    def decision_text(self) -> str:
        """Why it was decided so, in the active language: the sentence the code kept, or the staff member's words."""
        return words(self.decision_params, self.decision_reason)

    @property
    def description_text(self) -> str:
        """What the award pays for, in the active language (the stored words for older awards)."""
        return reasons.award_description(self.kind, self.description_params, self.description)

    @property
    def worked_on(self):
        """The date of the work, or of the award for awards from before work_date."""
        return self.work_date or timezone.localdate(self.created_at)


class AwardShare(models.Model):
    """The part of a co-funded award one agency pays, from its pool to the beneficiary's wallet at it."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="shares")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="award_shares")
    credits = models.PositiveIntegerField(_("credits"))
    payment = models.OneToOneField(Transfer, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="award_share")
    reversal = models.OneToOneField(Transfer, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_award_share")

    class Meta:
        ordering = ["id"]
        verbose_name = _("award share")
        verbose_name_plural = _("award shares")
        constraints = [
            models.UniqueConstraint(fields=["award", "agency"], name="one_share_per_award_and_agency"),
            models.CheckConstraint(condition=Q(credits__gt=0), name="award_share_positive"),
        ]

    def __str__(self):
        return f"award {self.award_id} · agency {self.agency_id} · {self.credits}"


class AwardApproval(models.Model):
    """One funding agency's approval of a co-funded award, given by one of its staff.

    One person gives at most one approval per award (a unique constraint), so a person on the staff of
    two funders cannot approve for both."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="approvals")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["award", "agency"], name="one_approval_per_award_and_agency"),
            models.UniqueConstraint(fields=["award", "approved_by"], name="one_approval_per_award_and_person"),
        ]

    def __str__(self):
        return f"award {self.award_id} · agency {self.agency_id} · {self.approved_by_id}"


class Referral(models.Model):
    """An agency points a firm to another agency's program; the firm consents (or not) and chooses
    whether the receiving agency may see its Puente history (incentives.referrals)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the firm")
        CONSENTED = "consented", _("Accepted by the firm")
        DECLINED = "declined", _("Declined by the firm")

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_sent")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_received")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="referrals")
    note = models.CharField(_("note for the firm and the agency"), max_length=600)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    share_history = models.BooleanField(_("share the firm's Puente history"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=~Q(from_agency=models.F("to_agency")),
                                   name="referral_between_two_agencies"),
            models.UniqueConstraint(fields=["firm", "program"], condition=Q(status="waiting"),
                                    name="one_waiting_referral_per_firm_and_program"),
            models.CheckConstraint(condition=Q(status="consented") | Q(share_history=False),
                                   name="referral_history_only_with_consent"),
        ]

    def __str__(self):
        return f"{self.firm_id} → {self.program_id} ({self.status})"


class CatalogItem(models.Model):
    class Kind(models.TextChoices):
        TRADE_FAIR = "trade_fair", _("Trade-fair booth")
        CERTIFICATION = "certification", _("Certification subsidy")
        FREIGHT = "freight", _("Freight voucher")
        TRAINING = "training", _("Training seat")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="catalog")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    price = models.PositiveIntegerField(_("price (credits)"))
    # None: no limit. Taken by one (under the item's row lock) when a request is made, given back when
    # the request is rejected.
    stock = models.IntegerField(_("stock"), null=True, blank=True, help_text=_("Leave empty for no limit."))
    valid_from = models.DateField(_("offered from"), null=True, blank=True)
    valid_until = models.DateField(_("offered until"), null=True, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["price", "name"]
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalog_stock_never_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="catalog_price_positive"),
            models.UniqueConstraint(fields=["agency", "name"], name="catalog_item_name_unique_per_agency"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="catalog_validity_in_order",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until)


class Redemption(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="redemptions")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions")
    credits = models.PositiveIntegerField(_("credits"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    request_transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="redemption_request")
    settle_transfer = models.OneToOneField(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="redemption_settled"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # What the person actually received, recorded by staff once an approved redemption is handed over.
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voucher_code = models.CharField(_("voucher code"), max_length=120, blank=True)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    fulfilment_note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.CheckConstraint(condition=Q(credits__gt=0), name="redemption_credits_positive"),
            models.UniqueConstraint(
                fields=["item", "person"], condition=Q(status="requested"),
                name="one_waiting_redemption_per_person_and_item",
            ),
            models.CheckConstraint(
                condition=Q(fulfilled_at__isnull=True) | Q(status="approved"), name="only_approved_is_fulfilled"
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.person_id} · {self.status}"

    @property
    def is_fulfilled(self) -> bool:
        return self.fulfilled_at is not None


class AuditEntry(models.Model):
    """Who did what, when and why: every staff action on programs, awards and redemptions."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)  # dotted, e.g. "award.approve"
    target = models.CharField(_("about"), max_length=200)
    reason = models.CharField(_("why"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    @property
    def action_text(self) -> str:
        """The action in the reader's language; an API call keeps the API's own name for it."""
        if self.action.startswith("api.") and self.action != "api.refused":
            return _("Through the API: %(call)s") % {"call": self.action[4:]}
        return str(AUDIT_ACTIONS.get(self.action, self.action))

    @property
    def target_text(self) -> str:
        """What the action was about: "award 12: …" stored, "Award #12: …" in the reader's language.

        The names after the colon are kept as stored (programs, benefits, tokens: names staff typed),
        except an award's: with the award's kind and parameters beside the entry (`award_kind` and
        `award_params`, which incentives.selectors.audit_for_agency annotates), it is the award's
        description in the reader's language.
        """
        kind, _space, rest = self.target.partition(" ")
        number, _colon, name = rest.partition(": ")
        if kind not in AUDIT_TARGETS or not number.isdigit():
            return self.target
        if kind == "award" and getattr(self, "award_kind", None):
            name = reasons.award_description(self.award_kind, self.award_params, name)
        label = f"{capfirst(AUDIT_TARGETS[kind])} #{number}"
        return f"{label}: {name}" if name else label

    @property
    def reason_text(self) -> str:
        """Why: a reason the code wrote (kept as a sentence under data["reason_params"], infra.words) in
        the reader's language; a reason staff typed, as typed."""
        return words(self.data.get("reason_params") if isinstance(self.data, dict) else None, self.reason)


AUDIT_ACTIONS = {
    "program.create": _("Program created"),
    "program.fund": _("Program funded"),
    "catalog.save": _("Benefit saved"),
    "program.funder_set": _("Funder terms set"),
    "program.funder_accept": _("Funder terms accepted"),
    "award.approve": _("Award approved"),
    "award.approve_share": _("Award approved for one funder"),
    "award.reject": _("Award rejected"),
    "award.reverse": _("Award reversed"),
    "award.cancel": _("Waiting award cancelled: what it paid for was withdrawn"),
    "award.revoke": _("Award reversed: what it paid for was withdrawn"),
    "award.revoke_unpaid": _("Unpaid award withdrawn"),
    "redemption.approve": _("Redemption approved"),
    "redemption.reject": _("Redemption rejected"),
    "redemption.fulfil": _("Redemption delivered"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "api.refused": _("API call refused"),
    "webhook.create": _("Webhook added"),
    "webhook.disable": _("Webhook disabled"),
    "webhook.replay": _("Webhook delivery sent again"),
    "referral.create": _("Firm referred"),
    "referral.consent": _("Referral accepted by the firm"),
    "referral.decline": _("Referral declined by the firm"),
}
AUDIT_TARGETS = {
    "program": _("Program"), "item": _("Benefit"), "award": _("Award"), "redemption": _("Redemption"),
    "token": _("API token"), "webhook": _("Webhook"), "referral": _("Referral"),
}
