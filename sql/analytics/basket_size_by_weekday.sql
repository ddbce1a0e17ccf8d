-- Question: how many items does an order hold on average, per day of the week (ISO: 1 = Monday)?
-- Orders without any item in silver (all their items rejected or pending) are left out.
with orders as (
    select
        order_id,
        date
    from silver.orders
),

order_items as (
    select order_id
    from silver.order_items
),

baskets as (
    select
        orders.order_id,
        orders.date,
        count(*) as items
    from orders
    inner join order_items on orders.order_id = order_items.order_id
    group by orders.order_id, orders.date
),

final as (
    select
        day_of_week(date) as iso_weekday,
        date_format(date, '%W') as weekday_name,
        count(*) as orders,
        sum(items) as items,
        round(avg(cast(items as double)), 2) as avg_items_per_order
    from baskets
    group by day_of_week(date), date_format(date, '%W')
)

select
    iso_weekday,
    weekday_name,
    orders,
    items,
    avg_items_per_order
from final
order by iso_weekday
