"""The curated list of export topics, shared by Q&A (question topics) and mentoring (expertise)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    LOGISTICS = "logistics", _("Logistics and freight")
    CUSTOMS = "customs", _("Customs and documentation")
    CERTIFICATIONS = "certifications", _("Certifications and standards")
    PRICING = "pricing", _("Pricing and costing")
    PAYMENTS = "payments", _("Payments and trade finance")
    MARKET_ENTRY = "market-entry", _("Market entry")
    ECOMMERCE = "ecommerce", _("E-commerce")
    PACKAGING = "packaging", _("Packaging and labelling")
    LEGAL = "legal", _("Legal and contracts")
    FAIRS = "fairs", _("Trade fairs and buyers")
