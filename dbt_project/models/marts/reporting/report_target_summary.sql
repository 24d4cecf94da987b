-- One row per calendar year, target indicator and achievement status: how many jobcenters
-- are in that status (the report's summary of the target agreements).
with

achievements as (
    select * from {{ ref('target_achievement') }}
),

counted as (
    select
        calendar_year,
        indicator,
        achievement_status,
        cast(count(*) as integer) as jobcenters
    from achievements
    group by calendar_year, indicator, achievement_status
)

select * from counted
