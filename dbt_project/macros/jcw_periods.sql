{#-
    Incremental builds by period. The var `periods` lists the reporting months whose files
    changed; an empty list means "everything" (full build). A changed month t moves the
    rolling § 48a windows of t .. t+12, so KPI models rebuild those months too.
-#}

{% macro jcw_periods() -%}
    {%- set periods = var("periods", []) or [] -%}
    {%- if periods is string -%}
        {%- set periods = periods.split(",") -%}
    {%- endif -%}
    {%- for p in periods -%}
        {%- if not modules.re.match("^[0-9]{4}-(0[1-9]|1[0-2])$", p | string) -%}
            {{ exceptions.raise_compiler_error("var periods: '" ~ p ~ "' is not a month YYYY-MM") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(periods | map("string") | unique | sort | list) }}
{%- endmacro %}

{% macro jcw_shift_period(period, months) -%}
    {%- set idx = (period[0:4] | int) * 12 + (period[5:7] | int) - 1 + months -%}
    {{ return("%04d-%02d" | format(idx // 12, idx % 12 + 1)) }}
{%- endmacro %}

{#- The months whose KPIs a change in `periods` can move: each changed month and the 12 after. -#}
{% macro jcw_kpi_periods() -%}
    {%- set out = [] -%}
    {%- for p in jcw_periods() -%}
        {%- for k in range(13) -%}
            {%- do out.append(jcw_shift_period(p, k)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(out | unique | sort | list) }}
{%- endmacro %}

{#- True when this model run only replaces some periods of an existing table. -#}
{% macro jcw_is_partial() -%}
    {{ return(is_incremental() and (jcw_periods() | length) > 0) }}
{%- endmacro %}

{#- SQL list literal of periods: ('2026-09', '2026-10'). -#}
{% macro jcw_period_list(periods) -%}
    ({%- for p in periods -%}'{{ p }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}

{#- Month number since year 0 of a 'YYYY-MM' expression: consecutive months differ by 1. -#}
{% macro jcw_month_index(period) -%}
    (cast(left({{ period }}, 4) as integer) * 12 + cast(right({{ period }}, 2) as integer) - 1)
{%- endmacro %}

{#- 'YYYY-MM' of a month index. -#}
{% macro jcw_period_of_index(idx) -%}
    (lpad(cast(({{ idx }}) // 12 as varchar), 4, '0') || '-' || lpad(cast(({{ idx }}) % 12 + 1 as varchar), 2, '0'))
{%- endmacro %}

{#- First day of a 'YYYY-MM' expression. -#}
{% macro jcw_month_start(period) -%}
    cast({{ period }} || '-01' as date)
{%- endmacro %}

{#- The reference date of the build (var as_of); SQL expression of type date. -#}
{% macro jcw_as_of(latest_period_expr) -%}
    {%- set as_of = var("as_of", "") -%}
    {%- if as_of -%}
        {%- if not modules.re.match("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", as_of | string) -%}
            {{ exceptions.raise_compiler_error("var as_of: '" ~ as_of ~ "' is not a date YYYY-MM-DD") }}
        {%- endif -%}
        date '{{ as_of }}'
    {%- else -%}
        cast({{ jcw_month_start(latest_period_expr) }} + interval 1 month + interval ({{ var("due_day") }} - 1) day as date)
    {%- endif -%}
{%- endmacro %}
