#!/usr/bin/env python3
"""Drives Debian's chromium (headless, through chromium-driver; nothing is downloaded) over
Beekeeper's audit review pages and prints one JSON object of what it saw, for the Swift test to
check. Screenshots go to --shots.

  walk   --base URL --task ID --shots DIR --downloads DIR   overview, search the task, follow it to
                                                           its timeline, download the CSV
  inert  --base URL --task ID --shots DIR                  pages showing hostile text: alerts,
                                                           injected elements, the text as shown
  fault  --base URL --shots DIR                            the overview's chain status
  signin --base URL --token T --shots DIR                  the sign-in form, a wrong and a right token
"""
import argparse
import json
import os
import sys
import time
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def browser(downloads=None):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(flag)
    if downloads:
        options.add_experimental_option("prefs", {"download.default_directory": downloads, "download.prompt_for_download": False})
    # The driver from Debian's chromium-driver: Selenium Manager never looks for (or fetches) one.
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    if downloads:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    driver.set_page_load_timeout(60)
    return driver


def shot(driver, shots, name):
    os.makedirs(shots, exist_ok=True)
    # The whole page, not just the window: set the window to the document's height first.
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(800, min(height + 40, 4000)))
    driver.save_screenshot(os.path.join(shots, name + ".png"))


def alert_text(driver):
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        return text
    except NoAlertPresentException:
        return None


def injected(driver):
    """Elements only injected markup would create: scripts, images, anything with an on* handler."""
    return driver.execute_script("""
        const found = [];
        for (const el of document.querySelectorAll('script, img, iframe, object, embed')) found.push(el.outerHTML);
        for (const el of document.querySelectorAll('*')) {
          for (const attr of el.attributes) if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
        }
        return found;
    """)


