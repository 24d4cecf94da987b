with

source as (
    select * from {{ jcw_source('validation', 'verdicts') }}
),

-- zero typed rows: gives the columns when no file exists yet
typed_empty as (
    select
        cast(null as varchar) as kreis_ags,
        cast(null as varchar) as period,
        cast(null as integer) as revision,
        cast(null as varchar) as sha256,
        cast(null as varchar) as verdict,
        cast(null as varchar) as suite,
        cast(null as json) as findings,
        cast(null as json) as warnings,
        cast(null as varchar) as filename
    where false
),

unioned as (
    select * from source
    union all by name
    select * from typed_empty
),

renamed as (
    select
        -- keys
        cast(kreis_ags as varchar) as kreis_ags,
        cast(period as varchar) as period,
        cast(revision as integer) as revision,
        cast(sha256 as varchar) as sha256,
        -- verdict
        cast(verdict as varchar) as verdict,
        cast(suite as varchar) as suite,
        cast(coalesce(json_array_length(findings), 0) as integer) as findings_count,
        cast(coalesce(json_array_length(warnings), 0) as integer) as warnings_count,
        cast(findings as json) as findings,
        cast(warnings as json) as warnings,
        -- lineage
        cast(filename as varchar) as source_file
    from unioned
)

select * from renamed
