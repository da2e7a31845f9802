"""Docker sandboxes: engine set-up (`engine`), images (`images`), compose files (`compose`)."""
