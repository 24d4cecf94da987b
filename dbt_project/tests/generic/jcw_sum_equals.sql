{% test jcw_sum_equals(model, total, parts) %}
-- Accounting identity within a row: `total` equals the sum of `parts` (e.g. integrationen =
-- svb + ausbildung + selbstaendig). Rows where the total is NULL carry no figures.
select *
from {{ model }}
where
    {{ total }} is not null
    and {{ total }} <> {% for part in parts %}coalesce({{ part }}, 0){{ " + " if not loop.last }}{% endfor %}
{% endtest %}
