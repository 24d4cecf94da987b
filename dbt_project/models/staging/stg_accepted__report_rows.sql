with

source as (
    {{ jcw_typed_source('accepted', 'report_rows') }}
),

renamed as (
    select
        -- keys
        kreis_ags,
        gemeinde_ags,
        gemeinde_name,
        period,
        revision,
        -- measures
        {%- for col in jcw_measure_columns() %}
        {{ col }},
        {%- endfor %}
        -- lineage
        sha256,
        cast(fetched_at as timestamp) as fetched_at,
        filename as source_file
    from source
)

select * from renamed
