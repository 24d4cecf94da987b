-- One row per Gemeinde that appears in any current report; its name as last reported.
with

caseload as (
    select * from {{ ref('fct_caseload') }}
),

described as (
    select
        gemeinde_ags,
        arg_max(gemeinde_name, period) as gemeinde_name,
        arg_max(kreis_ags, period) as kreis_ags,
        min(period) as first_period,
        max(period) as last_period,
        cast(count(*) as integer) as months_reported
    from caseload
    group by gemeinde_ags
)

select * from described
