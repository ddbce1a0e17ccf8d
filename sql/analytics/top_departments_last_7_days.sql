-- Question: which departments sold the most items over the last 7 days of data (the latest date
-- in gold and the 6 days before it), and what share of those days' items did each take?
with department_daily_sales as (
    select
        date,
        department,
        items,
        orders
    from gold.department_daily_sales
),

latest as (
    select max(date) as last_date
    from department_daily_sales
),

last_7_days as (
    select
        department_daily_sales.department,
        department_daily_sales.items,
        department_daily_sales.orders
    from department_daily_sales
    cross join latest
    where department_daily_sales.date > date_add('day', -7, latest.last_date)
),

per_department as (
    select
        department,
        sum(items) as items,
        sum(orders) as orders_with_department
    from last_7_days
    group by department
),

final as (
    select
        department,
        items,
        orders_with_department,
        rank() over (order by items desc) as department_rank,
        round(cast(items as double) / sum(items) over (), 4) as share_of_items
    from per_department
)

select
    department_rank,
    department,
    items,
    orders_with_department,
    share_of_items
from final
order by department_rank, department
