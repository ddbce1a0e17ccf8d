-- Question: which customers ordered more than once, how much did they spend, and over how many
-- days? The 20 with the most orders (then the highest spend).
with orders as (
    select
        user_id,
        order_id,
        date,
        total_amount
    from silver.orders
),

per_customer as (
    select
        user_id,
        count(*) as orders,
        sum(total_amount) as revenue,
        min(date) as first_order_date,
        max(date) as last_order_date
    from orders
    group by user_id
),

final as (
    select
        user_id,
        orders,
        revenue,
        first_order_date,
        last_order_date,
        date_diff('day', first_order_date, last_order_date) as days_between_first_and_last
    from per_customer
    where orders > 1
)

select
    user_id,
    orders,
    revenue,
    first_order_date,
    last_order_date,
    days_between_first_and_last
from final
order by orders desc, revenue desc, user_id asc
limit 20
