-- fct_jobcenter_month equals the sums of fct_caseload and fct_integrations per jobcenter
-- and month (the Gemeinde -> jobcenter re-grain loses nothing).
{%- set stocks = jcw_stock_columns() + jcw_money_columns() %}
{%- set flows = jcw_flow_columns() %}

{%- set left_sql %}
    select kreis_ags, period, {{ (stocks + flows) | join(", ") }}
    from {{ ref('fct_jobcenter_month') }}
{%- endset %}

{%- set right_sql %}
    select
        caseload.kreis_ags,
        caseload.period,
        {%- for m in stocks %}
        caseload.{{ m }},
        {%- endfor %}
        {%- for m in flows %}
        flows.{{ m }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            kreis_ags,
            period,
            {%- for m in stocks %}
            sum({{ m }}) as {{ m }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ ref('fct_caseload') }}
        group by kreis_ags, period
    ) as caseload
    inner join (
        select
            kreis_ags,
            period,
            {%- for m in flows %}
            sum({{ m }}) as {{ m }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ ref('fct_integrations') }}
        group by kreis_ags, period
    ) as flows
        on caseload.kreis_ags = flows.kreis_ags and caseload.period = flows.period
{%- endset %}

{{ jcw_compare_totals(left_sql, right_sql, ["kreis_ags", "period"], stocks + flows) }}
