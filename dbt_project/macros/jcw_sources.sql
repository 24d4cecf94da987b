{#-
    The sources (models/staging/_sources.yml): the files under JCW_DATA_DIR, read in place.
    Each source table's `columns` is its one column -> type map.
-#}

{#- The column -> type map of a source table, as [name, data_type] pairs (run time only). -#}
{% macro jcw_source_columns(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set found = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {%- for column in node.columns.values() -%}
                {%- do found.append([column.name, column.data_type]) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not found -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " has no columns in _sources.yml") }}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#-
    A source relation whose external_location lists the months of JCW_BUILD_PERIODS: its one
    path with the directory @PERIOD@ becomes one path per month (`*` for every month), and
    @COLUMNS@ becomes the read_json column list of the table's column map (without the
    `filename` the reader adds itself). @DATA_DIR@ becomes JCW_DATA_DIR with each single
    quote doubled (it sits inside a SQL string literal). Expanded at run time, so the parsed
    sources never change with the months or the data directory.
-#}
{% macro jcw_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) | string -%}
    {%- if not execute or "@PERIOD@" not in relation -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set data_dir = env_var("JCW_DATA_DIR", "../data") | replace("'", "''") -%}
    {%- if "@COLUMNS@" in relation -%}
        {%- set fields = [] -%}
        {%- for name, type in jcw_source_columns(source_name, table_name) if name != "filename" -%}
            {%- do fields.append("'" ~ name ~ "': '" ~ type ~ "'") -%}
        {%- endfor -%}
        {%- set relation = relation.replace("@COLUMNS@", "{" ~ fields | join(", ") ~ "}") -%}
    {%- endif -%}
    {%- set before, after = relation.split("@PERIOD@") -%}
    {%- set prefix = before.split("'")[-1] -%}
    {%- set suffix = after.split("'")[0] -%}
    {%- set expanded = before ~ (jcw_periods() or ["*"]) | join(suffix ~ "', '" ~ prefix) ~ after -%}
    {{ return(expanded.replace("@DATA_DIR@", data_dir)) }}
{%- endmacro %}

{#-
    Every row of a source table with the types of its column map: the files as read, united
    by name with zero typed rows, so a table without any file yet still has every column.
-#}
{% macro jcw_typed_source(source_name, table_name) -%}
    select * from {{ jcw_source(source_name, table_name) }}
    union all by name
    select
        {%- for name, type in jcw_source_columns(source_name, table_name) %}
        cast(null as {{ type }}) as "{{ name }}"{{ "," if not loop.last }}
        {%- endfor %}
    where false
{%- endmacro %}
