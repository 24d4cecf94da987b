-- One row per revision of a report (jobcenter, month, revision): every landed or accepted
-- revision with its verdict and, when accepted, its Kreis totals. Nothing is overwritten:
-- the current revision is flagged, earlier ones stay queryable.
with

revisions as (
    select * from {{ ref('int_report_revisions_unioned') }}
),

published as (
    select
        -- keys
        kreis_ags,
        period,
        revision,
        -- content and transfer
        sha256,
        fetched_at,
        content_type,
        source_revision,
        -- verdict
        verdict,
        findings_count,
        warnings_count,
        is_accepted,
        is_current,
        is_first_published,
        -- Kreis totals of an accepted revision
        {%- for col in jcw_measure_columns() %}
        {{ col }},
        {%- endfor %}
        gemeinden_count
    from revisions
)

select * from published
