{#- The measures of submission contract v1 (ingest/core/contract.py), grouped as the marts use them. -#}

{% macro jcw_stock_columns() -%}
    {{ return([
        "einwohner", "einwohner_bis_rag", "bedarfsgemeinschaften", "elb", "nef",
        "elb_frauen", "elb_unter_25", "elb_ab_55", "elb_alleinerziehend", "elb_langzeit",
        "elb_arbeitslos",
    ]) }}
{%- endmacro %}

{% macro jcw_flow_columns() -%}
    {{ return([
        "elb_zugaenge", "elb_abgaenge", "integrationen", "integrationen_svb",
        "integrationen_ausbildung", "integrationen_selbstaendig", "integrationen_frauen",
        "integrationen_langzeit", "integrationen_alleinerziehend",
    ]) }}
{%- endmacro %}

{% macro jcw_count_columns() -%}
    {{ return(jcw_stock_columns() + jcw_flow_columns()) }}
{%- endmacro %}

{% macro jcw_money_columns() -%}
    {{ return(["leistungen_lebensunterhalt_eur", "leistungen_unterkunft_eur"]) }}
{%- endmacro %}

{% macro jcw_measure_columns() -%}
    {{ return(jcw_count_columns() + jcw_money_columns()) }}
{%- endmacro %}

{#- The headline totals of the national report: shown as like-with-like changes and
    estimated for missing jobcenters (int_jobcenter_month_estimates). -#}
{% macro jcw_headline_columns() -%}
    {{ return(["personen", "bedarfsgemeinschaften", "elb", "integrationen", "einwohner"]) }}
{%- endmacro %}
