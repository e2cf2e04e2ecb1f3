"""For trying the system out, not for a branch: simulated cameras, the demo, aws-local.

Used by tests, ``vms camera simulate`` and ``vms up``'s embedded demo; the data path
never imports it.
"""
