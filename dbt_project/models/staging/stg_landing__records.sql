with

source as (
    select * from {{ jcw_source('landing', 'records') }}
),

-- zero typed rows: gives the columns when no file exists yet
typed_empty as (
    select
        cast(null as varchar) as kreis_ags,
        cast(null as varchar) as period,
        cast(null as integer) as revision,
        cast(null as varchar) as sha256,
        cast(null as bigint) as size,
        cast(null as varchar) as content_type,
        cast(null as varchar) as fetched_at,
        cast(null as integer) as http_status,
        cast(null as varchar) as etag,
        cast(null as varchar) as last_modified,
        cast(null as integer) as source_revision,
        cast(null as varchar) as url,
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
        -- transfer
        cast(size as bigint) as size_bytes,
        cast(content_type as varchar) as content_type,
        cast(cast(fetched_at as timestamptz) as timestamp) as fetched_at,
        cast(http_status as integer) as http_status,
        cast(etag as varchar) as etag,
        cast(source_revision as integer) as source_revision,
        cast(url as varchar) as url,
        -- lineage
        cast(filename as varchar) as source_file
    from unioned
)

select * from renamed
