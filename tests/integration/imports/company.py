"""A tiny company as the CSV files a planner would import, one per kind, in load order.

Two suppliers (one with two capabilities and a certificate), three locations (a warehouse, a
transit lane into it, a supplier's factory), a finished tee built from a standard body module
and a custom print module with two options (the logo needs cotton), a raw material, price
breaks, one framework contract with every clause signed and two tiered prices, opening stock,
three weeks of demand, four presale signals and three purchase order lines (open, partly
received, closed).
"""

from __future__ import annotations

ORDER = (
    "suppliers",
    "locations",
    "items",
    "options",
    "bom",
    "option-materials",
    "item-suppliers",
    "contracts",
    "contract-prices",
    "stock",
    "demand",
    "signals",
    "purchase-orders",
)

FILES: dict[str, str] = {
    "suppliers": """\
code,name,tier,country,latitude,longitude,payment_terms_days,currency,email,certifications,process,capacity_per_day,moq,lead_time_mean_days
SEW-PT,Costura Lda,A,PT,41.4425,-8.2918,30,EUR,orders@sew.example,GOTS 2027-06-30,sewing,200,50,10
SEW-PT,,,,,,,,,,cutting,300,,5
KNIT-TR,Örme Tekstil,B,TR,,,45,USD,,,weaving,1000,500,21
""",
    "locations": """\
code,name,kind,supplier_code,transit_for
WH,Main warehouse,warehouse,,
TR-WH,In transit to WH,transit,,WH
SEW-SITE,Costura factory,factory,SEW-PT,
""",
    "items": """\
sku,name,kind,uom,family,attributes,module_type,production_cycle_days,moq,order_multiple,default_supplier,list_price,standard_cost,currency,active
TEE-RED-M,"Tee, red, M",finished,pcs,TEE,colour=red; size=M,,3,0,1,SEW-PT,29.90,8.75,EUR,true
TEE-BODY,Tee body,module,pcs,TEE,,standard,2,50,10,SEW-PT,,6.10,EUR,true
TEE-PRINT,Custom print,module,pcs,TEE,,custom,1,,,,,1.20,EUR,true
COTTON,Cotton jersey,raw,m,FABRIC,,,,100,25,KNIT-TR,,3.40,EUR,false
""",
    "options": """\
module_sku,code,name,price_delta,lead_time_delta_days,currency
TEE-PRINT,LOGO,Logo print,4.50,1,EUR
TEE-PRINT,NAME,Name print,6,2,EUR
""",
    "bom": """\
parent_sku,child_sku,quantity,scrap_pct
TEE-RED-M,TEE-BODY,1,0
TEE-RED-M,TEE-PRINT,1,
TEE-BODY,COTTON,1.25,3.5
""",
    "option-materials": """\
module_sku,code,component_sku,quantity,scrap_pct
TEE-PRINT,LOGO,COTTON,0.1,5
""",
    "item-suppliers": """\
item_sku,supplier_code,min_quantity,unit_price,currency,lead_time_days,moq,order_multiple,valid_from,valid_to
COTTON,KNIT-TR,0,3.40,USD,21,100,25,2026-01-01,2026-12-31
COTTON,KNIT-TR,500,3.10,,,,,,
TEE-BODY,SEW-PT,50,6.10,,14,50,10,,
""",
    "contracts": """\
code,supplier_code,valid_from,valid_to,currency,topup_max_units,topup_max_premium_pct,retention_pct,retention_settlement,capacity_reserved_pct,capacity_monthly_fee,capacity_process,notes
FA-SEW,SEW-PT,2026-01-01,2027-12-31,EUR,400,6,5,semiannual,25,900,sewing,"Sewing, 2 years"
""",
    "contract-prices": """\
contract_code,item_sku,min_quantity,unit_price
FA-SEW,TEE-BODY,0,6.00
FA-SEW,TEE-BODY,500,5.60
""",
    "stock": """\
sku,location,quantity
TEE-BODY,WH,120
COTTON,WH,340.5
COTTON,SEW-SITE,80
""",
    "demand": """\
sku,location,period_start,quantity
TEE-RED-M,WH,2026-01-05,12
TEE-RED-M,WH,2026-01-12,0
TEE-RED-M,WH,2026-01-19,7
""",
    "signals": """\
sku,option,kind,quantity,amount,currency,occurred_at,source
TEE-RED-M,,views,250,,EUR,2026-01-20T09:00:00Z,shop
TEE-RED-M,,add_to_cart,12,,EUR,2026-01-20T09:00:00Z,shop
TEE-RED-M,LOGO,add_to_cart,9,,EUR,2026-01-20T09:00:00Z,shop
TEE-RED-M,TEE-PRINT/NAME,deposit,2,20.00,EUR,2026-01-21T10:30:00Z,shop
""",
    "purchase-orders": """\
po_number,line,supplier,sku,quantity,received,unit_price,currency,due_date,status
PO-1001,1,KNIT-TR,COTTON,500,200,3.10,USD,2026-02-02,open
PO-1001,2,KNIT-TR,COTTON,250,,3.40,,2026-02-16,
PO-1002,1,SEW-PT,TEE-BODY,100,100,6.00,EUR,2026-01-19,closed
""",
}
"""CSV text per kind."""

THINGS: dict[str, int] = {
    "suppliers": 2,
    "locations": 3,
    "items": 4,
    "options": 2,
    "bom": 3,
    "option-materials": 1,
    "item-suppliers": 2,
    "contracts": 1,
    "contract-prices": 2,
    "stock": 3,
    "demand": 3,
    "signals": 4,
    "purchase-orders": 3,
}
"""What each file creates (suppliers and item-supplier pairs span several rows)."""


CHANGES = {
    "suppliers": ("orders@sew.example", "sales@sew.example"),
    "locations": ("Main warehouse", "Central warehouse"),
    "items": ("29.90", "31.50"),
    "options": ("Logo print,4.50", "Logo print,5"),
    "bom": ("1.25,3.5", "1.3,3.5"),
    "option-materials": ("COTTON,0.1,5", "COTTON,0.15,5"),
    "item-suppliers": ("500,3.10", "500,2.95"),
    "contracts": ("EUR,400,6", "EUR,500,6"),
    "contract-prices": ("500,5.60", "500,5.40"),
    "stock": ("COTTON,WH,340.5", "COTTON,WH,300"),
    "demand": ("2026-01-19,7", "2026-01-19,9"),
    "signals": ("add_to_cart,12,", "add_to_cart,15,"),
    "purchase-orders": ("2026-02-16", "2026-02-23"),
}
"""One value changed per kind: (text in the company's file, its replacement)."""


def changed(kind: str) -> str:
    old, new = CHANGES[kind]
    assert FILES[kind].count(old) == 1
    return FILES[kind].replace(old, new)


def before(kind: str) -> tuple[str, ...]:
    """The kinds ``kind`` refers to (everything earlier in load order)."""
    return ORDER[: ORDER.index(kind)]
