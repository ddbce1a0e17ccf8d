-- Check: every date of a run, from its first to its last date (both included), has orders in
-- silver and its row in gold.daily_sales.
-- Parameters: 1. the run's first date, 2. its last date (e.g. DATE '2025-04-01', DATE '2025-04-03').
-- Returns one row: failures = dates_without_orders + dates_missing_in_gold (0 when healthy), where
--   dates_without_orders: dates of the range with no row in silver.orders (that day's drop did not
--     arrive, or none of its orders was accepted);
--   dates_missing_in_gold: dates with silver orders but no gold.daily_sales row (gold did not
--     follow silver).
-- A failure means analysts would see a missing day.
with run_dates as (
    select run_days.run_date
    from unnest(sequence(?, ?, interval '1' day)) as run_days (run_date)
),

silver_dates as (
    select distinct date as order_date
    from silver.orders
),

gold_dates as (
    select date as sales_date
    from gold.daily_sales
),

checked as (
    select
        run_dates.run_date,
        silver_dates.order_date is not null as has_orders,
        gold_dates.sales_date is not null as in_gold
    from run_dates
    left join silver_dates on run_dates.run_date = silver_dates.order_date
    left join gold_dates on run_dates.run_date = gold_dates.sales_date
),

counted as (
    select
        count(*) as dates_checked,
        count_if(not has_orders) as dates_without_orders,
        count_if(has_orders and not in_gold) as dates_missing_in_gold
    from checked
),

final as (
    select
        dates_checked,
        dates_without_orders,
        dates_missing_in_gold,
        dates_without_orders + dates_missing_in_gold as failures
    from counted
)

select
    failures,
    dates_checked,
    dates_without_orders,
    dates_missing_in_gold
from final
