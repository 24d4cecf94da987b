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
        -- never a credential: no userinfo, query values redacted (also in records landed
        -- before ingest.collect redacted them)
        regexp_replace(
            regexp_replace(url, '://[^/?#@]*@', '://'),
            '([?&][^=&#]*)=[^&#]*',
            '\1=REDACTED',
            'g'
        ) as url,
        -- lineage
        filename as source_file
    from source
)

select * from renamed
