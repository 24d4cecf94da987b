-- The exception of the monthly folder: a partial build also rewrites the missing reports
-- of other months (whether they are overdue moves with the reference date).
{{ config(unique_key=['kreis_ags', 'period']) }}

-- One row per registered jobcenter per month, from the first to the latest month with any
-- file: where the report stands (missing / received / rejected / correction_rejected /
-- accepted, as ingest.status.reconcile) and whether it came on time (ingest.core.timeliness:
-- the first revision's publication against the due date, the 10th of the following month).
with

revisions as (
    select * from {{ ref('int_report_revisions_unioned') }}
),

fetch_log as (
    select * from {{ ref('stg_fetch_log__outcomes') }}
),

expected as (
    select * from {{ ref('int_jobcenter_months_expected') }}
),

{%- if jcw_is_partial() %}

previous as (
    select * from {{ this }}
),
{%- endif %}

file_months as (
    select period from revisions
    union
    select period from fetch_log
    {%- if jcw_is_partial() %}
    union
    select period from previous
    {%- endif %}
),

bounds as (
    select
        min(period) as first_period,
        max(period) as last_period
    from file_months
),

grid as (
    select
        expected.kreis_ags,
        expected.period,
        bounds.last_period
    from expected
    inner join bounds on expected.period between bounds.first_period and bounds.last_period
    {%- if jcw_is_partial() %}
    left join previous
        on expected.kreis_ags = previous.kreis_ags and expected.period = previous.period
    -- months whose files changed, and months new to the table
    where
        expected.period in {{ jcw_period_list(jcw_periods()) }}
        or previous.period is null
    {%- endif %}
),

per_report as (
    select
        kreis_ags,
        period,
        cast(count(*) as integer) as revision_count,
        max(revision) as latest_revision,
        -- the first time any revision arrived (landed, or accepted rows of it)
        min(least(landed_at, accepted_fetched_at)) as first_received_at,
        -- the first publication (ingest.core.timeliness): the earliest over the revisions
        min(first_published_on) as first_published_on
    from revisions
    group by kreis_ags, period
),

current_accepted as (
    select
        kreis_ags,
        period,
        revision as current_revision,
        warnings_count as current_warnings_count
    from revisions
    where is_current
),

assessed as (
    select
        grid.kreis_ags,
        grid.period,
        grid.last_period,
        coalesce(per_report.revision_count, 0) as revision_count,
        per_report.latest_revision,
        current_accepted.current_revision,
        per_report.first_received_at,
        per_report.first_published_on,
        case
            when per_report.latest_revision is null then 'missing'
            when per_report.latest_revision = current_accepted.current_revision then 'accepted'
            when latest_verdict.verdict = 'accepted' then 'accepted'
            when
                latest_verdict.verdict = 'rejected' and current_accepted.current_revision is not null
                then 'correction_rejected'
            when latest_verdict.verdict = 'rejected' then 'rejected'
            else 'received'
        end as status,
        case
            when latest_verdict.verdict = 'rejected' then latest_verdict.findings_count
            else 0
        end as open_findings_count,
        coalesce(current_accepted.current_warnings_count, 0) as open_warnings_count,
        fetch_log.outcome as last_fetch_outcome,
        case
            when fetch_log.outcome not in ('landed', 'unchanged') then fetch_log.failure_kind
        end as last_fetch_failure_kind,
        fetch_log.outcome_at as last_fetch_at
    from grid
    left join per_report
        on grid.kreis_ags = per_report.kreis_ags and grid.period = per_report.period
    left join current_accepted
        on grid.kreis_ags = current_accepted.kreis_ags and grid.period = current_accepted.period
    left join revisions as latest_verdict
        on
            per_report.kreis_ags = latest_verdict.kreis_ags
            and per_report.period = latest_verdict.period
            and per_report.latest_revision = latest_verdict.revision
    left join fetch_log
        on grid.kreis_ags = fetch_log.kreis_ags and grid.period = fetch_log.period
),
{%- if jcw_is_partial() %}

-- missing reports of the other months: their files did not change, only whether they are
-- overdue moves with as_of, so they keep everything else
carried as (
    select
        previous.kreis_ags,
        previous.period,
        bounds.last_period,
        previous.revision_count,
        previous.latest_revision,
        previous.current_revision,
        previous.first_received_at,
        previous.first_published_on,
        previous.status,
        previous.open_findings_count,
        previous.open_warnings_count,
        previous.last_fetch_outcome,
        previous.last_fetch_failure_kind,
        previous.last_fetch_at
    from previous
    cross join bounds
    where
        previous.status = 'missing'
        and previous.period not in {{ jcw_period_list(jcw_periods()) }}
),
{%- endif %}

all_assessed as (
    select * from assessed
    {%- if jcw_is_partial() %}
    union all by name
    select * from carried
    {%- endif %}
),

timed as (
    select
        -- keys
        kreis_ags,
        period,
        -- state
        status,
        revision_count,
        cast(latest_revision as integer) as latest_revision,
        cast(current_revision as integer) as current_revision,
        cast(open_findings_count as integer) as open_findings_count,
        cast(open_warnings_count as integer) as open_warnings_count,
        -- deadline
        {{ jcw_due_date('period') }} as due_date,
        first_received_at,
        first_published_on,
        {{ jcw_as_of('last_period') }} as as_of,
        -- last fetch attempt
        last_fetch_outcome,
        last_fetch_failure_kind,
        last_fetch_at
    from all_assessed
),

judged as (
    select
        kreis_ags,
        period,
        status,
        -- ingest.core.timeliness: the first publication against the due date
        case
            when first_published_on is null and as_of > due_date then 'overdue'
            when first_published_on is null then 'not_due'
            when first_published_on <= due_date then 'on_time'
            else 'late'
        end as timeliness,
        first_published_on <= due_date as is_on_time,
        due_date,
        first_published_on,
        first_received_at,
        revision_count,
        latest_revision,
        current_revision,
        open_findings_count,
        open_warnings_count,
        last_fetch_outcome,
        last_fetch_failure_kind,
        last_fetch_at
    from timed
)

select * from judged
