#!/usr/bin/env python3
"""Generate the seed migration `2026-11-27-000002_seed` for both backends.

Writes identical SQL to migrations/sqlite/ and migrations/postgres/: the
regions, the State Council calendar (data/holiday-cn/*.json), the policy
parameters of each region, the national bookkeeping interest rates and the
number sequences. Money is in fen, rates in parts per million, periods YYYYMM.

Also writes `2026-12-02-000035_pension_seed`: the pension parameters by
year (the province's average monthly wage of on-post employees and the
transitional coefficient) and the standards of the lump sums at death
(issue 15), which the tables of migration 000034 hold; and
`2026-12-02-000038_unemployment_seed`: the unemployment benefit's
parameters by region (issue 16) for the table of migration 000037; and
`2026-12-02-000040_stabilisation_seed`: the job-stabilisation refund's
parameters by year (issue 16) for the table of migration 000039; and
`2026-12-02-000042_project_rates_seed`: the project-based work-injury
premium rates (issue 16) for the table of migration 000041.

Run from anywhere: python3 scripts/gen_seed.py
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATION = "2026-11-27-000002_seed"
TREES = ("sqlite", "postgres")

ILLUSTRATIVE = "illustrative: not a published figure"

REGIONS = [
    ("420500", "宜昌市本级", "湖北省"),
    ("421300", "随州市本级", "湖北省"),
]

# (si_year, standard, floor, ceiling) in yuan per month.
BASE_BOUNDS = [
    (2021, 5600, 3360, 16800),
    (2022, 6000, 3450, 18000),
    (2023, 6300, 3780, 18900),
    (2024, 6600, 3960, 19800),
    (2025, 6900, 4140, 20700),
    (2026, 7200, 4320, 21600),
]

# (insurance, from_period, to_period, unit_ppm, individual_ppm, source, illustrative)
RATES = [
    ("110", 201605, 201904, 190000, 80000, "人社部发〔2016〕36号", False),
    ("110", 201905, None, 160000, 80000, "国办发〔2019〕13号", False),
    (
        "210", 201605, 202412, 7000, 3000,
        "鄂人社发 unemployment-insurance rate reduction, extended to 2024-12-31",
        False,
    ),
    (
        "210", 202501, None, 7000, 3000,
        "illustrative: assumed extended; replace with the notice in force",
        True,
    ),
]

INJURY_BASE_PPM = [2000, 4000, 7000, 9000, 11000, 13000, 16000, 19000]

INTEREST_PPM = {
    2016: 83100, 2017: 71200, 2018: 82900, 2019: 76100, 2020: 60400,
    2021: 66900, 2022: 61200, 2023: 39700, 2024: 26200,
}

PENSION_MIGRATION = "2026-12-02-000035_pension_seed"

# 全省在岗职工月平均工资 by year, yuan per month. Illustrative: a smooth
# series of the right size, not Hubei's published figures; replace each year
# with the yearly notice of 湖北省 养老金计发基数 through
# POST /api/v1/staff/policy/pension-years (R-POL-4) before real use.
PENSION_AVERAGE_WAGES = {
    2000: 640, 2001: 720, 2002: 800, 2003: 880, 2004: 980, 2005: 1100,
    2006: 1250, 2007: 1450, 2008: 1700, 2009: 1900, 2010: 2150, 2011: 2500,
    2012: 2900, 2013: 3300, 2014: 3650, 2015: 4050, 2016: 4400, 2017: 4800,
    2018: 5300, 2019: 5800, 2020: 6200, 2021: 6700, 2022: 7100, 2023: 7400,
    2024: 7700, 2025: 7950,
}
# 过渡系数 in ppm: 1.3% (*check* against 鄂政发〔2006〕 implementing
# 国发〔2005〕38号; other provinces use 1.0–1.4%).
TRANSITIONAL_PPM = 13000
PENSION_SOURCE = (
    "illustrative: not a published figure; average wage a smooth series, "
    "transitional coefficient 1.3% to check against Hubei's implementing notice"
)

# 丧葬补助金 (yuan) and 抚恤金 (months) from a year (R-PEN-4). Illustrative:
# replace with Hubei's standards (*check*).
DEATH_BENEFITS = [(2016, 5000, 10)]
DEATH_SOURCE = (
    "illustrative: not a published figure; replace with Hubei's 丧葬补助金 and "
    "抚恤金 standards (R-PEN-4, check)"
)

UNEMPLOYMENT_MIGRATION = "2026-12-02-000038_unemployment_seed"

# Unemployment benefit parameters from a year, per region (R-UNEMP-2):
# (from_year, minimum wage yuan, percentage ppm, subsistence yuan). The 90%
# is DOMAIN.md's Hubei figure (*check*); the wages and allowances are
# illustrative: replace with 湖北省最低工资标准 and the city's 低保标准.
UNEMPLOYMENT_BENEFITS = {
    "420500": [(2021, 1750, 900000, 700), (2025, 1950, 900000, 800)],
    "421300": [(2021, 1550, 900000, 650), (2025, 1800, 900000, 750)],
}
UNEMPLOYMENT_SOURCE = (
    "illustrative: minimum wage and subsistence allowance not published figures; "
    "90% from DOMAIN.md R-UNEMP-2 (check)"
)

STABILISATION_MIGRATION = "2026-12-02-000040_stabilisation_seed"

# 稳岗返还 parameters by year (R-STAB-1): (year, layoff threshold ppm, small
# unit threshold ppm, small unit headcount, large share ppm, small/medium
# share ppm, source). Shares from DOMAIN.md (30% / 60%; 2022: 50% / 90%),
# the 5.5% national surveyed-unemployment target and the 20% for units of
# at most 30 insured (*check* against each year's notice).
STABILISATION_YEARS = [
    (year, 55000, 200000, 30, 500000 if year == 2022 else 300000,
     900000 if year == 2022 else 600000,
     "DOMAIN.md R-STAB-1 (人社部发〔2022〕23号 for 2022; check against each year's notice)")
    for year in range(2020, 2027)
]

PROJECT_MIGRATION = "2026-12-02-000042_project_rates_seed"

# Project-based work-injury premium rates by type, from a year, in every
# region (R-PROJ-1): rate ppm of the total contract value. DOMAIN.md gives
# 0.1%–0.3% by project type (*check* against Hubei's notice).
PROJECT_RATES = [("construction", 2016, 1500), ("mining", 2016, 3000)]
PROJECT_SOURCE = (
    "DOMAIN.md R-PROJ-1 (0.1%-0.3% by project type); illustrative: replace with "
    "Hubei's 按项目参加工伤保险 rates (check)"
)

SEQUENCES = [("unit_no", 100047500), ("person_no", 10003726000)]

CALENDAR_CHUNK = 100


def q(value):
    """Render a Python value as an SQL literal valid on SQLite and PostgreSQL."""
    if value is None:
        return "NULL"
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def insert(table, columns, rows):
    values = ",\n".join("    (" + ", ".join(q(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n{values};\n"


def calendar():
    days = {}
    for path in sorted((ROOT / "data" / "holiday-cn").glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8"))["days"]:
            value = (entry["isOffDay"], entry["name"])
            previous = days.setdefault(entry["date"], value)
            if previous != value:
                raise SystemExit(f"{path.name}: {entry['date']} disagrees with another file")
    return [(day, off, name) for day, (off, name) in sorted(days.items())]


def region_policy(code):
    out = []

    rows = []
    for year, standard, floor, ceiling in BASE_BOUNDS:
        if year == 2022 and code == "420500":
            source, illustrative = "DOMAIN.md R-POL-1 (Yichang 2022 year)", False
        elif year == 2022:
            source = "illustrative: assumed equal under provincial pooling (DOMAIN.md R-POL-1)"
            illustrative = True
        else:
            source, illustrative = ILLUSTRATIVE, True
        rows.append((code, year, standard * 100, floor * 100, ceiling * 100, source, illustrative))
    out.append(insert(
        "policy_base_bounds",
        ["region_code", "si_year", "standard_fen", "floor_fen", "ceiling_fen", "source",
         "illustrative"],
        rows,
    ))

    out.append(insert(
        "policy_rates",
        ["region_code", "insurance", "from_period", "to_period", "unit_rate_ppm",
         "individual_rate_ppm", "source", "illustrative"],
        [(code,) + rate for rate in RATES],
    ))

    rows = []
    for index, base in enumerate(INJURY_BASE_PPM):
        risk_class = index + 1
        if risk_class == 1:
            early = ("DOMAIN.md R-POL-2 (0.1% for class 1 in 2021)", False)
        else:
            early = ("illustrative: assumed half of the 2015 base rate", True)
        rows.append((code, risk_class, 201605, 202204, base // 2) + early)
        rows.append((code, risk_class, 202205, None, base, "人社部发〔2015〕71号", False))
    out.append(insert(
        "policy_injury_class_rates",
        ["region_code", "risk_class", "from_period", "to_period", "rate_ppm", "source",
         "illustrative"],
        rows,
    ))

    out.append(insert(
        "policy_late_fee_rules",
        ["region_code", "from_period", "to_period", "daily_rate_ppm", "due_day_of_next_month",
         "cap", "source", "illustrative"],
        [(code, 201605, None, 500, None, "none", "社会保险法 第八十六条", False)],
    ))

    out.append(insert(
        "policy_deferrals",
        ["region_code", "from_period", "to_period", "repay_by", "source", "illustrative"],
        [(code, 202204, 202212, "2023-12-31", "人社部发〔2022〕31号", False)],
    ))

    out.append(insert(
        "policy_windows",
        ["region_code", "from_period", "to_period", "back_pay_months", "refund_months",
         "order_validity_working_days", "wage_window_start", "wage_window_end", "source",
         "illustrative"],
        [(code, 201605, None, 3, 3, 10, "04-01", "06-30",
          "DOMAIN.md R-BACK-1, R-REF-1, R-DECL-4, R-WAGE-3", False)],
    ))
    return out


def up_sql():
    parts = [
        "-- Generated by scripts/gen_seed.py; edit the script, not this file.\n",
        insert("regions", ["code", "name", "province"], REGIONS),
    ]
    days = calendar()
    for start in range(0, len(days), CALENDAR_CHUNK):
        parts.append(insert("calendar_days", ["day", "is_off_day", "name"],
                            days[start:start + CALENDAR_CHUNK]))
    for code, _, _ in REGIONS:
        parts.extend(region_policy(code))
    parts.append(insert(
        "policy_interest_rates",
        ["year", "rate_ppm", "source", "illustrative"],
        [(year, ppm, f"人社部·财政部 记账利率公告 {year}", False)
         for year, ppm in sorted(INTEREST_PPM.items())],
    ))
    parts.append(insert("number_sequences", ["name", "next_value"], SEQUENCES))
    return "\n".join(parts)


def down_sql():
    regions = ", ".join(q(code) for code, _, _ in REGIONS)
    days = calendar()
    lines = ["-- Generated by scripts/gen_seed.py; edit the script, not this file."]
    lines.append("DELETE FROM number_sequences WHERE name IN ("
                 + ", ".join(q(name) for name, _ in SEQUENCES) + ");")
    lines.append("DELETE FROM policy_interest_rates WHERE year IN ("
                 + ", ".join(str(year) for year in sorted(INTEREST_PPM)) + ");")
    for table in ("policy_windows", "policy_deferrals", "policy_late_fee_rules",
                  "policy_injury_class_rates", "policy_rates", "policy_base_bounds"):
        lines.append(f"DELETE FROM {table} WHERE region_code IN ({regions});")
    lines.append(f"DELETE FROM calendar_days WHERE day BETWEEN {q(days[0][0])} AND {q(days[-1][0])};")
    lines.append(f"DELETE FROM regions WHERE code IN ({regions});")
    return "\n".join(lines) + "\n"


def pension_up_sql():
    return "-- Generated by scripts/gen_seed.py; edit the script, not this file.\n\n" + insert(
        "policy_pension_years",
        ["year", "average_wage_fen", "transitional_ppm", "source", "illustrative"],
        [(year, wage * 100, TRANSITIONAL_PPM, PENSION_SOURCE, True)
         for year, wage in sorted(PENSION_AVERAGE_WAGES.items())],
    ) + "\n" + insert(
        "policy_death_benefits",
        ["from_year", "funeral_grant_fen", "survivor_months", "source", "illustrative"],
        [(year, grant * 100, months, DEATH_SOURCE, True) for year, grant, months in DEATH_BENEFITS],
    )


def pension_down_sql():
    return ("-- Generated by scripts/gen_seed.py; edit the script, not this file.\n"
            "DELETE FROM policy_death_benefits WHERE from_year IN ("
            + ", ".join(str(year) for year, _, _ in DEATH_BENEFITS) + ");\n"
            "DELETE FROM policy_pension_years WHERE year IN ("
            + ", ".join(str(year) for year in sorted(PENSION_AVERAGE_WAGES)) + ");\n")


def unemployment_up_sql():
    rows = [
        (region, year, wage * 100, ppm, allowance * 100, UNEMPLOYMENT_SOURCE, True)
        for region, years in sorted(UNEMPLOYMENT_BENEFITS.items())
        for year, wage, ppm, allowance in years
    ]
    return "-- Generated by scripts/gen_seed.py; edit the script, not this file.\n\n" + insert(
        "policy_unemployment_benefits",
        ["region_code", "from_year", "minimum_wage_fen", "percentage_ppm", "subsistence_fen",
         "source", "illustrative"],
        rows,
    )


def unemployment_down_sql():
    regions = ", ".join(q(code) for code in sorted(UNEMPLOYMENT_BENEFITS))
    return ("-- Generated by scripts/gen_seed.py; edit the script, not this file.\n"
            f"DELETE FROM policy_unemployment_benefits WHERE region_code IN ({regions});\n")


def stabilisation_up_sql():
    return "-- Generated by scripts/gen_seed.py; edit the script, not this file.\n\n" + insert(
        "policy_stabilisation_years",
        ["year", "layoff_threshold_ppm", "small_unit_threshold_ppm", "small_unit_headcount",
         "large_share_ppm", "small_medium_share_ppm", "source", "illustrative"],
        [(*row, False) for row in STABILISATION_YEARS],
    )


def stabilisation_down_sql():
    years = ", ".join(str(row[0]) for row in STABILISATION_YEARS)
    return ("-- Generated by scripts/gen_seed.py; edit the script, not this file.\n"
            f"DELETE FROM policy_stabilisation_years WHERE year IN ({years});\n")


def project_up_sql():
    return "-- Generated by scripts/gen_seed.py; edit the script, not this file.\n\n" + insert(
        "policy_project_rates",
        ["region_code", "kind", "from_year", "rate_ppm", "source", "illustrative"],
        [(code, kind, year, ppm, PROJECT_SOURCE, True)
         for code, _, _ in REGIONS for kind, year, ppm in PROJECT_RATES],
    )


def project_down_sql():
    regions = ", ".join(q(code) for code, _, _ in REGIONS)
    return ("-- Generated by scripts/gen_seed.py; edit the script, not this file.\n"
            f"DELETE FROM policy_project_rates WHERE region_code IN ({regions});\n")


def main():
    for migration, up, down in (
        (MIGRATION, up_sql(), down_sql()),
        (PENSION_MIGRATION, pension_up_sql(), pension_down_sql()),
        (UNEMPLOYMENT_MIGRATION, unemployment_up_sql(), unemployment_down_sql()),
        (STABILISATION_MIGRATION, stabilisation_up_sql(), stabilisation_down_sql()),
        (PROJECT_MIGRATION, project_up_sql(), project_down_sql()),
    ):
        for tree in TREES:
            folder = ROOT / "migrations" / tree / migration
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "up.sql").write_text(up, encoding="utf-8")
            (folder / "down.sql").write_text(down, encoding="utf-8")
            print(f"wrote {folder.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
