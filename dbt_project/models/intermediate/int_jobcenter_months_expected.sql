-- The expected grid: every registered jobcenter for every month a report could exist for
-- (var first_period, the start of SGB II, to 2099-12). Marts cut it to the months they cover.
with

jobcenters as (
    select kreis_ags from {{ ref('jobcenters') }}
),

month_numbers as (
    -- range() yields one column named "range"
    select range as month_index
    from range({{ jcw_month_index("'" ~ var('first_period') ~ "'") }}, {{ jcw_month_index("'2099-12'") }} + 1)
),

months as (
    select
        month_index,
        {{ jcw_period_of_index('month_index') }} as period
    from month_numbers
),

grid as (
    select
        jobcenters.kreis_ags,
        months.period,
        cast(months.month_index as integer) as month_index
    from jobcenters
    cross join months
)

select * from grid
