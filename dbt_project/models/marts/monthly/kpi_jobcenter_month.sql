{%- set kpi_periods = jcw_kpi_periods() %}

-- One row per jobcenter per month (expected grid from the first to the latest month with
-- data): the § 48a SGB II Kennzahlen and the components they are computed from.
-- Windows are ranges of month numbers, so a missing month is absent from its window and
-- the Kennzahl is NULL (never an average of fewer months).
with

jobcenter_months as (
    select * from {{ ref('fct_jobcenter_month') }}
),

expected as (
    select * from {{ ref('int_jobcenter_months_expected') }}
),

covered_months as (
    select
        min(period) as first_period,
        max(period) as last_period
    from jobcenter_months
),

covered_grid as (
    select expected.*
    from expected
    inner join covered_months
        on expected.period between covered_months.first_period and covered_months.last_period
),

-- the months this run writes: all, or (partial build) the changed months with the 12 after
-- each, plus months new to the table (a month without any report inside the range)
build_months as (
    select distinct
        period,
        month_index
    from covered_grid
    {%- if jcw_is_partial() %}
    where
        period in {{ jcw_period_list(kpi_periods) }}
        or period not in (select existing.period from {{ this }} as existing)
    {%- endif %}
),

-- the windows of the first month written reach 13 months back
grid as (
    select covered_grid.*
    from covered_grid
    where
        covered_grid.month_index
        between (select min(build_months.month_index) - 13 from build_months)
        and (select max(build_months.month_index) from build_months)
),

monthly as (
    select
        grid.kreis_ags,
        grid.period,
        grid.month_index,
        jobcenter_months.kreis_ags is not null as has_report,
        jobcenter_months.einwohner_bis_rag,
        jobcenter_months.personen,
        jobcenter_months.elb,
        jobcenter_months.elb_alleinerziehend,
        jobcenter_months.elb_langzeit,
        jobcenter_months.integrationen,
        jobcenter_months.integrationen_alleinerziehend,
        jobcenter_months.integrationen_langzeit,
        jobcenter_months.leistungen_lebensunterhalt_eur,
        jobcenter_months.leistungen_unterkunft_eur
    from grid
    left join jobcenter_months
        on grid.kreis_ags = jobcenter_months.kreis_ags and grid.period = jobcenter_months.period
),

windowed as (
    select
        *,
        -- same month of the previous year (t-12)
        max(leistungen_lebensunterhalt_eur) over prior_year as leistungen_lebensunterhalt_eur_vorjahr,
        max(leistungen_unterkunft_eur) over prior_year as leistungen_unterkunft_eur_vorjahr,
        max(elb) over prior_year as elb_vorjahr,
        max(elb_langzeit) over prior_year as elb_langzeit_vorjahr,
        -- integrations of months t-11 .. t
        cast(count(integrationen) over flow_window as integer) as flow_window_months,
        cast(sum(integrationen) over flow_window as bigint) as integrationen_12m,
        cast(sum(integrationen_alleinerziehend) over flow_window as bigint)
            as integrationen_alleinerziehend_12m,
        cast(sum(integrationen_langzeit) over flow_window as bigint) as integrationen_langzeit_12m,
        -- ELB stock of months t-12 .. t-1
        cast(count(elb) over stock_window as integer) as stock_window_months,
        cast(sum(elb) over stock_window as bigint) as elb_sum_12m,
        cast(sum(elb_alleinerziehend) over stock_window as bigint) as elb_alleinerziehend_sum_12m,
        cast(sum(elb_langzeit) over stock_window as bigint) as elb_langzeit_sum_12m
    from monthly
    window
        prior_year as (
            partition by kreis_ags order by month_index
            range between 12 preceding and 12 preceding
        ),
        flow_window as (
            partition by kreis_ags order by month_index
            range between 11 preceding and current row
        ),
        stock_window as (
            partition by kreis_ags order by month_index
            range between 12 preceding and 1 preceding
        )
),

complete_windows as (
    select
        *,
        flow_window_months = 12 and stock_window_months = 12 as is_window_complete
    from windowed
),

kennzahlen as (
    select
        -- keys
        kreis_ags,
        period,
        has_report,
        -- K1, K1E1, K1E2, K3: change against the same month of the previous year, in %
        -- (Zähler / Nenner - 1) * 100, written as (Z - N) * 100 / N
        cast(
            (leistungen_lebensunterhalt_eur - leistungen_lebensunterhalt_eur_vorjahr) * 100.0
            / nullif(leistungen_lebensunterhalt_eur_vorjahr, 0) as double
        ) as k1,
        cast(
            (leistungen_unterkunft_eur - leistungen_unterkunft_eur_vorjahr) * 100.0
            / nullif(leistungen_unterkunft_eur_vorjahr, 0) as double
        ) as k1e1,
        cast((elb - elb_vorjahr) * 100.0 / nullif(elb_vorjahr, 0) as double) as k1e2,
        -- K2, K2E4, K3E1: integrations t-11..t over average stock t-12..t-1, in %
        cast(case when is_window_complete then
                integrationen_12m * 1200.0 / nullif(elb_sum_12m, 0)
        end as double) as k2,
        cast(case when is_window_complete then
                integrationen_alleinerziehend_12m * 1200.0 / nullif(elb_alleinerziehend_sum_12m, 0)
        end as double) as k2e4,
        cast(
            (elb_langzeit - elb_langzeit_vorjahr) * 100.0
            / nullif(elb_langzeit_vorjahr, 0) as double
        ) as k3,
        cast(case when is_window_complete then
                integrationen_langzeit_12m * 1200.0 / nullif(elb_langzeit_sum_12m, 0)
        end as double) as k3e1,
        -- quotas of the month, in %
        cast(personen * 100.0 / nullif(einwohner_bis_rag, 0) as double) as sgb2_quote,
        cast(elb * 100.0 / nullif(einwohner_bis_rag, 0) as double) as elb_quote,
        -- window bookkeeping
        flow_window_months,
        stock_window_months,
        is_window_complete,
        elb_vorjahr is not null as has_prior_year,
        -- components (for aggregation from counts in land_month / national_month)
        leistungen_lebensunterhalt_eur,
        leistungen_lebensunterhalt_eur_vorjahr,
        leistungen_unterkunft_eur,
        leistungen_unterkunft_eur_vorjahr,
        elb,
        elb_vorjahr,
        elb_langzeit,
        elb_langzeit_vorjahr,
        personen,
        einwohner_bis_rag,
        integrationen_12m,
        integrationen_alleinerziehend_12m,
        integrationen_langzeit_12m,
        elb_sum_12m,
        elb_alleinerziehend_sum_12m,
        elb_langzeit_sum_12m
    from complete_windows
    where period in (select build_months.period from build_months)
)

select * from kennzahlen
