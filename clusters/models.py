import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


def fold_name(name: str) -> str:
    """Lower case, no accents, single spaces: the form in which two names are compared."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


LANGUAGE_CHOICES = [("es", "Español"), ("pt-br", "Português"), ("en", "English")]


class PersonManager(UserManager):
    """People sign in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    language = models.CharField(_("preferred language"), max_length=8, choices=LANGUAGE_CHOICES, blank=True)
    country = CountryField(_("country"), blank=True)
    # An IANA zone name ("America/Tegucigalpa"); blank until the browser tells it on the first visit
    # (clusters.times): the site's TIME_ZONE meanwhile.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    wants_to_mentor = models.BooleanField(
        _("experienced exporter"), default=False, help_text=_("Offers to mentor firms that are starting to export.")
    )
    onboarded_at = models.DateTimeField(_("onboarded at"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = PersonManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        # Never a name made up from the address (others would read "ana.m82"): until the person tells
        # us theirs (onboarding asks first), they are a new member, in the reader's language.
        return self.name or str(_("New member"))

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None


class LocalizedNameMixin(models.Model):
    """Reference data (sectors) carries its name in each interface language."""

    name = models.CharField(_("name (English)"), max_length=120)
    name_es = models.CharField(_("name (Spanish)"), max_length=120, blank=True)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self) -> str:
        language = (get_language() or "en")[:2]
        return {"es": self.name_es, "pt": self.name_pt}.get(language) or self.name


class Sector(LocalizedNameMixin):
    slug = models.SlugField(_("slug"), unique=True)
    hs_chapters = models.JSONField(
        _("HS chapters"), default=list, blank=True, help_text=_("Two-digit Harmonized System chapters, e.g. 09.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Agency(models.Model):
    """An export-promotion agency: funds incentive programs and sponsors clusters."""

    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("slug"), unique=True)
    country = CountryField(_("country"))
    website = models.URLField(_("website"), blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="agencies", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name


class Firm(models.Model):
    class Size(models.TextChoices):
        MICRO = "micro", _("Micro (1-10 people)")
        SMALL = "small", _("Small (11-50 people)")
        MEDIUM = "medium", _("Medium (51-250 people)")

    class Stage(models.TextChoices):
        ASPIRANT = "aspirant", _("Wants to start exporting")
        NEW = "new", _("New exporter")
        ESTABLISHED = "established", _("Established exporter")

    name = models.CharField(_("name"), max_length=160)
    # The name folded for comparison ("CAFE Montana" == "Café Montaña"): two firms of one country
    # may not share it. Derived from `name` on every save.
    name_key = models.CharField(max_length=160, editable=False, db_index=True)
    country = CountryField(_("country"))
    sectors = models.ManyToManyField(Sector, related_name="firms", verbose_name=_("sectors"), blank=True)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, default=Size.MICRO)
    export_stage = models.CharField(_("export stage"), max_length=12, choices=Stage.choices, default=Stage.ASPIRANT)
    export_markets = CountryField(_("markets it exports to"), multiple=True, blank=True)
    target_markets = CountryField(_("markets it wants to reach"), multiple=True, blank=True)
    description = models.TextField(_("about the firm"), blank=True)
    products = models.TextField(_("products"), blank=True)
    website = models.URLField(_("website"), blank=True)
    women_led = models.BooleanField(_("women-led"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        constraints = [
            models.UniqueConstraint(fields=["name_key", "country"], name="firm_name_unique_per_country"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = fold_name(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("clusters:firm", args=[self.pk])


class FirmChange(models.Model):
    """A change to a firm's profile by one of its people: who, when, and each field's value before and
    after ({"export_stage": ["aspirant", "new"]}); stored as codes, put into words when shown."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    fields = models.JSONField(default=dict)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("firm profile change")
        verbose_name_plural = _("firm profile changes")

    def __str__(self):
        return f"{self.firm_id} {', '.join(self.fields)} by {self.changed_by_id}"

    @property
    def lines(self) -> list[str]:
        """Each change in words, in the reader's language."""
        from django_countries import countries

        stages = dict(Firm.Stage.choices)
        lines = []
        for field, (before, after) in self.fields.items():
            if field == "export_stage":
                lines.append(_("Export stage: %(before)s → %(after)s") % {
                    "before": stages.get(before, before), "after": stages.get(after, after)})
            elif field == "target_markets":
                names = ", ".join(str(countries.name(code)) for code in after) or "—"
                lines.append(_("Markets it wants to reach: %(markets)s") % {"markets": names})
            elif field == "description":
                lines.append(_("Description updated"))
        return lines


class FirmMember(models.Model):
    """A person's place in a firm. Each person belongs to at most one firm."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner or director")
        EXPORT = "export", _("Export or sales manager")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_member")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.OWNER)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("firm member")
        verbose_name_plural = _("firm members")

    def __str__(self):
        return f"{self.user} @ {self.firm}"


class Cluster(models.Model):
    class Access(models.TextChoices):
        OPEN = "open", _("Open: anyone can join")
        APPROVAL = "approval", _("By approval of a facilitator")

    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="clusters", verbose_name=_("sector"))
    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    countries = CountryField(_("countries"), multiple=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    access = models.CharField(_("access"), max_length=10, choices=Access.choices, default=Access.APPROVAL)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clusters",
        verbose_name=_("sponsoring agency"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("clusters:detail", args=[self.slug])

    @property
    def is_open(self) -> bool:
        return self.access == self.Access.OPEN

    @cached_property
    def language_names(self) -> list[str]:
        names = dict(LANGUAGE_CHOICES)
        return [names.get(code, code) for code in self.languages]


class ClusterMembership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MENTOR = "mentor", _("Mentor")
        FACILITATOR = "facilitator", _("Facilitator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")
        LEFT = "left", _("Left")
        REJECTED = "rejected", _("Rejected")

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message to the facilitators"), blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "user"], name="one_membership_per_person_and_cluster"),
        ]
        indexes = [models.Index(fields=["cluster", "status", "role"])]

    def __str__(self):
        return f"{self.user} in {self.cluster} ({self.role}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_facilitator(self) -> bool:
        return self.is_active and self.role == self.Role.FACILITATOR

    @property
    def is_mentor(self) -> bool:
        return self.is_active and self.role in (self.Role.MENTOR, self.Role.FACILITATOR)
