-- Re-grain Gemeinde -> jobcenter: the Kreis totals of every accepted report revision.
with

report_rows as (
    select * from {{ ref('stg_accepted__report_rows') }}
),

kreis_totals as (
    select
        kreis_ags,
        period,
        revision,
        -- lineage
        any_value(sha256) as sha256,
        min(fetched_at) as fetched_at,
        -- measures
        {%- for col in jcw_count_columns() %}
        cast(sum({{ col }}) as bigint) as {{ col }},
        {%- endfor %}
        {%- for col in jcw_money_columns() %}
        cast(sum({{ col }}) as decimal(18, 2)) as {{ col }},
        {%- endfor %}
        cast(count(*) as integer) as gemeinden_count
    from report_rows
    group by kreis_ags, period, revision
),

ranked as (
    select
        *,
        revision = max(revision) over (partition by kreis_ags, period) as is_current,
        revision = min(revision) over (partition by kreis_ags, period) as is_first_published
    from kreis_totals
)

select * from ranked
