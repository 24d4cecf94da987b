-- Every registered jobcenter is in exactly one state in each month of the national report.
with

counts as (
    select * from {{ ref('report_national_month') }}
),

registry as (
    select cast(count(*) as integer) as jobcenters from {{ ref('dim_jobcenter') }}
),

broken as (
    select counts.*
    from counts
    cross join registry
    where
        counts.jobcenters_accepted + counts.jobcenters_correction_rejected
        + counts.jobcenters_rejected + counts.jobcenters_received + counts.jobcenters_missing
        != registry.jobcenters
)

select * from broken
