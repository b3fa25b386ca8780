"""Benchmarks of crmcli: a data generator and budget rows, run by `python -m bench`.

Every figure is compared with a floor measured in the same run on the same machine, because
the machines this runs on are shared and noisy: an absolute time alone proves nothing. The
suite lives outside `tests/` so the normal test run (and CI) never pays for it.
"""
