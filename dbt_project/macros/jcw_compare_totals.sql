{#-
    Rows where two relations disagree on the totals of `measures` for the same keys: a key
    present on one side only, or any measure differing. Used by the accounting-identity
    tests (national = sum of Länder = sum of jobcenters = sum of Gemeinden).
-#}
{% macro jcw_compare_totals(left_sql, right_sql, keys, measures) -%}
with

left_side as (
    {{ left_sql }}
),

right_side as (
    {{ right_sql }}
),

compared as (
    select
        {%- for key in keys %}
        coalesce(left_side.{{ key }}, right_side.{{ key }}) as {{ key }},
        {%- endfor %}
        {%- for m in measures %}
        left_side.{{ m }} as left_{{ m }},
        right_side.{{ m }} as right_{{ m }}{{ "," if not loop.last }}
        {%- endfor %}
    from left_side
    full outer join right_side
        on {% for key in keys %}left_side.{{ key }} = right_side.{{ key }}{{ " and " if not loop.last }}{% endfor %}
)

select *
from compared
where
    {%- for m in measures %}
    left_{{ m }} is distinct from right_{{ m }}{{ " or" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro jcw_area_measures() -%}
    {{ return([
        "jobcenters_reporting", "einwohner", "einwohner_bis_rag", "personen",
        "bedarfsgemeinschaften", "elb", "nef", "elb_langzeit", "integrationen",
        "leistungen_lebensunterhalt_eur", "leistungen_unterkunft_eur",
    ]) }}
{%- endmacro %}

{#- Area totals summed straight from fct_jobcenter_month, grouped by `keys`. -#}
{% macro jcw_sum_jobcenter_months(keys) -%}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        cast(count(*) as integer) as jobcenters_reporting,
        {%- for m in jcw_area_measures()[1:] %}
        sum({{ m }}) as {{ m }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('fct_jobcenter_month') }}
    group by {{ keys | join(", ") }}
{%- endmacro %}
