-- gold.department_trends: per calendar date (from the first to the last date in
-- gold.department_daily_sales, days without sales included as 0) and department: its items, the
-- items of the 7 days ending that date (fewer at the start of the data) and their daily average,
-- and its share of that date's items over all departments (null on a date without items).
create or replace view gold.department_trends as
with department_daily_sales as (
    select
        date,
        department,
        items
    from gold.department_daily_sales
),

bounds as (
    select
        min(date) as first_date,
        max(date) as last_date
    from department_daily_sales
),

calendar as (
    select calendar_days.calendar_date
    from bounds
    cross join
        unnest(sequence(bounds.first_date, bounds.last_date, interval '1' day))
            as calendar_days (calendar_date)
),

departments as (
    select distinct department
    from department_daily_sales
),

dense as (
    select
        calendar.calendar_date,
        departments.department,
        coalesce(department_daily_sales.items, 0) as items
    from calendar
    cross join departments
    left join department_daily_sales
        on
            calendar.calendar_date = department_daily_sales.date
            and departments.department = department_daily_sales.department
),

windowed as (
    select
        calendar_date,
        department,
        items,
        sum(items) over (partition by calendar_date) as date_items,
        sum(items) over (
            partition by department order by calendar_date rows between 6 preceding and current row
        ) as items_7d,
        count(*) over (
            partition by department order by calendar_date rows between 6 preceding and current row
        ) as days_7d
    from dense
),

final as (
    select
        calendar_date as date,
        department,
        items,
        items_7d,
        round(cast(items_7d as double) / days_7d, 2) as avg_daily_items_7d,
        round(cast(items as double) / nullif(date_items, 0), 4) as share_of_items
    from windowed
)

select
    date,
    department,
    items,
    items_7d,
    avg_daily_items_7d,
    share_of_items
from final
