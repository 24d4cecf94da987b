-- One row per month: totals and § 48a Kennzahlen of all kommunale Jobcenter.
{{ jcw_area_month([]) }}
