"""A supplier's capabilities and certifications: what is stored, and the replacements an
import of the ``suppliers`` kind plans and writes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flexchain.adapters.db.imports import ImportStores
from flexchain.domain.suppliers import Capability, Certification, Supplier
from flexchain.services.imports.lookups import stored_rows
from flexchain.services.imports.writing import Upserts

__all__ = ["CAPABILITY_FIELDS", "Parts"]

CAPABILITY_FIELDS = (
    "capacity_per_day",
    "moq",
    "order_multiple",
    "lead_time_mean_days",
    "lead_time_sd_days",
    "sample_lead_time_days",
)


def _capability_key(capabilities: list[Capability]) -> list[tuple[Any, ...]]:
    return sorted(
        (cap.process.value, *(getattr(cap, name) for name in CAPABILITY_FIELDS))
        for cap in capabilities
    )


def _certification_key(certifications: list[Certification]) -> list[tuple[Any, ...]]:
    return sorted((cert.name, cert.valid_until) for cert in certifications)


@dataclass
class Parts:
    stored_caps: dict[str, list[Capability]]
    stored_certs: dict[str, list[Certification]]
    new_caps: dict[str, list[Capability]] = field(default_factory=dict)
    new_certs: dict[str, list[Certification]] = field(default_factory=dict)

    @classmethod
    def load(cls, stores: ImportStores, codes: dict[int, str]) -> Parts:
        caps: dict[str, list[Capability]] = defaultdict(list)
        for row in stored_rows(stores, "supplier_capabilities"):
            values = {name: row[name] for name in CAPABILITY_FIELDS}
            caps[codes[row["supplier_id"]]].append(Capability(row["process"], **values))
        certs: dict[str, list[Certification]] = defaultdict(list)
        for row in stored_rows(stores, "supplier_certifications"):
            certs[codes[row["supplier_id"]]].append(Certification(row["name"], row["valid_until"]))
        return cls(caps, certs)

    def caps(self, code: str) -> list[Capability]:
        return list(self.stored_caps.get(code, ()))

    def certs(self, code: str) -> list[Certification]:
        return list(self.stored_certs.get(code, ()))

    def plan(
        self, code: str, supplier: Supplier, replace_caps: bool, replace_certs: bool
    ) -> tuple[str, ...]:
        """Queue the replacements that change something; returns what changed."""
        changed: list[str] = []
        caps = supplier.capabilities
        if replace_caps and _capability_key(caps) != _capability_key(self.caps(code)):
            self.new_caps[code] = caps
            changed.append("capabilities")
        certs = supplier.certifications
        if replace_certs and _certification_key(certs) != _certification_key(self.certs(code)):
            self.new_certs[code] = certs
            changed.append("certifications")
        return tuple(changed)

    def write(self, stores: ImportStores, upserts: Upserts, source: str) -> None:
        upserts.write(stores, source)
        ids = stores.suppliers.ids()
        if self.new_caps:
            replaced = [ids[code] for code in self.new_caps]
            rows = [
                {
                    "supplier_id": ids[code],
                    "process": cap.process.value,
                    **{name: getattr(cap, name) for name in CAPABILITY_FIELDS},
                }
                for code, caps in self.new_caps.items()
                for cap in caps
            ]
            stores.suppliers.replace_capabilities(replaced, rows)
        if self.new_certs:
            replaced = [ids[code] for code in self.new_certs]
            rows = [
                {"supplier_id": ids[code], "name": cert.name, "valid_until": cert.valid_until}
                for code, certs in self.new_certs.items()
                for cert in certs
            ]
            stores.suppliers.replace_certifications(replaced, rows)
