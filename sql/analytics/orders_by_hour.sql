-- Question: at what hours of the day (UTC) do customers order, and how much do those orders
-- spend on average?
with orders as (
    select
        order_timestamp,
        total_amount
    from silver.orders
),

final as (
    select
        hour(order_timestamp) as order_hour,
        count(*) as orders,
        sum(total_amount) as revenue,
        round(avg(cast(total_amount as double)), 2) as avg_order_value
    from orders
    group by hour(order_timestamp)
)

select
    order_hour,
    orders,
    revenue,
    avg_order_value
from final
order by order_hour
