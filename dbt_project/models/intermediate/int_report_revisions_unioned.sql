-- One row per revision of a report (jobcenter, month, revision) that any stage wrote a file
-- for: landed (landing record), validated (verdict) or accepted (canonical rows), with what
-- each stage knows of it.
with

landed as (
    select * from {{ ref('stg_landing__records') }}
),

verdicts as (
    select * from {{ ref('stg_validation__verdicts') }}
),

accepted as (
    select * from {{ ref('int_report_revisions_regrained') }}
),

revisions as (
    select
        kreis_ags,
        period,
        revision
    from landed
    union
    select
        kreis_ags,
        period,
        revision
    from verdicts
    union
    select
        kreis_ags,
        period,
        revision
    from accepted
),

joined as (
    select
        -- keys
        revisions.kreis_ags,
        revisions.period,
        cast(revisions.revision as integer) as revision,
        -- content and transfer
        coalesce(landed.sha256, verdicts.sha256, accepted.sha256) as sha256,
        landed.fetched_at as landed_at,
        accepted.fetched_at as accepted_fetched_at,
        coalesce(landed.fetched_at, accepted.fetched_at) as fetched_at,
        -- when revision 1 of the report was published, as this revision's fetch tells
        coalesce(
            landed.first_published_on,
            {{ jcw_berlin_day('cast(accepted.fetched_at as timestamptz)') }}
        ) as first_published_on,
        landed.content_type,
        landed.source_revision,
        -- verdict
        coalesce(verdicts.verdict, case when accepted.revision is not null then 'accepted' end)
            as verdict,
        cast(coalesce(verdicts.findings_count, 0) as integer) as findings_count,
        cast(coalesce(verdicts.warnings_count, 0) as integer) as warnings_count,
        accepted.revision is not null as is_accepted,
        coalesce(accepted.is_current, false) as is_current,
        coalesce(accepted.is_first_published, false) as is_first_published,
        -- Kreis totals of an accepted revision
        {%- for col in jcw_measure_columns() %}
        accepted.{{ col }},
        {%- endfor %}
        accepted.gemeinden_count
    from revisions
    left join landed
        on
            revisions.kreis_ags = landed.kreis_ags
            and revisions.period = landed.period
            and revisions.revision = landed.revision
    left join verdicts
        on
            revisions.kreis_ags = verdicts.kreis_ags
            and revisions.period = verdicts.period
            and revisions.revision = verdicts.revision
    left join accepted
        on
            revisions.kreis_ags = accepted.kreis_ags
            and revisions.period = accepted.period
            and revisions.revision = accepted.revision
)

select * from joined
