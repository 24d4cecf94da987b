with

source as (
    select * from {{ jcw_source('accepted', 'report_rows') }}
),

-- zero typed rows: gives the columns when no file exists yet
typed_empty as (
    select
        cast(null as varchar) as kreis_ags,
        cast(null as varchar) as gemeinde_ags,
        cast(null as varchar) as gemeinde_name,
        cast(null as varchar) as period,
        {%- for col in jcw_count_columns() %}
        cast(null as bigint) as {{ col }},
        {%- endfor %}
        {%- for col in jcw_money_columns() %}
        cast(null as decimal(15, 2)) as {{ col }},
        {%- endfor %}
        cast(null as integer) as revision,
        cast(null as varchar) as sha256,
        cast(null as timestamp) as fetched_at,
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
        cast(gemeinde_ags as varchar) as gemeinde_ags,
        cast(gemeinde_name as varchar) as gemeinde_name,
        cast(period as varchar) as period,
        cast(revision as integer) as revision,
        -- measures
        {%- for col in jcw_count_columns() %}
        cast({{ col }} as bigint) as {{ col }},
        {%- endfor %}
        {%- for col in jcw_money_columns() %}
        cast({{ col }} as decimal(15, 2)) as {{ col }},
        {%- endfor %}
        -- lineage
        cast(sha256 as varchar) as sha256,
        cast(cast(fetched_at as timestamptz) as timestamp) as fetched_at,
        cast(filename as varchar) as source_file
    from unioned
)

select * from renamed
