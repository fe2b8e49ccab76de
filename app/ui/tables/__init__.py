"""Table models (QAbstractTableModel keyed by id, updated in place) and their views."""
