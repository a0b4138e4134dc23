"""Historical context from CDB90: daily casualty rates per 1,000 troops of the battles the
Bakhmut article compares it with, and the comparisons the data cannot test.

Rate = casualties / strength / days of active combat × 1000 (see
:func:`attrition.data.cdb90.cdb90_daily_rates`); strength is CDB90's recorded strength (its
``strength_code`` says whether initial, average or total engaged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Battles the article compares Bakhmut with, and how to find them in CDB90.
GROUPS: tuple[tuple[str, str], ...] = (
    ("Shiloh (1862)", "name == 'SHILOH'"),
    ("Somme (1916)", "name.str.startswith('SOMME-') or name == 'FIRST SOMME'"),
    ("Passchendaele (Ypres III, 1917)", "name == 'YPRES III'"),
    ("Iwo Jima (1945)", "name.str.startswith('IWO JIMA')"),
    ("Okinawa (1945)", "war.str.contains('OKINAWA') and start_date >= '1945-04-01'"),
    ("Ardennes (1944–45)", "campaign == 'ARDENNES'"),
)
#: Battles the article mentions that CDB90 does not hold.
ABSENT: tuple[str, ...] = ("Verdun (1916)", "Stalingrad (1942–43)", "Guadalcanal (1942–43)",
                           "Rzhev (1942–43)")  # fmt: skip


def comparison_rates() -> pd.DataFrame:
    """One row per CDB90 engagement in :data:`GROUPS`, with each side's rate per 1,000 per day.

    Columns: group, isqno, name, start_date, duration_days, side (attacker/defender), strength,
    casualties, rate_per_1000_per_day.
    """
    import pandas as pd

    from attrition.data.cdb90 import load_cdb90

    df = load_cdb90()
    rows = []
    for label, query in GROUPS:
        sel = df.query(query, engine="python")
        for rec in sel.to_dict("records"):
            days = float(rec["duration_days"])
            for side, key in (("attacker", "att"), ("defender", "def")):
                strength = float(rec[f"{key}_strength"])
                cas = float(rec[f"{key}_casualties"])
                ok = days > 0 and strength > 0 and cas == cas
                rows.append(
                    {
                        "group": label,
                        "isqno": int(rec["isqno"]),
                        "name": rec["name"],
                        "start_date": str(rec["start_date"])[:10],
                        "duration_days": days,
                        "side": side,
                        "strength": strength,
                        "casualties": cas,
                        "rate_per_1000_per_day": cas / strength / days * 1000
                        if ok
                        else float("nan"),
                    }
                )
    return pd.DataFrame(rows)


def comparison_summary(rates: pd.DataFrame) -> pd.DataFrame:
    """Per group and side: engagements, median and range of the daily rate per 1,000."""
    g = rates.dropna(subset=["rate_per_1000_per_day"]).groupby(["group", "side"], sort=False)
    out = g["rate_per_1000_per_day"].agg(["count", "median", "min", "max"]).reset_index()
    return out.rename(columns={"count": "engagements", "median": "median rate",
                               "min": "lowest", "max": "highest"})  # fmt: skip
