-- Question: how did revenue change from one day to the next? Each date is compared with the
-- calendar day before it; the change is null when that day had no sales.
with daily_sales as (
    select
        date,
        orders,
        revenue
    from gold.daily_sales
),

with_previous as (
    select
        date,
        orders,
        revenue,
        lag(date) over (order by date) as previous_date,
        lag(revenue) over (order by date) as previous_revenue
    from daily_sales
),

final as (
    select
        date,
        orders,
        revenue,
        case when date_diff('day', previous_date, date) = 1 then previous_revenue end as previous_revenue
    from with_previous
)

select
    date,
    orders,
    revenue,
    previous_revenue,
    revenue - previous_revenue as revenue_change,
    round(cast(revenue - previous_revenue as double) / cast(previous_revenue as double) * 100, 2)
        as revenue_change_pct
from final
order by date
