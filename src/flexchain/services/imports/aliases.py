"""Other systems' names for our columns and values, so planners can import the exports they have.

Headers are the labels Odoo (16-18) and ERPNext (14-15) put on their list-view exports, and the
technical field names of Odoo's "import-compatible" export. Only columns whose meaning matches
ours are listed; everything else in such a file is reported as ignored. docs/imports.md lists
them per kind.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ALIASES", "COUNTRIES", "LOCATION_KINDS", "UOMS"]

ALIASES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "items": {
        "sku": ("Internal Reference", "default_code", "Item Code", "item_code"),
        "name": ("Item Name", "item_name", "Product Name"),
        "uom": (
            "Unit of Measure",
            "Unit",
            "UoM",
            "uom_id",
            "Default Unit of Measure",
            "Stock UOM",
            "stock_uom",
        ),
        "family": ("Product Category", "categ_id", "Item Group", "item_group"),
        "production_cycle_days": (
            "Manufacturing Lead Time",
            "produce_delay",
            "Lead Time in days",
            "lead_time_days",
        ),
        "moq": ("Minimum Order Qty", "Min Order Qty", "min_order_qty"),
        "list_price": ("Sales Price", "Standard Selling Rate", "standard_rate"),
        "standard_cost": ("Cost", "standard_price", "Valuation Rate", "valuation_rate"),
    },
    "options": {
        "module_sku": ("Module", "Item Code"),
        "price_delta": ("Extra Price", "price_extra"),
    },
    "bom": {
        "parent_sku": ("Product", "Product Template", "product_tmpl_id", "Item"),
        "child_sku": (
            "BoM Lines/Component",
            "bom_line_ids/product_id",
            "Component",
            "product_id",
            "Item Code (Items)",
            "Item Code",
        ),
        "quantity": ("BoM Lines/Quantity", "bom_line_ids/product_qty", "Qty (Items)", "Qty"),
        "scrap_pct": ("Scrap %", "Scrap (%)"),
        "bom_quantity": ("Quantity", "product_qty"),
    },
    "suppliers": {
        "code": ("Reference", "ref", "Supplier Code", "ID"),
        "name": ("Supplier Name", "supplier_name"),
        "country": ("country_id",),
        "email": ("Email Id", "email_id"),
        "currency": ("Billing Currency", "default_currency"),
        "latitude": ("Geo Latitude", "partner_latitude"),
        "longitude": ("Geo Longitude", "partner_longitude"),
    },
    "item-suppliers": {
        "item_sku": (
            "Product Variant",
            "product_id",
            "Product Template",
            "product_tmpl_id",
            "Product",
            "Item Code",
            "item_code",
        ),
        "supplier_code": ("Vendor", "partner_id", "Supplier"),
        "min_quantity": ("Quantity", "min_qty", "Min Qty"),
        "unit_price": ("Unit Price", "Price", "Rate", "price_list_rate"),
        "lead_time_days": ("Lead Time", "Delivery Lead Time", "delay", "Lead Time in days"),
        "valid_from": ("Start Date", "date_start", "Valid From"),
        "valid_to": ("End Date", "date_end", "Valid Upto", "valid_upto"),
    },
    "contracts": {
        "supplier_code": ("Vendor", "Supplier"),
    },
    "contract-prices": {
        "item_sku": ("Product", "Item Code"),
        "min_quantity": ("Quantity", "Min Qty"),
        "unit_price": ("Unit Price", "Price", "Rate"),
    },
    "locations": {
        "code": ("Short Name", "Barcode", "ID"),
        "name": ("Location Name", "Warehouse Name", "warehouse_name"),
        "kind": ("Location Type", "usage", "Warehouse Type", "warehouse_type"),
    },
    "stock": {
        "sku": ("item_sku", "item", "Product", "Internal Reference", "Item Code"),
        "location": ("Location", "Warehouse"),
        "quantity": ("On Hand Quantity", "Quantity On Hand", "Counted Quantity", "Qty"),
    },
    "demand": {
        "sku": ("item", "item_sku", "Product", "Item Code"),
        "location": ("Warehouse",),
        "period_start": ("period", "week", "date"),
        "quantity": ("qty", "demand", "units"),
    },
    "purchase-orders": {
        "po_number": ("Order Reference", "order_id", "Purchase Order", "PO"),
        "supplier": ("supplier_code", "Vendor", "Partner", "partner_id"),
        "sku": ("item_sku", "Product", "product_id", "Item Code"),
        "quantity": ("product_qty", "qty"),
        "received": ("received_quantity", "Received Qty", "qty_received"),
        "unit_price": ("price_unit", "Rate"),
        "due_date": ("Expected Arrival", "date_planned", "Required By", "schedule_date"),
    },
}

UOMS: Final[dict[str, str]] = {
    **dict.fromkeys(("units", "unit", "nos", "no", "each", "ea", "pc", "piece", "pieces"), "pcs"),
    **dict.fromkeys(("kilogram", "kilograms", "kgs"), "kg"),
    **dict.fromkeys(("gram", "grams"), "g"),
    **dict.fromkeys(("meter", "metre", "meters", "metres"), "m"),
    **dict.fromkeys(("square meter", "square metre", "m²", "sq m", "sqm"), "m2"),
    **dict.fromkeys(("litre", "liter", "litres", "liters"), "l"),
    "rolls": "roll",
    "sets": "set",
    "pairs": "pair",
    "boxes": "box",
}
"""Unit names from Odoo and ERPNext -> our units (lower case)."""

LOCATION_KINDS: Final[dict[str, str]] = {
    "internal location": "warehouse",
    "internal": "warehouse",
    "stores": "warehouse",
    "vendor location": "supplier",
    "vendor": "supplier",
    "customer location": "customer",
    "inventory loss": "scrap",
    "inventory": "scrap",
    "transit location": "transit",
    "production": "factory",
}
"""Odoo location types and ERPNext warehouse types -> our location kinds."""

COUNTRIES: Final[dict[str, str]] = {
    "argentina": "AR", "australia": "AU", "austria": "AT", "bangladesh": "BD", "belgium": "BE",
    "brazil": "BR", "bulgaria": "BG", "cambodia": "KH", "canada": "CA", "chile": "CL",
    "china": "CN", "colombia": "CO", "croatia": "HR", "czech republic": "CZ", "czechia": "CZ",
    "denmark": "DK", "egypt": "EG", "estonia": "EE", "ethiopia": "ET", "finland": "FI",
    "france": "FR", "germany": "DE", "greece": "GR", "hong kong": "HK", "hungary": "HU",
    "india": "IN", "indonesia": "ID", "ireland": "IE", "israel": "IL", "italy": "IT",
    "japan": "JP", "kenya": "KE", "latvia": "LV", "lithuania": "LT", "luxembourg": "LU",
    "malaysia": "MY", "mexico": "MX", "morocco": "MA", "myanmar": "MM", "netherlands": "NL",
    "new zealand": "NZ", "norway": "NO", "pakistan": "PK", "peru": "PE", "philippines": "PH",
    "poland": "PL", "portugal": "PT", "romania": "RO", "serbia": "RS", "singapore": "SG",
    "slovakia": "SK", "slovenia": "SI", "south africa": "ZA", "south korea": "KR",
    "korea, republic of": "KR", "spain": "ES", "sri lanka": "LK", "sweden": "SE",
    "switzerland": "CH", "taiwan": "TW", "thailand": "TH", "tunisia": "TN", "turkey": "TR",
    "türkiye": "TR", "ukraine": "UA", "united arab emirates": "AE", "united kingdom": "GB",
    "united states": "US", "united states of america": "US", "usa": "US", "uk": "GB",
    "vietnam": "VN", "viet nam": "VN",
}  # fmt: skip
"""English country names (as Odoo and ERPNext export them) -> ISO 3166 alpha-2."""
