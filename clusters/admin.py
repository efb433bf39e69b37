from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from clusters import services
from clusters.models import Agency, Cluster, ClusterMembership, Firm, FirmChange, FirmMember, Sector, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "country", "language", "wants_to_mentor", "is_active", "date_joined"]
    list_filter = ["wants_to_mentor", "language", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "name"]
    readonly_fields = ["last_login", "date_joined", "onboarded_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name", "language", "country", "wants_to_mentor", "onboarded_at"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.person_deactivate(user=obj)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "name_es", "name_pt", "slug", "hs_chapters"]
    search_fields = ["name", "name_es", "name_pt", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "website"]
    list_filter = ["country"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["staff"]


class FirmMemberInline(admin.TabularInline):
    model = FirmMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "size", "export_stage", "women_led", "created_at"]
    list_filter = ["export_stage", "size", "women_led", "sectors", "country"]
    search_fields = ["name", "products"]
    filter_horizontal = ["sectors"]
    inlines = [FirmMemberInline]


class MembershipInline(admin.TabularInline):
    model = ClusterMembership
    extra = 0
    fk_name = "cluster"
    autocomplete_fields = ["user"]
    readonly_fields = ["requested_at", "decided_at", "decided_by"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "access", "agency", "is_active", "created_at"]
    list_filter = ["access", "is_active", "sector", "agency"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.cluster_add(cluster=obj)


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "cluster", "role", "status", "requested_at", "decided_at"]
    list_filter = ["status", "role", "cluster"]
    search_fields = ["user__email", "user__name", "cluster__name"]
    autocomplete_fields = ["user", "cluster"]
    readonly_fields = ["requested_at", "decided_at", "decided_by"]
    list_select_related = ["user", "cluster"]


@admin.register(FirmChange)
class FirmChangeAdmin(admin.ModelAdmin):
    list_display = ("firm", "changed_by", "changed_at")
    raw_id_fields = ("firm", "changed_by")
    readonly_fields = ("firm", "changed_by", "changed_at", "fields")
