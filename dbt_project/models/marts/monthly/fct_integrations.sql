-- One row per Gemeinde per month: flows of the month, latest accepted revision.
with

latest_rows as (
    select * from {{ ref('int_reports_latest_revision') }}
),

flows as (
    select
        -- keys
        gemeinde_ags,
        period,
        kreis_ags,
        revision,
        -- ELB movements
        elb_zugaenge,
        elb_abgaenge,
        -- integrations by kind
        integrationen,
        integrationen_svb,
        integrationen_ausbildung,
        integrationen_selbstaendig,
        -- integrations of subgroups
        integrationen_frauen,
        integrationen_langzeit,
        integrationen_alleinerziehend
    from latest_rows
)

select * from flows
