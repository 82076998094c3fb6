-- db-scheduler's table (its PostgreSQL schema, with priorities)
create table if not exists scheduled_tasks (
  task_name text not null,
  task_instance text not null,
  task_data bytea,
  execution_time timestamp with time zone not null,
  picked boolean not null,
  picked_by text,
  last_success timestamp with time zone,
  last_failure timestamp with time zone,
  consecutive_failures int,
  last_heartbeat timestamp with time zone,
  version bigint not null,
  priority smallint,
  primary key (task_name, task_instance)
);
create index if not exists execution_time_idx on scheduled_tasks (execution_time);
create index if not exists last_heartbeat_idx on scheduled_tasks (last_heartbeat);
create index if not exists priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc);

-- one night of one plan; enqueued once (the primary key makes a second enqueue a no-op)
create table if not exists night (
  id text primary key,
  plan_name text not null,
  night date not null,
  plan_file text,
  budget_seconds bigint not null,
  deadline timestamp with time zone not null,
  created_at timestamp with time zone not null default now()
);

-- one cell = host x kernel x scenario x repeat; its result is written only by the holder of the host's lease
create table if not exists cell (
  night_id text not null references night(id),
  cell_key text not null,
  lab text not null,
  host text not null,
  kernel text not null,
  build text not null,
  scenario text not null,
  repeat int not null,
  seq int not null,
  state text not null default 'PENDING',
  verdict text,
  reason text,
  report text,
  attempts int not null default 0,
  holder text,
  lease_token bigint,
  started_at timestamp with time zone,
  ended_at timestamp with time zone,
  primary key (night_id, cell_key)
);

-- every attempt at a cell, including the INTERRUPTED ones of a dead orchestrator
create table if not exists attempt (
  id bigserial primary key,
  night_id text not null,
  cell_key text not null,
  holder text not null,
  lease_token bigint not null,
  state text not null,
  verdict text,
  reason text,
  report text,
  started_at timestamp with time zone not null default now(),
  ended_at timestamp with time zone
);

-- who holds a host now; the token grows with every grant (the fencing token)
create sequence if not exists lease_token_seq;
create table if not exists host_lease (
  host text primary key,
  holder text not null,
  kind text not null,
  token bigint not null,
  acquired_at timestamp with time zone not null,
  expires_at timestamp with time zone not null
);

-- who waits for a host; a waiter that stops polling drops out
create table if not exists lease_request (
  id bigserial primary key,
  host text not null,
  holder text not null,
  kind text not null,
  requested_at timestamp with time zone not null default now(),
  last_seen timestamp with time zone not null default now()
);
create index if not exists lease_request_host_idx on lease_request (host);

create table if not exists host_health (
  host text primary key,
  healthy boolean not null,
  reason text,
  since timestamp with time zone not null default now(),
  checked_at timestamp with time zone
);

-- every judged or failed run: nightly cells, on-demand repro runs, bisection trials
create table if not exists run_history (
  id bigserial primary key,
  source text not null,
  night_id text,
  host text not null,
  kernel text,
  build text,
  scenario text,
  verdict text not null,
  reason text,
  report text,
  at timestamp with time zone not null default now()
);
create index if not exists run_history_cell_idx on run_history (host, kernel, scenario, at);

-- which database this is, the same for every orchestrator connected to it: a host's claim carries it with the
-- lease's fencing token, and tokens compare only within one database
create table if not exists database_identity (
  one boolean primary key default true check (one),
  id text not null
);
insert into database_identity (id) values (md5(random()::text || clock_timestamp()::text)) on conflict do nothing
;

-- the orchestrators' own condition (a full reports disk): an unhealthy one takes no host; its hosts stay healthy
create table if not exists orchestrator_health (
  name text primary key,
  healthy boolean not null,
  reason text,
  since timestamp with time zone not null default now()
);

-- a FAIL's diagnosis (where the panic path stopped) in a column of its own; before, it rode in the reason after
-- " - ": rows written then are split once (FAIL reasons themselves never hold " - ")
alter table cell add column if not exists diagnosis text;
alter table attempt add column if not exists diagnosis text;
alter table run_history add column if not exists diagnosis text;
update cell set diagnosis = substr(reason, strpos(reason, ' - ') + 3), reason = substr(reason, 1, strpos(reason, ' - ') - 1)
  where verdict = 'FAIL' and diagnosis is null and strpos(reason, ' - ') > 0;
update attempt set diagnosis = substr(reason, strpos(reason, ' - ') + 3), reason = substr(reason, 1, strpos(reason, ' - ') - 1)
  where verdict = 'FAIL' and diagnosis is null and strpos(reason, ' - ') > 0;
update run_history set diagnosis = substr(reason, strpos(reason, ' - ') + 3), reason = substr(reason, 1, strpos(reason, ' - ') - 1)
  where verdict = 'FAIL' and diagnosis is null and strpos(reason, ' - ') > 0;
-- the run the lease is for now (the web view's live run: its current step and console tail)
alter table host_lease add column if not exists run_id text;
alter table host_lease add column if not exists run_dir text;
