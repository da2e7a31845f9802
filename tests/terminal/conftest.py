"""The fixture task directories hold their own pytest files (run inside containers): not ours."""

collect_ignore_glob = ["fixtures/*"]
