-- national_month totals equal the sums of land_month per month (incl. the 12-month sum).
{%- set measures = jcw_area_measures() + ["jobcenters_expected", "integrationen_12m"] %}
{%- set sums = [] %}
{%- for m in measures %}{% do sums.append("sum(" ~ m ~ ") as " ~ m) %}{% endfor %}
{{ jcw_compare_totals(
    "select period, " ~ (measures | join(", ")) ~ " from " ~ ref('national_month'),
    "select period, " ~ (sums | join(", ")) ~ " from " ~ ref('land_month') ~ " group by period",
    ["period"],
    measures,
) }}
