with

source as (
    {{ jcw_typed_source('validation', 'verdicts') }}
),

renamed as (
    select
        -- keys
        kreis_ags,
        period,
        revision,
        sha256,
        -- verdict
        verdict,
        suite,
        cast(coalesce(json_array_length(findings), 0) as integer) as findings_count,
        cast(coalesce(json_array_length(warnings), 0) as integer) as warnings_count,
        findings,
        warnings,
        -- lineage
        filename as source_file
    from source
)

select * from renamed
