"""What the office's pages show at a glance: activity and progress against quotas."""
