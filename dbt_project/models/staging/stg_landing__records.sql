with

source as (
    {{ jcw_typed_source('landing', 'records') }}
),

renamed as (
    select
        -- keys
        kreis_ags,
        period,
        revision,
        sha256,
        -- transfer
        size as size_bytes,
        content_type,
        cast(cast(fetched_at as timestamptz) as timestamp) as fetched_at,
        http_status,
        etag,
        source_revision,
        url,
        -- lineage
        filename as source_file
    from source
)

select * from renamed
