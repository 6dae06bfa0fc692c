#!/usr/bin/env python3
"""A one-worker bee with `max_queue: 1`, so the tests can fill its queue."""
import time

import beekeeper

bee = beekeeper.Bee("single")


@bee.function("queued")
def queued(seconds):
    time.sleep(seconds)
    return seconds


if __name__ == "__main__":
    bee.run()
