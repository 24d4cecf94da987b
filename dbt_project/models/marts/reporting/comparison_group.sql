-- One row per kommunaler Jobcenter: its derived comparison group (Vergleichsgruppe). These
-- are NOT the official IAB SGB II-Vergleichstypen (not available here) but groups derived
-- from the warehouse's own structure: the kind of Kreis, the registry population and the
-- SGB II-Quote (average of the jobcenter's latest 12 reported months), split at the median
-- of its kind.
with

jobcenters as (
    select * from {{ ref('dim_jobcenter') }}
),

kennzahlen as (
    select * from {{ ref('kpi_jobcenter_month') }}
),

reported_months as (
    select
        kreis_ags,
        period,
        sgb2_quote,
        row_number() over (partition by kreis_ags order by period desc) as recency
    from kennzahlen
    where sgb2_quote is not null
),

quota as (
    select
        kreis_ags,
        cast(avg(sgb2_quote) as double) as sgb2_quote_reference,
        min(period) as reference_first_period,
        max(period) as reference_last_period
    from reported_months
    where recency <= 12
    group by kreis_ags
),

described as (
    select
        jobcenters.kreis_ags,
        jobcenters.kind,
        jobcenters.population_2018_12_31,
        quota.sgb2_quote_reference,
        quota.reference_first_period,
        quota.reference_last_period,
        case
            when jobcenters.kind = 'kreisfreie Stadt' then 'stadt'
            when jobcenters.population_2018_12_31 < 200000 then 'landkreis_klein'
            else 'landkreis_gross'
        end as structure_band
    from jobcenters
    left join quota on jobcenters.kreis_ags = quota.kreis_ags
),

medians as (
    select
        kind,
        cast(median(sgb2_quote_reference) as double) as sgb2_quote_median
    from described
    group by kind
),

grouped as (
    select
        described.*,
        medians.sgb2_quote_median,
        case
            when described.sgb2_quote_reference is null then 'unbekannt'
            when described.sgb2_quote_reference <= medians.sgb2_quote_median then 'niedrig'
            else 'hoch'
        end as sgb2_quote_band
    from described
    inner join medians on described.kind = medians.kind
),

labelled as (
    select
        kreis_ags,
        structure_band || '_' || sgb2_quote_band as comparison_group,
        case structure_band
            when 'stadt' then 'Kreisfreie Städte'
            when 'landkreis_klein' then 'Landkreise unter 200.000 Einw.'
            else 'Landkreise ab 200.000 Einw.'
        end
        || ', SGB-II-Quote '
        || case sgb2_quote_band
            when 'niedrig' then 'bis Median'
            when 'hoch' then 'über Median'
            else 'unbekannt'
        end as comparison_group_label,
        kind,
        population_2018_12_31,
        structure_band,
        sgb2_quote_band,
        sgb2_quote_reference,
        sgb2_quote_median,
        reference_first_period,
        reference_last_period
    from grouped
)

select * from labelled
