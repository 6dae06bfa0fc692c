print("beekeeper-bench: not written yet")
