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
        -- when revision 1 was published, as far as this fetch tells (ingest.core.timeliness);
        -- records written before it was recorded: the German day the pipeline fetched it
        cast(cast(first_published_at as timestamptz) as timestamp) as first_published_at,
        coalesce(
            cast(first_published_on as date),
            {{ jcw_berlin_day('cast(fetched_at as timestamptz)') }}
        ) as first_published_on,
        coalesce(first_published_from, 'first_seen') as first_published_from,
        -- lineage
        filename as source_file
    from source
)

select * from renamed
