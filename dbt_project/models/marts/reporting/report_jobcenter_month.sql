-- One row per jobcenter per month with an accepted report: its ELB against the previous
-- month, and where that change ranks among all jobcenters of the month (the report's
-- strongest rises and falls).
with

jobcenter_months as (
    select * from {{ ref('fct_jobcenter_month') }}
),

compared as (
    select
        current_month.kreis_ags,
        current_month.period,
        previous_month.elb as elb_previous,
        current_month.elb - previous_month.elb as elb_change_abs,
        cast(
            (current_month.elb - previous_month.elb) * 100.0 / nullif(previous_month.elb, 0)
            as double
        ) as elb_change_pct
    from jobcenter_months as current_month
    left join jobcenter_months as previous_month
        on
            current_month.kreis_ags = previous_month.kreis_ags
            and {{ jcw_month_index('previous_month.period') }}
            = {{ jcw_month_index('current_month.period') }} - 1
),

changed as (
    select * from compared
    where elb_change_pct is not null
),

-- 1 = the largest rise / the largest fall; ties broken by Kreisschlüssel
ranks as (
    select
        kreis_ags,
        period,
        cast(
            row_number() over (
                partition by period order by elb_change_pct desc, kreis_ags desc
            ) as integer
        ) as elb_rise_rank,
        cast(
            row_number() over (partition by period order by elb_change_pct asc, kreis_ags asc)
            as integer
        ) as elb_fall_rank
    from changed
),

ranked as (
    select
        compared.*,
        ranks.elb_rise_rank,
        ranks.elb_fall_rank
    from compared
    left join ranks
        on compared.kreis_ags = ranks.kreis_ags and compared.period = ranks.period
)

select * from ranked
