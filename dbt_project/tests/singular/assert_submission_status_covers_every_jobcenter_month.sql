-- Nothing is lost silently: every registered jobcenter has exactly one status row for every
-- month of dim_period, and every accepted report shows up as its current revision.
with

expected as (
    select
        jobcenters.kreis_ags,
        periods.period
    from {{ ref('jobcenters') }} as jobcenters
    cross join {{ ref('dim_period') }} as periods
),

statuses as (
    select * from {{ ref('submission_status') }}
),

uncovered as (
    select
        expected.kreis_ags,
        expected.period,
        'no status row' as problem
    from expected
    left join statuses
        on expected.kreis_ags = statuses.kreis_ags and expected.period = statuses.period
    where statuses.kreis_ags is null
),

unexpected as (
    select
        statuses.kreis_ags,
        statuses.period,
        'status row outside the registry or dim_period' as problem
    from statuses
    left join expected
        on statuses.kreis_ags = expected.kreis_ags and statuses.period = expected.period
    where expected.kreis_ags is null
),

accepted_not_current as (
    select
        jobcenter_months.kreis_ags,
        jobcenter_months.period,
        'accepted report not the current revision of its status row' as problem
    from {{ ref('fct_jobcenter_month') }} as jobcenter_months
    left join statuses
        on
            jobcenter_months.kreis_ags = statuses.kreis_ags
            and jobcenter_months.period = statuses.period
    where statuses.current_revision is distinct from jobcenter_months.revision
)

select * from uncovered
union all
select * from unexpected
union all
select * from accepted_not_current
