-- Check: the share of rejected rows among the rows a run read stays under a threshold, per
-- dataset (products, orders, order_items).
-- Parameters: 1. the run id (e.g. '20250405T000000Z-1a2b3c4d'), 2. the highest acceptable ratio
-- (e.g. 0.05).
-- Per dataset, the rows the run read are rebuilt from what it wrote, by conservation
-- (rows_read = accepted + rejected + duplicates + pending):
--   accepted: silver rows whose _silver_run_id is the run, less the earlier pending items the run
--     readmitted (they carry its id but were read by an earlier run);
--   rejected, duplicates: silver.quarantine rows of the run (run_id) with that disposition;
--   pending: quarantine rows of the run that waited for their parents, whatever became of them
--     since (pending, readmitted or expired).
-- ratio = rejected / rows_read; a dataset the run did not read (rows_read = 0) is not checked.
-- Accepted rows that a later run overwrote carry the later run's id: check right after the run.
-- Returns one row: failures = number of datasets whose ratio is above the threshold (0 when
-- healthy), the highest ratio and the rows read.
-- A failure means a drop is much dirtier than usual (a broken export, a changed format): look at
-- silver.quarantine's reasons for the run before trusting its data.
with parameters as (
    select
        cast(? as varchar) as run_id,
        cast(? as double) as max_ratio
),

datasets as (
    select dataset
    from (values ('products'), ('orders'), ('order_items')) as dataset_names (dataset)
),

silver_rows as (
    select
        'products' as dataset,
        _silver_run_id as run_id
    from silver.products

    union all

    select
        'orders' as dataset,
        _silver_run_id as run_id
    from silver.orders

    union all

    select
        'order_items' as dataset,
        _silver_run_id as run_id
    from silver.order_items
),

quarantine as (
    select
        dataset,
        disposition,
        run_id,
        resolved_run_id
    from silver.quarantine
),

accepted as (
    select
        silver_rows.dataset,
        count(*) as rows_in_silver
    from silver_rows
    inner join parameters on silver_rows.run_id = parameters.run_id
    group by silver_rows.dataset
),

readmitted as (
    select
        quarantine.dataset,
        count(*) as readmitted
    from quarantine
    inner join parameters on quarantine.resolved_run_id = parameters.run_id
    where quarantine.disposition = 'readmitted'
    group by quarantine.dataset
),

quarantined as (
    select
        quarantine.dataset,
        count_if(quarantine.disposition = 'rejected') as rejected,
        count_if(quarantine.disposition = 'duplicate') as duplicates,
        count_if(quarantine.disposition in ('pending', 'readmitted', 'expired')) as pending
    from quarantine
    inner join parameters on quarantine.run_id = parameters.run_id
    group by quarantine.dataset
),

per_dataset as (
    select
        datasets.dataset,
        coalesce(quarantined.rejected, 0) as rejected,
        coalesce(accepted.rows_in_silver, 0) - coalesce(readmitted.readmitted, 0)
        + coalesce(quarantined.rejected, 0)
        + coalesce(quarantined.duplicates, 0)
        + coalesce(quarantined.pending, 0) as rows_read
    from datasets
    left join accepted on datasets.dataset = accepted.dataset
    left join readmitted on datasets.dataset = readmitted.dataset
    left join quarantined on datasets.dataset = quarantined.dataset
),

ratios as (
    select
        per_dataset.dataset,
        per_dataset.rows_read,
        parameters.max_ratio,
        cast(per_dataset.rejected as double) / nullif(per_dataset.rows_read, 0) as rejected_ratio
    from per_dataset
    cross join parameters
),

final as (
    select
        count_if(rejected_ratio > max_ratio) as failures,
        max(rejected_ratio) as max_rejected_ratio,
        sum(rows_read) as rows_read
    from ratios
)

select
    failures,
    max_rejected_ratio,
    rows_read
from final
