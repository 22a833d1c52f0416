"""`exilegraph serve`: an HTTP front (front.py) that checks each query (guard.py) and runs it in a pool
of engine worker processes (pool.py, worker.py) on the release's store, with results written by
formats.py and the release's pages served by site.py. Imports stay light: workers start from here."""
