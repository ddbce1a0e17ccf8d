-- Check: primary keys are unique in silver (products.product_id, orders.order_id,
-- order_items.id).
-- Parameters: none.
-- Returns one row: failures = number of key values held by more than one row, over the three
-- tables (0 when healthy), and that number per table.
-- A failure means a dedup or MERGE bug published the same key twice: every aggregate over that
-- table double counts.
with products as (
    select product_id as primary_key
    from silver.products
),

orders as (
    select order_id as primary_key
    from silver.orders
),

order_items as (
    select id as primary_key
    from silver.order_items
),

duplicate_keys as (
    select
        'products' as dataset,
        primary_key
    from products
    group by primary_key
    having count(*) > 1

    union all

    select
        'orders' as dataset,
        primary_key
    from orders
    group by primary_key
    having count(*) > 1

    union all

    select
        'order_items' as dataset,
        primary_key
    from order_items
    group by primary_key
    having count(*) > 1
),

final as (
    select
        count(*) as failures,
        count_if(dataset = 'products') as duplicate_products,
        count_if(dataset = 'orders') as duplicate_orders,
        count_if(dataset = 'order_items') as duplicate_order_items
    from duplicate_keys
)

select
    failures,
    duplicate_products,
    duplicate_orders,
    duplicate_order_items
from final
