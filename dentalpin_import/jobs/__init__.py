"""The job lifecycle: entry points (services), where work runs (dispatch), locks, undo, sweep."""
