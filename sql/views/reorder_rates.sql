-- gold.reorder_rates: per ISO week (starting Monday) and department: items, items that were
-- reorders, the reorder rate and the department's rank by reorder rate within the week (1 = most
-- reordered). Reorders are rebuilt from gold's daily rates (rounded to 4 places), so the count is
-- exact while a department sells fewer than 10,000 items a week.
create or replace view gold.reorder_rates as
with department_daily_sales as (
    select
        department,
        items,
        reorder_rate,
        date_trunc('week', date) as week_start
    from gold.department_daily_sales
),

weekly as (
    select
        week_start,
        department,
        cast(round(sum(items * reorder_rate)) as bigint) as reordered_items,
        sum(items) as items
    from department_daily_sales
    group by week_start, department
),

final as (
    select
        week_start,
        department,
        items,
        reordered_items,
        round(cast(reordered_items as double) / items, 4) as reorder_rate
    from weekly
)

select
    week_start,
    department,
    items,
    reordered_items,
    reorder_rate,
    rank() over (partition by week_start order by reorder_rate desc) as rank_in_week
from final
