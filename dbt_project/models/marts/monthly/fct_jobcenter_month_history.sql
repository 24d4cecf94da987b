-- One row per jobcenter per month with an accepted report: every figure as first
-- published (first accepted revision) beside its current value (latest accepted revision).
with

accepted as (
    select * from {{ ref('int_report_revisions_regrained') }}
),

first_published as (
    select * from accepted
    where is_first_published
),

current_revisions as (
    select * from accepted
    where is_current
),

compared as (
    select
        -- keys
        current_revisions.kreis_ags,
        current_revisions.period,
        -- revisions
        first_published.revision as first_published_revision,
        current_revisions.revision as current_revision,
        first_published.fetched_at as first_published_at,
        current_revisions.fetched_at as current_published_at,
        -- figures: as first published, then current
        {%- for col in jcw_measure_columns() %}
        first_published.{{ col }} as first_published_{{ col }},
        current_revisions.{{ col }} as current_{{ col }},
        {%- endfor %}
        current_revisions.revision <> first_published.revision as is_corrected
    from current_revisions
    inner join first_published
        on
            current_revisions.kreis_ags = first_published.kreis_ags
            and current_revisions.period = first_published.period
)

select * from compared
