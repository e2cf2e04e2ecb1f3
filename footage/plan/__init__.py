"""``vms plan``: whether each site's uplink carries its cameras' footage, at which
ladder level, with what backlog and CPU; and what the deployment costs in AWS
next to Kinesis Video Streams. Pure functions over the config and what the edge
measured (footage.services.plan puts them together)."""
