-- gold.weekly_sales: one row per ISO week (starting Monday) with sales: the days with sales,
-- orders, revenue and items summed from gold.daily_sales, and the week's average order value
-- and items per order. Customers are not summed: a customer can order on several days.
create or replace view gold.weekly_sales as
with daily_sales as (
    select
        date,
        orders,
        revenue,
        items
    from gold.daily_sales
),

final as (
    select
        date_trunc('week', date) as week_start,
        count(*) as days_with_sales,
        sum(orders) as orders,
        sum(revenue) as revenue,
        sum(items) as items,
        round(cast(sum(revenue) as double) / sum(orders), 2) as avg_order_value,
        round(cast(sum(items) as double) / sum(orders), 2) as items_per_order
    from daily_sales
    group by date_trunc('week', date)
)

select
    week_start,
    days_with_sales,
    orders,
    revenue,
    items,
    avg_order_value,
    items_per_order
from final
