-- One row per kommunaler Jobcenter (zugelassener kommunaler Träger), from the registry seed.
with

jobcenters as (
    select * from {{ ref('jobcenters') }}
),

lands as (
    select * from {{ ref('lands') }}
),

described as (
    select
        jobcenters.kreis_ags,
        jobcenters.name,
        jobcenters.kind,
        jobcenters.land,
        lands.land_ags,
        lands.land_name,
        cast(jobcenters.population_2018_12_31 as bigint) as population_2018_12_31
    from jobcenters
    left join lands on jobcenters.land = lands.land
)

select * from described
