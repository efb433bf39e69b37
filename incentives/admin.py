"""Read-only admin for the ledger: transfers and accounts change only through incentives.ledger."""

from django.contrib import admin

from incentives.models import Account, AuditEntry, Award, CatalogItem, Program, Redemption, Transfer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "amount", "from_account", "to_account", "source_ref"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "source_ref", "memo"]
    list_select_related = ["from_account", "to_account"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "agency", "program", "owner", "balance"]
    list_filter = ["kind", "agency"]
    list_select_related = ["agency", "program", "owner"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "beneficiary", "credits", "status", "flag_code", "cut_code", "source_ref"]
    list_filter = ["status", "kind", "flag_code", "cut_code"]
    search_fields = ["source_ref", "description"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "item", "person", "credits", "status"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "agency", "actor", "action", "target", "reason"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """Programs are created and funded in the agency console (audited); the admin only shows them."""

    list_display = ["name", "agency", "starts_on", "ends_on", "auto_approve"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "kind", "price", "stock", "is_active"]
    list_filter = ["agency", "kind"]

    def has_delete_permission(self, request, obj=None):
        return False
