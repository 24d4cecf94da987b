-- One row per reporting month from the first to the latest month with any file.
-- is_final: the month is past the 3-month Wartezeit on the build's reference date as_of
-- (var as_of; default: the due date of the latest month).
with

statuses as (
    select period from {{ ref('submission_status') }}
),

bounds as (
    select
        {{ jcw_month_index('min(period)') }} as first_index,
        {{ jcw_month_index('max(period)') }} as last_index,
        max(period) as last_period
    from statuses
),

month_numbers as (
    select
        unnest(range(first_index, last_index + 1)) as month_index,
        last_period
    from bounds
    where first_index is not null
),

months as (
    select
        {{ jcw_period_of_index('month_index') }} as period,
        last_period
    from month_numbers
),

described as (
    select
        period,
        {{ jcw_month_start('period') }} as month_start,
        cast(left(period, 4) as integer) as calendar_year,
        cast(right(period, 2) as integer) as calendar_month,
        {{ jcw_due_date('period') }} as due_date,
        cast(
            {{ jcw_month_start('period') }} + interval (1 + {{ var('wartezeit_months') }}) month as date
        ) as final_from,
        {{ jcw_as_of('last_period') }} as as_of
    from months
),

flagged as (
    select
        *,
        as_of >= final_from as is_final
    from described
)

select * from flagged
