"""The ``vms`` shell: the command line, the supervisor that runs a branch, status and drain.

It drives the data path (the modules at the top of ``edge_uploader``) and may use the
development harness (``edge_uploader.harness``); the data path never imports it.
"""
