"""The protocols Vigil ships, as data. Clinicians derive their own versions from these.

Restriction lengths cite REFERENCE §1: the June 2025 US class labels (≥2 weeks near the centre,
≥2 weeks no driving, daily monitoring ≥1 week) and the EU/UK SmPCs and leaflets (4 weeks near,
8 weeks no driving). Aucatzyl never had a REMS and its patient information still says 4 and 8
weeks (REFERENCE §1.2, [VERIFIED Oncolink]).
"""

from __future__ import annotations

CD19 = ["kymriah", "yescarta", "tecartus", "breyanzi"]
ALL_PRODUCTS = CD19 + ["abecma", "carvykti", "aucatzyl"]


def _restrictions(near: int, driving: int, caregiver: int, monitoring: int) -> dict:
    return {
        "stay_near_center_days": near,
        "no_driving_days": driving,
        "caregiver_days": caregiver,
        "monitoring_days": monitoring,
    }


# REFERENCE §1.1 (US, June 2025 labels): 14 days near the centre, 14 days no driving.
US_RESTRICTIONS = _restrictions(near=14, driving=14, caregiver=14, monitoring=14)
# REFERENCE §1.3 (EU SmPC, UK leaflets): 28 days near (and with a caregiver), 56 days no driving.
EU_UK_RESTRICTIONS = _restrictions(near=28, driving=56, caregiver=28, monitoring=28)
# REFERENCE §1.2 Aucatzyl: ≥4 weeks near, ≥8 weeks no driving; no 2-week alignment found.
AUCATZYL_RESTRICTIONS = _restrictions(near=28, driving=56, caregiver=28, monitoring=28)


def _protocol(family: str, name: str, jurisdiction: str, products: list[str], restrictions: dict) -> dict:
    return {
        "family": family,
        "name": name,
        "jurisdiction": jurisdiction,
        "products": products,
        "content": {"restrictions": dict(restrictions), "thresholds": {}},
    }


SHIPPED = [
    _protocol("us-cd19", "US CD19 CAR T (June 2025 labels)", "US", CD19, US_RESTRICTIONS),
    _protocol("us-abecma", "US Abecma (June 2025 labels, delayed neurotoxicity watch)", "US",
              ["abecma"], US_RESTRICTIONS),
    _protocol("us-carvykti", "US Carvykti (June 2025 labels, delayed neurotoxicity and IEC-EC watch)",
              "US", ["carvykti"], US_RESTRICTIONS),
    _protocol("us-aucatzyl", "US Aucatzyl (split dose; 4 weeks near, 8 weeks no driving)", "US",
              ["aucatzyl"], AUCATZYL_RESTRICTIONS),
    _protocol("eu-default", "EU CAR T (SmPC: 4 weeks near, 8 weeks no driving)", "EU",
              ALL_PRODUCTS, EU_UK_RESTRICTIONS),
    _protocol("uk-default", "UK CAR T (4 weeks near, 8 weeks no driving)", "UK",
              ALL_PRODUCTS, EU_UK_RESTRICTIONS),
]
