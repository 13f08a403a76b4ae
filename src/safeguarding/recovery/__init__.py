"""Recovery: clear messages for full disks and damaged files, cleaning up after interrupted runs, the
linkage stage's crash-safe commit, and backups that restore (docs/deployment.md, "Backups")."""