def walk(args):
    driver = browser(args.downloads)
    out = {}
    try:
        driver.get(args.base + "/audit/")
        out["overview_title"] = driver.title
        out["chain_status"] = driver.find_element(By.ID, "chain-status").text
        out["segments"] = len(driver.find_elements(By.CSS_SELECTOR, "#segments tbody tr"))
        out["has_plot"] = len(driver.find_elements(By.CSS_SELECTOR, "svg rect")) > 0
        shot(driver, args.shots, "01-overview")

        driver.find_element(By.LINK_TEXT, "Search").click()
        box = driver.find_element(By.NAME, "task")
        box.send_keys(args.task)
        box.submit()
        out["search_url"] = driver.current_url
        rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
        out["search_rows"] = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]
        shot(driver, args.shots, "02-search")

        driver.find_element(By.CSS_SELECTOR, "#results a.task").click()
        out["timeline_url"] = driver.current_url
        out["timeline_title"] = driver.find_element(By.TAG_NAME, "h1").text
        out["timeline_types"] = [row.find_elements(By.TAG_NAME, "td")[3].text for row in driver.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")]
        out["timeline_plot_bars"] = len(driver.find_elements(By.CSS_SELECTOR, "svg rect"))
        shot(driver, args.shots, "03-timeline")

        # One record, from the timeline's first seq link.
        driver.find_element(By.CSS_SELECTOR, "#timeline tbody tr td a").click()
        out["record_line"] = driver.find_element(By.ID, "line").text
        out["record_links"] = driver.find_element(By.ID, "chain-links").text
        shot(driver, args.shots, "04-record")
        driver.back()

        started = time.time()
        driver.find_element(By.ID, "task-csv").click()
        # Done when the file exists, no partial download is left and its size holds for half a second.
        deadline = time.time() + 30
        csv_path = os.path.join(args.downloads, "audit.csv")
        last_size, stable_since = -1, time.time()
        while time.time() < deadline:
            partial = [n for n in os.listdir(args.downloads) if n.endswith(".crdownload")] if os.path.isdir(args.downloads) else []
            size = os.path.getsize(csv_path) if os.path.exists(csv_path) else -1
            if size != last_size:
                last_size, stable_since = size, time.time()
            elif size >= 0 and not partial and time.time() - stable_since > 1.0:
                break
            time.sleep(0.1)
        out["csv_seconds"] = time.time() - started
        out["csv"] = open(csv_path, encoding="utf-8", newline="").read() if os.path.exists(csv_path) else None

        # The whole log, unfiltered, as CSV: a download link of the search page.
        driver.get(args.base + "/audit/search")
        shot(driver, args.shots, "05-search-all")
        out["alert"] = alert_text(driver)
    finally:
        driver.quit()
    print(json.dumps(out))


def inert(args):
    driver = browser()
    out = {"alerts": [], "injected": {}, "texts": {}}
    try:
        pages = {
            "overview": "/audit/",
            "search": "/audit/search",
            "timeline": "/audit/tasks/" + urllib.parse.quote(args.task, safe=""),
            "search-task": "/audit/search?task=" + urllib.parse.quote(args.task, safe=""),
        }
        for name, path in pages.items():
            driver.get(args.base + path)
            time.sleep(0.3)
            text = alert_text(driver)
            if text is not None:
                out["alerts"].append([name, text])
            out["injected"][name] = injected(driver)
            out["texts"][name] = driver.find_element(By.TAG_NAME, "main").text
            shot(driver, args.shots, "10-inert-" + name)
        # A hostile value in the query string, echoed back into the search form.
        driver.get(args.base + "/audit/search?bee=" + urllib.parse.quote('"><img src=x onerror=alert(3)>', safe=""))
        time.sleep(0.3)
        text = alert_text(driver)
        if text is not None:
            out["alerts"].append(["form", text])
        out["injected"]["form"] = injected(driver)
        out["form_value"] = driver.find_element(By.NAME, "bee").get_attribute("value")
        # The policy the browser enforced.
        out["csp_violations"] = driver.execute_script("return window.__cspViolations || 0")
    finally:
        driver.quit()
    print(json.dumps(out))


def fault(args):
    driver = browser()
    try:
        driver.get(args.base + "/audit/")
        out = {"chain_status": driver.find_element(By.ID, "chain-status").text}
        faults = driver.find_elements(By.ID, "first-fault")
        out["first_fault"] = faults[0].text if faults else None
        shot(driver, args.shots, "20-tampered-overview")
    finally:
        driver.quit()
    print(json.dumps(out))


def signin(args):
    driver = browser()
    out = {}
    try:
        driver.get(args.base + "/audit/")
        out["form_before"] = len(driver.find_elements(By.NAME, "token")) == 1
        out["status_before"] = len(driver.find_elements(By.ID, "chain-status"))
        shot(driver, args.shots, "30-signin")
        box = driver.find_element(By.NAME, "token")
        box.send_keys("not-the-token")
        box.submit()
        out["wrong_message"] = driver.find_element(By.TAG_NAME, "main").text
        out["form_after_wrong"] = len(driver.find_elements(By.NAME, "token")) == 1
        box = driver.find_element(By.NAME, "token")
        box.send_keys(args.token)
        box.submit()
        out["url_after_right"] = driver.current_url
        out["status_after_right"] = driver.find_element(By.ID, "chain-status").text
        # The cookie is HttpOnly: scripts cannot read it (this one runs with the driver's rights,
        # document.cookie is what a page script would see).
        out["document_cookie"] = driver.execute_script("return document.cookie")
        cookies = driver.get_cookies()
        out["cookies"] = [{k: c.get(k) for k in ("name", "httpOnly", "sameSite", "path")} for c in cookies]
        shot(driver, args.shots, "31-signed-in")
    finally:
        driver.quit()
    print(json.dumps(out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["walk", "inert", "fault", "signin"])
    parser.add_argument("--base", required=True)
    parser.add_argument("--task")
    parser.add_argument("--token")
    parser.add_argument("--shots", required=True)
    parser.add_argument("--downloads")
    args = parser.parse_args()
    {"walk": walk, "inert": inert, "fault": fault, "signin": signin}[args.command](args)


if __name__ == "__main__":
    main()
