#!/usr/bin/env python3
"""Writes grafana/dashboards/beekeeper.json, the Beekeeper overview dashboard.

The dashboard is generated so that every panel follows the same conventions (datasource
variable, instance/bee/funcname filters, units); edit this script, not the JSON, then run
    python3 scripts/gen-grafana-dashboard.py
The integration tests check the JSON is what this script writes, and run every query against a
real Prometheus scraping a real sidecar.
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job", instance=~"$instance"'
BEE = SEL + ', bee=~"$bee"'
FN = BEE + ', funcname=~"$funcname"'

panels = []
next_id = [1]
cursor = {"x": 0, "y": 0, "row_h": 0}


def place(w, h):
    if cursor["x"] + w > 24:
        cursor["x"] = 0
        cursor["y"] += cursor["row_h"]
        cursor["row_h"] = 0
    pos = {"x": cursor["x"], "y": cursor["y"], "w": w, "h": h}
    cursor["x"] += w
    cursor["row_h"] = max(cursor["row_h"], h)
    return pos


def row(title):
    if cursor["x"] != 0:
        cursor["y"] += cursor["row_h"]
    cursor["x"], cursor["row_h"] = 0, 0
    panels.append({"id": next_id[0], "type": "row", "title": title, "collapsed": False,
                   "gridPos": {"x": 0, "y": cursor["y"], "w": 24, "h": 1}, "panels": []})
    next_id[0] += 1
    cursor["y"] += 1


def target(expr, legend, ref, instant=False):
    t = {"refId": ref, "datasource": DS, "expr": expr, "legendFormat": legend}
    if instant:
        t.update({"instant": True, "range": False, "format": "time_series"})
    return t


def panel(kind, title, description, exprs, unit="short", w=8, h=8, instant=False, extra=None, thresholds=None):
    p = {
        "id": next_id[0], "type": kind, "title": title, "description": description, "datasource": DS,
        "gridPos": place(w, h),
        "targets": [target(e, l, chr(65 + i), instant) for i, (e, l) in enumerate(exprs)],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
    }
    if thresholds:
        p["fieldConfig"]["defaults"]["thresholds"] = {"mode": "absolute", "steps": thresholds}
        p["fieldConfig"]["defaults"]["color"] = {"mode": "thresholds"}
    if kind == "timeseries":
        p["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}
    if kind == "stat":
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "background", "graphMode": "none", "textMode": "auto"}
    if extra:
        p.update(extra)
    next_id[0] += 1
    panels.append(p)


GREEN, RED, ORANGE = "green", "red", "orange"

row("Overview")
panel("stat", "Sidecars up", "Scrape targets answering (up == 1) out of those selected.",
      [(f'sum(up{{{SEL}}})', "up")], w=4, h=4, instant=True,
      thresholds=[{"color": RED, "value": None}, {"color": GREEN, "value": 1}])
panel("stat", "Bees with a live worker", "beekeeper_bee_up summed; /readyz is 503 when any bee is down.",
      [(f'sum(beekeeper_bee_up{{{BEE}}})', "up")], w=4, h=4, instant=True)
panel("stat", "Tasks / s (5m)", "Executed and refused tasks per second, all outcomes, over 5 minutes: the recording rule beekeeper:tasks:rate5m.",
      [(f'sum(beekeeper:tasks:rate5m{{{FN}}})', "tasks/s")], unit="reqps", w=4, h=4, instant=True)
panel("stat", "Error ratio (5m)", "(failed + timed_out) / executed over 5 minutes, from the recording rule beekeeper:tasks:rate5m (beekeeper:task_errors:ratio_rate5m per funcname).",
      [(f'sum(beekeeper:tasks:rate5m{{{FN}, outcome=~"failed|timed_out"}}) / sum(beekeeper:tasks:rate5m{{{FN}, outcome=~"succeeded|failed|timed_out"}})', "errors")],
      unit="percentunit", w=4, h=4, instant=True,
      thresholds=[{"color": GREEN, "value": None}, {"color": ORANGE, "value": 0.01}, {"color": RED, "value": 0.05}])
panel("stat", "Shipper backlog", "Sealed audit segments not yet acknowledged by the collector.",
      [(f'sum(beekeeper_shipper_backlog_segments{{{SEL}}})', "segments")], w=4, h=4, instant=True,
      thresholds=[{"color": GREEN, "value": None}, {"color": ORANGE, "value": 2}, {"color": RED, "value": 6}])
panel("stat", "Oldest last backup", "Age of the oldest database's last verified backup.",
      [(f'time() - min(beekeeper_backup_last_success_timestamp_seconds{{{SEL}}} > 0)', "age")], unit="s", w=4, h=4, instant=True,
      thresholds=[{"color": GREEN, "value": None}, {"color": ORANGE, "value": 86400}, {"color": RED, "value": 93600}])

row("Tasks")
panel("timeseries", "Tasks by outcome", "beekeeper:tasks:rate5m (the recording rule): succeeded, failed, timed_out (ran); blocked (Guardian), rejected (queue full, audit down).",
      [(f'sum by (outcome) (beekeeper:tasks:rate5m{{{FN}}})', "{{outcome}}")], unit="reqps")
panel("timeseries", "Latency quantiles (rolling window)", "The sidecar's own window (metrics.window) per bee and funcname: exact to 1%, not aggregatable across sidecars.",
      [(f'max by (bee, funcname, quantile) (beekeeper_task_latency_seconds{{{FN}}})', "{{bee}}/{{funcname}} p{{quantile}}")], unit="s")
panel("timeseries", "Latency from the histogram (5m)", "p50 and p99 over 5 minutes from beekeeper_task_duration_seconds buckets (recording rules beekeeper:task_duration_seconds:p50_5m and p99_5m), the slowest selected sidecar.",
      [(f'max by (bee, funcname) (beekeeper:task_duration_seconds:p50_5m{{{FN}}})', "{{bee}}/{{funcname}} p50"),
       (f'max by (bee, funcname) (beekeeper:task_duration_seconds:p99_5m{{{FN}}})', "{{bee}}/{{funcname}} p99")], unit="s")
panel("timeseries", "Throughput (rolling window)", "beekeeper_task_throughput_per_second: executed tasks per second over the window.",
      [(f'sum by (bee, funcname) (beekeeper_task_throughput_per_second{{{FN}}})', "{{bee}}/{{funcname}}")], unit="reqps")
panel("timeseries", "Error ratio (rolling window)", "beekeeper_task_error_ratio: (failed + timed_out) / executed over the window.",
      [(f'max by (bee, funcname) (beekeeper_task_error_ratio{{{FN}}})', "{{bee}}/{{funcname}}")], unit="percentunit")
panel("timeseries", "Error ratio (5m)", "beekeeper:task_errors:ratio_rate5m (the recording rule the error-ratio alert reads): (failed + timed_out) / executed over 5 minutes, the worst selected sidecar.",
      [(f'max by (bee, funcname) (beekeeper:task_errors:ratio_rate5m{{{FN}}})', "{{bee}}/{{funcname}}")], unit="percentunit")
panel("timeseries", "In flight", "Tasks executing or queued, per bee.",
      [(f'sum by (bee) (beekeeper_tasks_in_flight{{{BEE}}})', "{{bee}}")])
panel("timeseries", "Bee workers up", "1 while the bee has a live worker.",
      [(f'min by (bee) (beekeeper_bee_up{{{BEE}}})', "{{bee}}")], extra={"fieldConfig": {"defaults": {"unit": "short", "min": 0, "max": 1}, "overrides": []}})
panel("timeseries", "Bee restarts", "Worker restarts (crash, exit, misbehaviour) in each interval.",
      [(f'sum by (bee) (increase(beekeeper_bee_restarts_total{{{BEE}}}[$__rate_interval]))', "{{bee}}")])

row("Guardian")
panel("timeseries", "Decisions", "Approved and blocked tasks per second (also /v1/guardian/check).",
      [(f'sum by (decision) (rate(beekeeper_guardian_decisions_total{{{SEL}}}[$__rate_interval]))', "{{decision}}")], unit="reqps")
panel("timeseries", "Blocks by reason (5m)", "beekeeper:guardian_blocks:rate5m (the recording rule): pattern:<id>, rule:<field>:<check>, payload_too_large, arg_too_large, too_deep, unknown_funcname.",
      [(f'sum by (reason) (beekeeper:guardian_blocks:rate5m{{{SEL}}})', "{{reason}}")], unit="reqps")
panel("bargauge", "Decisions since the data directory was created", "Persisted counts: they survive restarts and crashes exactly (equal to the audit log's records).",
      [(f'sum by (decision, reason) (beekeeper_guardian_decisions_total{{{SEL}}})', "{{decision}} {{reason}}")], instant=True,
      extra={"options": {"orientation": "horizontal", "displayMode": "basic",
                         "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}})

row("Audit log")
panel("timeseries", "Records by type", "Audit records made durable per second.",
      [(f'sum by (type) (rate(beekeeper_audit_records_total{{{SEL}}}[$__rate_interval]))', "{{type}}")], unit="ops")
panel("timeseries", "fsync latency", "fdatasync of the live segment; every acknowledged task waits for one (shared by a group commit).",
      [(f'histogram_quantile(0.5, sum by (le) (rate(beekeeper_audit_fsync_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))', "p50"),
       (f'max(beekeeper:audit_fsync_seconds:p99_5m{{{SEL}}})', "p99 (5m, slowest sidecar)")], unit="s")
panel("timeseries", "Last seq and write errors", "The chain's position, and failed writes (with fail_closed, work is refused while they last).",
      [(f'max by (instance) (beekeeper_audit_last_seq{{{SEL}}})', "{{instance}} last seq"),
       (f'sum by (instance) (increase(beekeeper_audit_write_errors_total{{{SEL}}}[$__rate_interval]))', "{{instance}} write errors")])

row("Shipping and backups")
panel("timeseries", "Shipper backlog", "Sealed segments and bytes waiting for the collector.",
      [(f'sum by (instance) (beekeeper_shipper_backlog_segments{{{SEL}}})', "{{instance}} segments"),
       (f'sum by (instance) (beekeeper_shipper_backlog_bytes{{{SEL}}})', "{{instance}} bytes")],
      extra={"fieldConfig": {"defaults": {"unit": "short"}, "overrides": [
          {"matcher": {"id": "byRegexp", "options": ".*bytes"}, "properties": [{"id": "unit", "value": "bytes"}, {"id": "custom.axisPlacement", "value": "right"}]}]}})
panel("timeseries", "Shipments", "Segments acknowledged (shipped) and attempts that failed (retried with backoff).",
      [(f'sum by (result) (increase(beekeeper_shipper_segments_total{{{SEL}}}[$__rate_interval]))', "{{result}}")])
panel("timeseries", "Since last shipment", "Seconds since the collector last acknowledged a segment (only meaningful while there is a backlog).",
      [(f'time() - max by (instance) (beekeeper_shipper_last_success_timestamp_seconds{{{SEL}}} > 0)', "{{instance}}")], unit="s")
panel("table", "Backups", "Per database: age of the last verified backup, its duration and compressed size.",
      [(f'time() - max by (instance, database) (beekeeper_backup_last_success_timestamp_seconds{{{SEL}}} > 0)', ""),
       (f'max by (instance, database) (beekeeper_backup_last_duration_seconds{{{SEL}}})', ""),
       (f'max by (instance, database) (beekeeper_backup_last_size_bytes{{{SEL}}})', "")],
      w=16, instant=True,
      extra={"transformations": [{"id": "merge", "options": {}},
                                 {"id": "organize", "options": {"excludeByName": {"Time": True},
                                                                "renameByName": {"Value #A": "age", "Value #B": "duration", "Value #C": "size"}}}],
             "fieldConfig": {"defaults": {"unit": "short"}, "overrides": [
                 {"matcher": {"id": "byName", "options": "age"}, "properties": [{"id": "unit", "value": "s"}]},
                 {"matcher": {"id": "byName", "options": "duration"}, "properties": [{"id": "unit", "value": "s"}]},
                 {"matcher": {"id": "byName", "options": "size"}, "properties": [{"id": "unit", "value": "bytes"}]}]}})
panel("timeseries", "Backup runs", "Runs by database and result.",
      [(f'sum by (database, result) (increase(beekeeper_backup_runs_total{{{SEL}}}[$__rate_interval]))', "{{database}} {{result}}")])

row("HTTP and process")
panel("timeseries", "HTTP requests", "By handler and status code.",
      [(f'sum by (handler, code) (rate(beekeeper_http_requests_total{{{SEL}}}[$__rate_interval]))', "{{handler}} {{code}}")], unit="reqps")
panel("timeseries", "CPU", "Seconds of CPU per second (1 = one core).",
      [(f'rate(process_cpu_seconds_total{{{SEL}}}[$__rate_interval])', "{{instance}}")], unit="short")
panel("timeseries", "Memory and descriptors", "Resident memory, open file descriptors, and what replay protection holds: task ids kept 24 h for idempotent replay and nonces kept 2 x clock_skew in memory, and the idempotency journal's files on disk. RSS that grows with the ids and nonces is expected (about 70 bytes an id, 40 a nonce); RSS that grows without them is not. The journal holds at most about two days of outcomes: growth past that means its rotation is failing (the log says why).",
      [(f'process_resident_memory_bytes{{{SEL}}}', "{{instance}} RSS"), (f'process_open_fds{{{SEL}}}', "{{instance}} fds"),
       (f'beekeeper_idempotency_ids{{{SEL}}}', "{{instance}} idempotency ids"), (f'beekeeper_auth_nonces{{{SEL}}}', "{{instance}} nonces"),
       (f'beekeeper_idempotency_journal_bytes{{{SEL}}}', "{{instance}} idempotency journal")],
      extra={"fieldConfig": {"defaults": {"unit": "short"}, "overrides": [
          {"matcher": {"id": "byRegexp", "options": ".*(RSS|journal)"}, "properties": [{"id": "unit", "value": "bytes"}]}]}})

# ColonyOS executor mode (SPEC section 11): only sidecars with a `colonies` section have these series.
# Rates come from the recording rules in prometheus/rules (5 minute windows), so this row needs a
# Prometheus that loads them.
row("ColonyOS source")
panel("stat", "Colonies connection", "beekeeper_colonies_up per sidecar: 1 while its last call to the Colonies server succeeded. Alert BeekeeperColoniesDown fires after 5 minutes at 0; sidecars without a colonies section show nothing.",
      [(f'min by (instance) (beekeeper_colonies_up{{{SEL}}})', "{{instance}}")], w=4, instant=True,
      extra={"fieldConfig": {"defaults": {"unit": "short", "min": 0, "max": 1,
                                          "thresholds": {"mode": "absolute", "steps": [{"color": RED, "value": None}, {"color": GREEN, "value": 1}]},
                                          "color": {"mode": "thresholds"},
                                          "mappings": [{"type": "value", "options": {"0": {"text": "down"}, "1": {"text": "up"}}}]},
                             "overrides": []}})
panel("timeseries", "Processes assigned", "ColonyOS processes assigned to each sidecar per second, 5 minute rate (recording rule beekeeper:colonies_assigned:rate5m). They run as tasks: outcomes and latency are in the Tasks row.",
      [(f'sum by (instance) (beekeeper:colonies_assigned:rate5m{{{SEL}}})', "{{instance}}")], unit="reqps", w=6)
panel("timeseries", "Reports by result", "Closes and fails the server acknowledged, and reports it refused for good (lost: the process was cancelled or taken back), per second, 5 minute rate (beekeeper:colonies_reports:rate5m). Any lost report fires BeekeeperColoniesReportsLost.",
      [(f'sum by (result) (beekeeper:colonies_reports:rate5m{{{SEL}}})', "{{result}}")], unit="reqps", w=7,
      extra={"fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": [
          {"matcher": {"id": "byName", "options": "lost"}, "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": RED}}]}]}})
panel("timeseries", "RPC latency", "p50 and p99 of calls to the Colonies server by msgtype, from the recorded bucket rates (beekeeper:colonies_rpc_duration_seconds_bucket:rate5m). assignprocessmsg is a long poll: while idle it lasts up to colonies.assign_timeout.",
      [(f'histogram_quantile(0.5, sum by (le, msgtype) (beekeeper:colonies_rpc_duration_seconds_bucket:rate5m{{{SEL}}}))', "{{msgtype}} p50"),
       (f'histogram_quantile(0.99, sum by (le, msgtype) (beekeeper:colonies_rpc_duration_seconds_bucket:rate5m{{{SEL}}}))', "{{msgtype}} p99")], unit="s", w=7)


def variable(name, label, query, include_all=True):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": name}, "definition": query,
            "refresh": 2, "includeAll": include_all, "multi": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1}


dashboard = {
    "uid": "beekeeper-overview",
    "title": "Beekeeper",
    "description": "Bee tasks, Guardian decisions, the audit log, shipping, backups and the ColonyOS executor of Beekeeper sidecars.",
    "tags": ["beekeeper", "colonyos"],
    "timezone": "",
    "schemaVersion": 39,
    "version": 1,
    "editable": True,
    "graphTooltip": 1,
    "refresh": "30s",
    "time": {"from": "now-1h", "to": "now"},
    "annotations": {"list": [{
        "name": "Sidecar restarts", "enable": True, "iconColor": "orange", "datasource": DS,
        "expr": f'changes(process_start_time_seconds{{{SEL}}}[$__interval]) > 0',
        "step": "1m", "titleFormat": "beekeeper restarted", "textFormat": "{{instance}}"}]},
    "templating": {"list": [
        {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "refresh": 1},
        variable("job", "Job", "label_values(beekeeper_build_info, job)"),
        variable("instance", "Sidecar", 'label_values(beekeeper_build_info{job=~"$job"}, instance)'),
        variable("bee", "Bee", 'label_values(beekeeper_bee_up{job=~"$job", instance=~"$instance"}, bee)'),
        variable("funcname", "Funcname", 'label_values(beekeeper_tasks_total{job=~"$job", instance=~"$instance", bee=~"$bee"}, funcname)'),
    ]},
    "panels": panels,
}

out = json.dumps(dashboard, indent=2, sort_keys=False) + "\n"
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "grafana", "dashboards", "beekeeper.json")
if len(sys.argv) > 1 and sys.argv[1] == "--check":
    with open(path) as f:
        if f.read() != out:
            sys.exit("grafana/dashboards/beekeeper.json is not what scripts/gen-grafana-dashboard.py writes: run it")
    sys.exit(0)
with open(path, "w") as f:
    f.write(out)
