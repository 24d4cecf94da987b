-- One row per month: what the national report says beside the national totals. The change
-- against the previous month over only the jobcenters that reported in both months (like
-- with like), and how many reports are in each state, how many came late.
with

jobcenter_months as (
    select * from {{ ref('fct_jobcenter_month') }}
),

statuses as (
    select * from {{ ref('submission_status') }}
),

national as (
    select period from {{ ref('national_month') }}
),

both_months as (
    select
        current_month.period,
        {%- for col in jcw_headline_columns() %}
        sum(current_month.{{ col }}) as {{ col }},
        sum(previous_month.{{ col }}) as {{ col }}_previous,
        {%- endfor %}
        cast(count(*) as integer) as jobcenters_in_both
    from jobcenter_months as current_month
    inner join jobcenter_months as previous_month
        on
            current_month.kreis_ags = previous_month.kreis_ags
            and {{ jcw_month_index('previous_month.period') }}
            = {{ jcw_month_index('current_month.period') }} - 1
    group by current_month.period
),

state_counts as (
    select
        period,
        cast(count(*) filter (where status = 'accepted') as integer) as jobcenters_accepted,
        cast(count(*) filter (where status = 'correction_rejected') as integer)
            as jobcenters_correction_rejected,
        cast(count(*) filter (where status = 'rejected') as integer) as jobcenters_rejected,
        cast(count(*) filter (where status = 'received') as integer) as jobcenters_received,
        cast(count(*) filter (where status = 'missing') as integer) as jobcenters_missing,
        cast(count(*) filter (where timeliness = 'late') as integer) as jobcenters_late
    from statuses
    group by period
),

described as (
    select
        national.period,
        -- change against the previous month, jobcenters reporting in both months only
        {%- for col in jcw_headline_columns() %}
        cast(
            (both_months.{{ col }} - both_months.{{ col }}_previous) * 100.0
            / nullif(both_months.{{ col }}_previous, 0)
            as double
        ) as {{ col }}_change_same_pct,
        {%- endfor %}
        -- reports by state
        coalesce(state_counts.jobcenters_accepted, 0) as jobcenters_accepted,
        coalesce(state_counts.jobcenters_correction_rejected, 0)
            as jobcenters_correction_rejected,
        coalesce(state_counts.jobcenters_rejected, 0) as jobcenters_rejected,
        coalesce(state_counts.jobcenters_received, 0) as jobcenters_received,
        coalesce(state_counts.jobcenters_missing, 0) as jobcenters_missing,
        coalesce(state_counts.jobcenters_late, 0) as jobcenters_late
    from national
    left join both_months on national.period = both_months.period
    left join state_counts on national.period = state_counts.period
)

select * from described
