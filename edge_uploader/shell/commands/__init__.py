"""The ``vms`` commands, one module per command or group (``vms footage``, ``vms user``...).

``edge_uploader.shell.cli`` puts them together. Each command parses its options, calls
one service and maps errors to exit codes (common.fail: 2 = bad input/config,
1 = runtime failure).
"""
