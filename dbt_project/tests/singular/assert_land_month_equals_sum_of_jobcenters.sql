-- land_month totals equal the sums of fct_jobcenter_month per Land and month.
{{ jcw_compare_totals(
    "select * from " ~ ref('land_month') ~ " where jobcenters_reporting > 0",
    jcw_sum_jobcenter_months(["land", "period"]),
    ["land", "period"],
    jcw_area_measures(),
) }}
