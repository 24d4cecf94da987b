-- One row per jobcenter per month with an accepted report: Kreis totals of the latest
-- accepted revision.
with

revisions as (
    select * from {{ ref('int_report_revisions_regrained') }}
),

jobcenters as (
    select * from {{ ref('jobcenters') }}
),

current_totals as (
    select
        -- keys
        revisions.kreis_ags,
        revisions.period,
        jobcenters.land,
        -- lineage
        revisions.revision,
        revisions.sha256,
        revisions.fetched_at,
        revisions.gemeinden_count,
        -- population covered
        revisions.einwohner,
        revisions.einwohner_bis_rag,
        -- stock
        revisions.bedarfsgemeinschaften,
        cast(revisions.elb + revisions.nef as bigint) as personen,
        {%- for col in jcw_stock_columns()[3:] %}
        revisions.{{ col }},
        {%- endfor %}
        -- flows
        {%- for col in jcw_flow_columns() %}
        revisions.{{ col }},
        {%- endfor %}
        -- benefits
        revisions.leistungen_lebensunterhalt_eur,
        revisions.leistungen_unterkunft_eur
    from revisions
    left join jobcenters on revisions.kreis_ags = jobcenters.kreis_ags
    where revisions.is_current
)

select * from current_totals
