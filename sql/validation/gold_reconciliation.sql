-- Check: gold.daily_sales agrees with silver, date by date: orders, revenue and customers equal
-- silver.orders' count, sum(total_amount) and distinct user_id of that date, and items equals
-- the number of silver.order_items of that date (0 when none); gold has a row exactly for the
-- dates present in silver.orders.
-- Parameters: none.
-- Returns one row: failures = number of dates where gold and silver disagree or that only one
-- of them has (0 when healthy), and the number of dates compared.
-- A failure means gold missed a silver change (or was written by a bug): dashboards show numbers
-- that the detail tables do not add up to.
with orders as (
    select
        date,
        user_id,
        total_amount
    from silver.orders
),

order_items as (
    select date
    from silver.order_items
),

daily_sales as (
    select
        date,
        orders,
        revenue,
        customers,
        items
    from gold.daily_sales
),

silver_orders as (
    select
        date,
        count(*) as orders,
        sum(total_amount) as revenue,
        count(distinct user_id) as customers
    from orders
    group by date
),

silver_items as (
    select
        date,
        count(*) as items
    from order_items
    group by date
),

silver_days as (
    select
        silver_orders.date,
        silver_orders.orders,
        silver_orders.revenue,
        silver_orders.customers,
        coalesce(silver_items.items, 0) as items
    from silver_orders
    left join silver_items on silver_orders.date = silver_items.date
),

compared as (
    select
        coalesce(silver_days.date, daily_sales.date) as sales_date,
        silver_days.date is null
        or daily_sales.date is null
        or silver_days.orders <> daily_sales.orders
        or silver_days.revenue <> daily_sales.revenue
        or silver_days.customers <> daily_sales.customers
        or silver_days.items <> daily_sales.items as mismatch
    from silver_days
    full outer join daily_sales on silver_days.date = daily_sales.date
),

final as (
    select
        count_if(mismatch) as failures,
        count(*) as dates_compared
    from compared
)

select
    failures,
    dates_compared
from final
