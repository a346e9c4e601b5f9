"""The load benchmark of issue 12: a loader that fills a database with a realistic
gallery (loader.py) and a driver that measures the pages against it (pages.py)."""
