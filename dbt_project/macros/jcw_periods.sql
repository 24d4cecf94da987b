{#-
    Incremental builds by period. The environment variable JCW_BUILD_PERIODS lists the
    reporting months whose files changed, comma-separated; empty means "everything" (full
    build). A changed month t moves the rolling § 48a windows of t .. t+12, so KPI models
    rebuild those months too. An env var, not a var: dbt re-parses only the files that use a
    changed env var, while any changed --vars value re-parses the whole project.
-#}

{% macro jcw_periods() -%}
    {#- Read at run time only: an env var read while parsing would make dbt re-parse every
        model using this macro whenever the months change. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- do jcw_no_var("periods", "JCW_BUILD_PERIODS") -%}
    {%- set raw = env_var("JCW_BUILD_PERIODS", "") | trim -%}
    {%- set periods = raw.split(",") if raw else [] -%}
    {%- for p in periods -%}
        {%- if not modules.re.fullmatch("[0-9]{4}-(0[1-9]|1[0-2])", p) -%}
            {{ exceptions.raise_compiler_error("JCW_BUILD_PERIODS: '" ~ p ~ "' is not a month YYYY-MM") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(periods | unique | sort | list) }}
{%- endmacro %}

{#- The former vars periods and as_of are environment variables now: refuse them loudly. -#}
{% macro jcw_no_var(name, env_name) -%}
    {%- if var(name, none) is not none -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " is not read any more: set the environment variable " ~ env_name) }}
    {%- endif -%}
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

{#- The German calendar day of a timestamptz expression (deadlines are German days). -#}
{% macro jcw_berlin_day(moment) -%}
    cast(timezone('Europe/Berlin', {{ moment }}) as date)
{%- endmacro %}

{#- The day the reports of a 'YYYY-MM' expression are due: var due_day of the month after. -#}
{% macro jcw_due_date(period) -%}
    cast({{ jcw_month_start(period) }} + interval 1 month + interval ({{ var("due_day") }} - 1) day as date)
{%- endmacro %}

{#- The reference date of the build (env var JCW_BUILD_AS_OF); SQL expression of type date. -#}
{% macro jcw_as_of(latest_period_expr) -%}
    {%- do jcw_no_var("as_of", "JCW_BUILD_AS_OF") -%}
    {%- set as_of = (env_var("JCW_BUILD_AS_OF", "") | trim) if execute else "" -%}
    {%- if as_of -%}
        {%- if not modules.re.match("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", as_of) -%}
            {{ exceptions.raise_compiler_error("JCW_BUILD_AS_OF: '" ~ as_of ~ "' is not a date YYYY-MM-DD") }}
        {%- endif -%}
        date '{{ as_of }}'
    {%- else -%}
        {{ jcw_due_date(latest_period_expr) }}
    {%- endif -%}
{%- endmacro %}
