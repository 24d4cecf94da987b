-- One row per jobcenter per month with data elsewhere, where the jobcenter has no accepted
-- report but had one in the 12 months before: an estimate of its figures, so national and
-- Land totals can say what the whole would be (flagged, never mixed into reported sums).
--
-- Method (docs/glossary.md, "Schätzung"): the jobcenter's own latest accepted month s before
-- t, moved by the change from s to t of the jobcenters that reported in both months:
--   estimate_j(t) = value_j(s) * sum_k value_k(t) / sum_k value_k(s),  k reporting in s and t.
{%- set measures = jcw_headline_columns() %}
with

jobcenter_months as (
    select * from {{ ref('fct_jobcenter_month') }}
),

expected as (
    select * from {{ ref('int_jobcenter_months_expected') }}
),

reports as (
    select
        kreis_ags,
        period,
        {%- for col in measures %}
        {{ col }},
        {%- endfor %}
        {{ jcw_month_index('period') }} as month_index
    from jobcenter_months
),

months_with_data as (
    select distinct
        period,
        month_index
    from reports
),

missing as (
    select
        expected.kreis_ags,
        expected.period,
        months_with_data.month_index
    from expected
    inner join months_with_data on expected.period = months_with_data.period
    anti join reports
        on expected.kreis_ags = reports.kreis_ags and expected.period = reports.period
),

based as (
    select
        missing.kreis_ags,
        missing.period,
        missing.month_index,
        max(reports.month_index) as basis_index
    from missing
    inner join reports
        on
            missing.kreis_ags = reports.kreis_ags
            and reports.month_index between missing.month_index - 12 and missing.month_index - 1
    group by missing.kreis_ags, missing.period, missing.month_index
),

month_pairs as (
    select distinct
        basis_index,
        month_index
    from based
),

ratios as (
    select
        month_pairs.basis_index,
        month_pairs.month_index,
        {%- for col in measures %}
        sum(current_month.{{ col }}) / nullif(sum(basis_month.{{ col }}), 0) as {{ col }}_ratio,
        {%- endfor %}
        cast(count(*) as integer) as jobcenters_compared
    from month_pairs
    inner join reports as basis_month on month_pairs.basis_index = basis_month.month_index
    inner join reports as current_month
        on
            month_pairs.month_index = current_month.month_index
            and basis_month.kreis_ags = current_month.kreis_ags
    group by month_pairs.basis_index, month_pairs.month_index
),

estimated as (
    select
        -- keys
        based.kreis_ags,
        based.period,
        -- basis
        basis.period as basis_period,
        -- estimates
        {%- for col in measures %}
        cast(round(basis.{{ col }} * ratios.{{ col }}_ratio) as bigint) as {{ col }}_estimated,
        {%- endfor %}
        ratios.jobcenters_compared
    from based
    inner join reports as basis
        on based.kreis_ags = basis.kreis_ags and based.basis_index = basis.month_index
    inner join ratios
        on based.basis_index = ratios.basis_index and based.month_index = ratios.month_index
)

select * from estimated
