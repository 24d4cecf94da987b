-- The "current" side of the revision history is exactly what fct_jobcenter_month shows.
{%- set measures = jcw_measure_columns() %}
{%- set current_cols = [] %}
{%- for m in measures %}{% do current_cols.append("current_" ~ m ~ " as " ~ m) %}{% endfor %}
{{ jcw_compare_totals(
    "select kreis_ags, period, current_revision as revision, " ~ (current_cols | join(", "))
        ~ " from " ~ ref('fct_jobcenter_month_history'),
    "select kreis_ags, period, revision, " ~ (measures | join(", ")) ~ " from " ~ ref('fct_jobcenter_month'),
    ["kreis_ags", "period"],
    ["revision"] + measures,
) }}
