{% test jcw_unique_combination(model, columns) %}
-- Rows whose combination of `columns` (the grain) occurs more than once.
select
    {{ columns | join(", ") }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(", ") }}
having count(*) > 1
{% endtest %}
