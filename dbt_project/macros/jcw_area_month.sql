{#-
    Totals and § 48a Kennzahlen of an area (a Land, or all jobcenters) per month, summed
    from jobcenter counts. A Kennzahl of an area is a ratio of sums over the jobcenters
    whose own Kennzahl is defined (complete window, previous-year value present); it is
    never an average of jobcenter rates. `area_columns` are the grouping columns besides
    period (e.g. ["land"] or []).
-#}
{% macro jcw_area_month(area_columns) -%}
{%- set kpi_periods = jcw_kpi_periods() -%}
with

kennzahlen as (
    select * from {{ ref('kpi_jobcenter_month') }}
    {%- if jcw_is_partial() %}
    -- the changed months with the 12 after each, and months new to the table
    where
        period in {{ jcw_period_list(kpi_periods) }}
        or period not in (select existing.period from {{ this }} as existing)
    {%- endif %}
),

jobcenter_months as (
    select * from {{ ref('fct_jobcenter_month') }}
),

jobcenters as (
    select * from {{ ref('jobcenters') }}
),

combined as (
    select
        kennzahlen.*,
        jobcenters.land,
        jobcenter_months.einwohner,
        jobcenter_months.bedarfsgemeinschaften,
        jobcenter_months.nef,
        jobcenter_months.integrationen
    from kennzahlen
    inner join jobcenters on kennzahlen.kreis_ags = jobcenters.kreis_ags
    left join jobcenter_months
        on
            kennzahlen.kreis_ags = jobcenter_months.kreis_ags
            and kennzahlen.period = jobcenter_months.period
),

summed as (
    select
        -- keys
        {%- for col in area_columns %}
        {{ col }},
        {%- endfor %}
        period,
        -- coverage
        cast(count(*) as integer) as jobcenters_expected,
        cast(count(*) filter (where has_report) as integer) as jobcenters_reporting,
        cast(count(*) filter (where is_window_complete) as integer) as jobcenters_in_k2,
        -- population covered by the reporting jobcenters
        cast(coalesce(sum(einwohner), 0) as bigint) as einwohner,
        cast(coalesce(sum(einwohner_bis_rag), 0) as bigint) as einwohner_bis_rag,
        -- stock
        cast(coalesce(sum(personen), 0) as bigint) as personen,
        cast(coalesce(sum(bedarfsgemeinschaften), 0) as bigint) as bedarfsgemeinschaften,
        cast(coalesce(sum(elb), 0) as bigint) as elb,
        cast(coalesce(sum(nef), 0) as bigint) as nef,
        cast(coalesce(sum(elb_langzeit), 0) as bigint) as elb_langzeit,
        -- flows
        cast(coalesce(sum(integrationen), 0) as bigint) as integrationen,
        cast(coalesce(sum(integrationen_12m), 0) as bigint) as integrationen_12m,
        -- benefits
        cast(coalesce(sum(leistungen_lebensunterhalt_eur), 0) as decimal(18, 2))
            as leistungen_lebensunterhalt_eur,
        cast(coalesce(sum(leistungen_unterkunft_eur), 0) as decimal(18, 2))
            as leistungen_unterkunft_eur,
        -- Kennzahlen from summed counts
        {{ jcw_change_rate_of_sums('leistungen_lebensunterhalt_eur') }} as k1,
        {{ jcw_change_rate_of_sums('leistungen_unterkunft_eur') }} as k1e1,
        {{ jcw_change_rate_of_sums('elb') }} as k1e2,
        cast(
            sum(integrationen_12m) filter (where is_window_complete) * 1200.0
            / nullif(sum(elb_sum_12m) filter (where is_window_complete), 0)
            as double) as k2,
        cast(
            sum(integrationen_alleinerziehend_12m) filter (where is_window_complete) * 1200.0
            / nullif(sum(elb_alleinerziehend_sum_12m) filter (where is_window_complete), 0)
            as double) as k2e4,
        {{ jcw_change_rate_of_sums('elb_langzeit') }} as k3,
        cast(
            sum(integrationen_langzeit_12m) filter (where is_window_complete) * 1200.0
            / nullif(sum(elb_langzeit_sum_12m) filter (where is_window_complete), 0)
            as double) as k3e1,
        cast(sum(personen) * 100.0 / nullif(sum(einwohner_bis_rag), 0) as double) as sgb2_quote,
        cast(sum(elb) * 100.0 / nullif(sum(einwohner_bis_rag), 0) as double) as elb_quote
    from combined
    group by {% for col in area_columns %}{{ col }}, {% endfor %}period
)

select * from summed
{%- endmacro %}


{#- (sum Z / sum N - 1) * 100 over the jobcenters that have both months. -#}
{% macro jcw_change_rate_of_sums(col) -%}
    {%- set both = col ~ " is not null and " ~ col ~ "_vorjahr is not null" -%}
    cast(
        (sum({{ col }}) filter (where {{ both }}) - sum({{ col }}_vorjahr) filter (where {{ both }}))
        * 100.0 / nullif(sum({{ col }}_vorjahr) filter (where {{ both }}), 0)
        as double)
{%- endmacro %}
