-- national_month totals equal the sums of fct_jobcenter_month per month.
{{ jcw_compare_totals(
    "select * from " ~ ref('national_month') ~ " where jobcenters_reporting > 0",
    jcw_sum_jobcenter_months(["period"]),
    ["period"],
    jcw_area_measures(),
) }}
