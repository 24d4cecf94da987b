-- One row per Gemeinde per month: stock measures of the latest accepted revision.
with

latest_rows as (
    select * from {{ ref('int_reports_latest_revision') }}
),

caseload as (
    select
        -- keys
        gemeinde_ags,
        period,
        kreis_ags,
        gemeinde_name,
        revision,
        -- population covered
        einwohner,
        einwohner_bis_rag,
        -- stock
        bedarfsgemeinschaften,
        cast(elb + nef as bigint) as personen,
        elb,
        nef,
        elb_frauen,
        elb_unter_25,
        elb_ab_55,
        elb_alleinerziehend,
        elb_langzeit,
        elb_arbeitslos,
        -- benefits paid for the month
        leistungen_lebensunterhalt_eur,
        leistungen_unterkunft_eur
    from latest_rows
)

select * from caseload
