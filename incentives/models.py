"""The incentive ledger: accounts, immutable transfers, programs, awards, redemptions and the staff audit log.

Credits are whole numbers. Every movement is a `Transfer` between two `Account`s, posted only by
`incentives.ledger.transfer_post`; balances are a cached sum of transfers that `ledger_verify` checks.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import Agency, Cluster, Firm
from incentives import reasons


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
            models.UniqueConstraint(
                fields=["program", "kind"], condition=Q(program__isnull=False), name="one_mint_and_pool_per_program"
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


class Program(models.Model):
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
    def description_text(self) -> str:
        """What the award pays for, in the active language (the stored words for older awards)."""
        return reasons.award_description(self.kind, self.description_params, self.description)

    @property
    def worked_on(self):
        """The date of the work, or of the award for awards from before work_date."""
        return self.work_date or timezone.localdate(self.created_at)


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
