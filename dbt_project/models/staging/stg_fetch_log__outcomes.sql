with

source as (
    {{ jcw_typed_source('fetch_log', 'outcomes') }}
),

renamed as (
    select
        -- keys: the file name fetch_log/<period>/<kreis_ags>.json when the body omits them
        coalesce(kreis_ags, regexp_extract(filename, '/([0-9]{5})\.json$', 1)) as kreis_ags,
        coalesce(
            period, regexp_extract(filename, '/([0-9]{4}-[0-9]{2})/[0-9]{5}\.json$', 1)
        ) as period,
        -- last outcome
        outcome,
        kind as failure_kind,
        reason,
        -- "at" must stay quoted: it is a keyword in DuckDB
        cast(cast("at" as timestamptz) as timestamp) as outcome_at,  -- noqa: RF06
        -- lineage
        filename as source_file
    from source
)

select * from renamed
