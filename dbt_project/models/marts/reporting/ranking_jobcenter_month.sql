-- One row per jobcenter, month and § 48a Kennzahl with a value: the value and the
-- jobcenter's rank nationally, within its Land and within its derived comparison group
-- (rank 1 = best: highest for the integration quotas K2, K2E4, K3E1, lowest for the change
-- rates K1, K1E1, K1E2, K3). Ties share a rank.
with

kennzahlen as (
    select * from {{ ref('kpi_jobcenter_month') }}
),

jobcenters as (
    select * from {{ ref('dim_jobcenter') }}
),

groups as (
    select * from {{ ref('comparison_group') }}
),

long_values as (
    {%- set indicators = [
        ("K1", "k1", "lower"), ("K1E1", "k1e1", "lower"), ("K1E2", "k1e2", "lower"),
        ("K2", "k2", "higher"), ("K2E4", "k2e4", "higher"),
        ("K3", "k3", "lower"), ("K3E1", "k3e1", "higher"),
    ] %}
    {%- for code, col, better in indicators %}
    select
        kreis_ags,
        period,
        '{{ code }}' as indicator,
        '{{ better }}' as better_when,
        {{ col }} as indicator_value
    from kennzahlen
    where {{ col }} is not null
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

placed as (
    select
        long_values.*,
        jobcenters.land,
        groups.comparison_group,
        case when long_values.better_when = 'higher' then -long_values.indicator_value
            else long_values.indicator_value
        end as sort_value
    from long_values
    inner join jobcenters on long_values.kreis_ags = jobcenters.kreis_ags
    inner join groups on long_values.kreis_ags = groups.kreis_ags
),

ranked as (
    select
        -- keys
        kreis_ags,
        period,
        indicator,
        -- value
        indicator_value,
        better_when,
        land,
        comparison_group,
        -- ranks
        cast(rank() over (partition by period, indicator order by sort_value) as integer)
            as rank_national,
        cast(count(*) over (partition by period, indicator) as integer) as ranked_national,
        cast(rank() over (partition by period, indicator, land order by sort_value) as integer)
            as rank_in_land,
        cast(count(*) over (partition by period, indicator, land) as integer) as ranked_in_land,
        cast(
            rank() over (partition by period, indicator, comparison_group order by sort_value)
            as integer
        ) as rank_in_group,
        cast(count(*) over (partition by period, indicator, comparison_group) as integer)
            as ranked_in_group
    from placed
)

select * from ranked
