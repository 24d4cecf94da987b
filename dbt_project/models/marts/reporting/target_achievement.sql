-- One row per jobcenter, year and indicator of the target agreements (seed
-- zielvereinbarungen) for every year with data in the warehouse: the target, the value so
-- far, the projection to the end of the year from the months available, and whether the
-- projection meets the target. Each value names the months it rests on.
with

targets as (
    select * from {{ ref('zielvereinbarungen') }}
),

jobcenter_months as (
    select * from {{ ref('fct_jobcenter_month') }}
),

monthly as (
    select
        kreis_ags,
        period,
        cast(left(period, 4) as integer) as calendar_year,
        {{ jcw_month_index('period') }} as month_index,
        integrationen,
        elb,
        elb_langzeit
    from jobcenter_months
),

years_with_data as (
    select distinct calendar_year from monthly
),

-- K2 so far (Jahresfortschrittswert): integrations of January..t over the average ELB
-- stock of December (previous year)..t-1; a month counts when it and its previous month
-- are both reported.
k2_months as (
    select
        current_month.kreis_ags,
        current_month.calendar_year,
        current_month.period,
        current_month.integrationen,
        previous_month.elb as elb_previous_month
    from monthly as current_month
    inner join monthly as previous_month
        on
            current_month.kreis_ags = previous_month.kreis_ags
            and current_month.month_index - 1 = previous_month.month_index
),

-- K3 (annual-average variant of the target agreements): Langzeitleistungsbeziehende of the
-- months so far against the same months of the previous year; a month counts when both
-- are reported.
k3_months as (
    select
        current_month.kreis_ags,
        current_month.calendar_year,
        current_month.period,
        current_month.elb_langzeit,
        previous_year.elb_langzeit as elb_langzeit_previous_year
    from monthly as current_month
    inner join monthly as previous_year
        on
            current_month.kreis_ags = previous_year.kreis_ags
            and current_month.month_index - 12 = previous_year.month_index
),

k2_year as (
    select
        kreis_ags,
        calendar_year,
        'K2' as indicator,
        cast(count(*) as integer) as months_available,
        min(period) as first_period,
        max(period) as last_period,
        string_agg(period, ',' order by period) as periods,
        cast(sum(integrationen) * 100.0 * count(*) / nullif(sum(elb_previous_month), 0) as double)
            as actual_to_date,
        cast(sum(integrationen) * 1200.0 / nullif(sum(elb_previous_month), 0) as double)
            as projected_year_end
    from k2_months
    group by kreis_ags, calendar_year
),

k3_year as (
    select
        kreis_ags,
        calendar_year,
        'K3' as indicator,
        cast(count(*) as integer) as months_available,
        min(period) as first_period,
        max(period) as last_period,
        string_agg(period, ',' order by period) as periods,
        cast(
            (sum(elb_langzeit) - sum(elb_langzeit_previous_year)) * 100.0
            / nullif(sum(elb_langzeit_previous_year), 0) as double
        ) as actual_to_date,
        -- the months to come are assumed to change like the months so far
        cast(
            (sum(elb_langzeit) - sum(elb_langzeit_previous_year)) * 100.0
            / nullif(sum(elb_langzeit_previous_year), 0) as double
        ) as projected_year_end
    from k3_months
    group by kreis_ags, calendar_year
),

integrationen_year as (
    select
        kreis_ags,
        calendar_year,
        'integrationen' as indicator,
        cast(count(*) as integer) as months_available,
        min(period) as first_period,
        max(period) as last_period,
        string_agg(period, ',' order by period) as periods,
        cast(sum(integrationen) as double) as actual_to_date,
        cast(sum(integrationen) * 12.0 / count(*) as double) as projected_year_end
    from monthly
    group by kreis_ags, calendar_year
),

measured as (
    select * from k2_year
    union all
    select * from k3_year
    union all
    select * from integrationen_year
),

assessed as (
    select
        -- keys
        targets.kreis_ags,
        cast(targets.year as integer) as calendar_year,
        targets.indicator,
        -- the agreement
        cast(targets.target_value as double) as target_value,
        targets.unit,
        targets.better_when,
        targets.is_example,
        -- the months the values rest on
        cast(coalesce(measured.months_available, 0) as integer) as months_available,
        measured.first_period,
        measured.last_period,
        measured.periods,
        coalesce(measured.months_available, 0) = 12 as is_year_complete,
        -- values
        measured.actual_to_date,
        measured.projected_year_end,
        cast(measured.projected_year_end - targets.target_value as double) as projected_gap,
        case
            when measured.projected_year_end is null then null
            when targets.better_when = 'higher' then measured.projected_year_end >= targets.target_value
            else measured.projected_year_end <= targets.target_value
        end as is_on_track
    from targets
    inner join years_with_data on targets.year = years_with_data.calendar_year
    left join measured
        on
            targets.kreis_ags = measured.kreis_ags
            and targets.year = measured.calendar_year
            and targets.indicator = measured.indicator
),

judged as (
    select
        *,
        case
            when is_on_track is null then 'no_data'
            when is_year_complete and is_on_track then 'achieved'
            when is_year_complete then 'missed'
            when is_on_track then 'on_track'
            else 'off_track'
        end as achievement_status
    from assessed
)

select * from judged
