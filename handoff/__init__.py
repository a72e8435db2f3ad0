"""The handoff service: ticket API, staff inbox, notifications and retention."""
