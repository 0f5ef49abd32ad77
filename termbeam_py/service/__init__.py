"""`termbeam service`: run the server as a per-user systemd unit or launchd agent."""
