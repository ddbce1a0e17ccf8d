-- Check: referential integrity of silver.order_items: every item's order is in silver.orders,
-- its product in silver.products, and its user_id equals its order's user_id.
-- Parameters: none.
-- Returns one row: failures = number of items breaking at least one of these rules (0 when
-- healthy), and the count per rule (an item without its order has no user to compare).
-- A failure means an orphan or mismatched item reached silver instead of the quarantine
-- (pending or USER_MISMATCH): gold would count items of unknown orders or products.
with order_items as (
    select
        id,
        order_id,
        user_id,
        product_id
    from silver.order_items
),

orders as (
    select
        order_id,
        user_id
    from silver.orders
),

products as (
    select product_id
    from silver.products
),

checked as (
    select
        order_items.id,
        orders.order_id is null as missing_order,
        products.product_id is null as missing_product,
        coalesce(orders.user_id <> order_items.user_id, false) as user_mismatch
    from order_items
    left join orders on order_items.order_id = orders.order_id
    left join products on order_items.product_id = products.product_id
),

final as (
    select
        count_if(missing_order or missing_product or user_mismatch) as failures,
        count_if(missing_order) as missing_orders,
        count_if(missing_product) as missing_products,
        count_if(user_mismatch) as user_mismatches
    from checked
)

select
    failures,
    missing_orders,
    missing_products,
    user_mismatches
from final
