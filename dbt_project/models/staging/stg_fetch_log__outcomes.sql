with

source as (
    select * from {{ jcw_source('fetch_log', 'outcomes') }}
),

-- zero typed rows: gives the columns when no file exists yet
typed_empty as (
    select
        cast(null as varchar) as kreis_ags,
        cast(null as varchar) as period,
        cast(null as varchar) as outcome,
        cast(null as varchar) as kind,
        cast(null as varchar) as reason,
        -- "at" must stay quoted: it is a keyword in DuckDB
        cast(null as varchar) as "at",  -- noqa: RF04, RF06
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
        -- keys: the file name fetch_log/<period>/<kreis_ags>.json when the body omits them
        cast(coalesce(
            kreis_ags, regexp_extract(filename, '/([0-9]{5})\.json$', 1)
        ) as varchar) as kreis_ags,
        cast(coalesce(
            period, regexp_extract(filename, '/([0-9]{4}-[0-9]{2})/[0-9]{5}\.json$', 1)
        ) as varchar) as period,
        -- last outcome
        cast(outcome as varchar) as outcome,
        cast(kind as varchar) as failure_kind,
        cast(reason as varchar) as reason,
        cast(cast("at" as timestamptz) as timestamp) as outcome_at,  -- noqa: RF06
        -- lineage
        cast(filename as varchar) as source_file
    from unioned
)

select * from renamed
