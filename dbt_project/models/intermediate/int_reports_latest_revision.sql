-- The rows of the latest accepted revision of each report (jobcenter, month): the current
-- figures. Earlier accepted revisions stay in stg_accepted__report_rows.
with

report_rows as (
    select * from {{ ref('stg_accepted__report_rows') }}
),

latest_rows as (
    select
        -- keys
        kreis_ags,
        gemeinde_ags,
        gemeinde_name,
        period,
        revision,
        -- measures
        {%- for col in jcw_measure_columns() %}
        {{ col }},
        {%- endfor %}
        -- lineage
        sha256,
        fetched_at,
        source_file
    from report_rows
    qualify revision = max(revision) over (partition by kreis_ags, period)
)

select * from latest_rows
