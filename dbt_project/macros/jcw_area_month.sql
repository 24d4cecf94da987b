{#-
    Totals and § 48a Kennzahlen of an area (a Land, or all jobcenters) per month, summed
    from jobcenter counts. A Kennzahl of an area is a ratio of sums over the jobcenters
    whose own Kennzahl is defined (complete window, previous-year value present); it is
    never an average of jobcenter rates. `area_columns` are the grouping columns besides
    period (e.g. ["land"] or []).

    Every row says what it covers: jobcenters reporting of expected, their share of the
    registry population, whether the month is complete; beside the reported sums of the
    headline totals an estimated total in which each missing jobcenter is estimated
    (int_jobcenter_month_estimates), flagged; and whether a Kennzahl window holds a month
    with missing jobcenters.
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

estimates as (
    select * from {{ ref('int_jobcenter_month_estimates') }}
),

-- completeness of every month of the area, also those this build leaves alone
area_months as (
    select
        {%- for col in area_columns %}
        jobcenters.{{ col }},
        {%- endfor %}
        all_kennzahlen.period,
        {{ jcw_month_index('all_kennzahlen.period') }} as month_index,
        bool_and(all_kennzahlen.has_report) as is_complete
    from {{ ref('kpi_jobcenter_month') }} as all_kennzahlen
    inner join jobcenters on all_kennzahlen.kreis_ags = jobcenters.kreis_ags
    group by {% for col in area_columns %}jobcenters.{{ col }}, {% endfor %}all_kennzahlen.period
),

windows as (
    select
        {%- for col in area_columns %}
        {{ col }},
        {%- endfor %}
        period,
        -- a month with missing jobcenters in the 13 months a Kennzahl reads (t-12 .. t)
        bool_or(not is_complete) over (
            {%- if area_columns %}
            partition by {{ area_columns | join(", ") }}
            {%- endif %}
            order by month_index range between 12 preceding and current row
        ) as has_incomplete_month_in_window
    from area_months
),

combined as (
    select
        kennzahlen.*,
        jobcenters.land,
        jobcenters.population_2018_12_31,
        jobcenter_months.einwohner,
        jobcenter_months.bedarfsgemeinschaften,
        jobcenter_months.nef,
        jobcenter_months.integrationen,
        {%- for col in jcw_headline_columns() %}
        estimates.{{ col }}_estimated,
        {%- endfor %}
        estimates.kreis_ags is not null as is_estimated
    from kennzahlen
    inner join jobcenters on kennzahlen.kreis_ags = jobcenters.kreis_ags
    left join jobcenter_months
        on
            kennzahlen.kreis_ags = jobcenter_months.kreis_ags
            and kennzahlen.period = jobcenter_months.period
    left join estimates
        on kennzahlen.kreis_ags = estimates.kreis_ags and kennzahlen.period = estimates.period
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
        cast(count(*) filter (where is_estimated) as integer) as jobcenters_estimated,
        cast(
            -- 0 % when nobody reported (not unknown)
            coalesce(sum(population_2018_12_31) filter (where has_report), 0) * 100.0
            / nullif(sum(population_2018_12_31), 0)
            as double
        ) as population_covered_pct,
        bool_and(has_report) as is_complete,
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
        cast(sum(elb) * 100.0 / nullif(sum(einwohner_bis_rag), 0) as double) as elb_quote,
        -- the headline totals with the missing jobcenters estimated (flagged by is_estimated)
        {%- for col in jcw_headline_columns() %}
        cast(
            coalesce(sum({{ col }}), 0) + coalesce(sum({{ col }}_estimated), 0) as bigint
        ) as {{ col }}_estimated,
        {%- endfor %}
        bool_or(is_estimated) as is_estimated
    from combined
    group by {% for col in area_columns %}{{ col }}, {% endfor %}period
),

flagged as (
    select
        summed.*,
        windows.has_incomplete_month_in_window
    from summed
    inner join windows
        on
            {% for col in area_columns %}summed.{{ col }} = windows.{{ col }} and {% endfor -%}
            summed.period = windows.period
)

select * from flagged
{%- endmacro %}


{#- (sum Z / sum N - 1) * 100 over the jobcenters that have both months. -#}
{% macro jcw_change_rate_of_sums(col) -%}
    {%- set both = col ~ " is not null and " ~ col ~ "_vorjahr is not null" -%}
    cast(
        (sum({{ col }}) filter (where {{ both }}) - sum({{ col }}_vorjahr) filter (where {{ both }}))
        * 100.0 / nullif(sum({{ col }}_vorjahr) filter (where {{ both }}), 0)
        as double)
{%- endmacro %}
