-- One row per Land per month: totals and § 48a Kennzahlen of its kommunale Jobcenter.
{{ jcw_area_month(["land"]) }}
