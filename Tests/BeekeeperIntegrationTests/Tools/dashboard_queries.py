#!/usr/bin/env python3
"""Checks a Grafana dashboard's structure and prints its PromQL queries, variables substituted.

Usage: dashboard_queries.py DASHBOARD.json RATE_INTERVAL
Exit 1 with one line per problem if the structure is wrong; else prints a JSON list of
{"panel": title, "ref": refId, "expr": query} on stdout (variable queries as "variable:<name>",
annotations as "annotation:<name>"), for a test to run against a real Prometheus.
"""
import json
import re
import sys

path, rate_interval = sys.argv[1], sys.argv[2]
with open(path) as f:
    dashboard = json.load(f)

problems = []
queries = []
variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
if variables.get("datasource", {}).get("type") != "datasource":
    problems.append("no datasource variable")


def substitute(expr):
    expr = expr.replace("$__rate_interval", rate_interval).replace("$__interval", rate_interval)
    expr = expr.replace("$__range", "1h")

    def value(match):
        name = match.group(1) or match.group(2)
        if name not in variables:
            problems.append(f"unknown variable ${name} in {expr}")
        return ".*"
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


ids = set()
cells = {}
for panel in dashboard["panels"]:
    title = panel.get("title", "?")
    if panel["id"] in ids:
        problems.append(f"duplicate panel id {panel['id']}")
    ids.add(panel["id"])
    pos = panel["gridPos"]
    if pos["x"] < 0 or pos["w"] <= 0 or pos["x"] + pos["w"] > 24 or pos["h"] <= 0:
        problems.append(f"{title}: gridPos {pos} outside the 24-column grid")
    for x in range(pos["x"], pos["x"] + pos["w"]):
        for y in range(pos["y"], pos["y"] + pos["h"]):
            if (x, y) in cells:
                problems.append(f"{title}: overlaps {cells[(x, y)]} at ({x},{y})")
                break
            cells[(x, y)] = title
    if panel["type"] == "row":
        continue
    if panel.get("datasource", {}).get("uid") != "${datasource}":
        problems.append(f"{title}: datasource is not ${{datasource}}")
    if not panel.get("description"):
        problems.append(f"{title}: no description")
    refs = set()
    if not panel.get("targets"):
        problems.append(f"{title}: no queries")
    for target in panel.get("targets", []):
        if target["refId"] in refs:
            problems.append(f"{title}: duplicate refId {target['refId']}")
        refs.add(target["refId"])
        if target.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"{title}/{target['refId']}: datasource is not ${{datasource}}")
        queries.append({"panel": title, "ref": target["refId"], "expr": substitute(target["expr"])})

for name, variable in variables.items():
    if variable.get("type") != "query":
        continue
    match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", variable["query"]["query"])
    if not match:
        problems.append(f"variable {name}: not label_values(selector, label)")
        continue
    queries.append({"panel": f"variable:{name}", "ref": match.group(2), "expr": substitute(match.group(1))})

for annotation in dashboard.get("annotations", {}).get("list", []):
    if "expr" in annotation:
        queries.append({"panel": f"annotation:{annotation['name']}", "ref": "", "expr": substitute(annotation["expr"])})

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(json.dumps(queries))
