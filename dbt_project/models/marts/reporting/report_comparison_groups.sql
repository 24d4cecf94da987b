-- One row per derived comparison group: its label, how many jobcenters it has and the
-- median SGB II-Quote that splits its kind.
with

groups as (
    select * from {{ ref('comparison_group') }}
),

summarised as (
    select
        comparison_group,
        any_value(comparison_group_label) as comparison_group_label,
        cast(count(*) as integer) as members,
        min(sgb2_quote_median) as sgb2_quote_median
    from groups
    group by comparison_group
)

select * from summarised
