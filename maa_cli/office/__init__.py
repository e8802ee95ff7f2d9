"""Low-level Office file helpers shared by form writers, readers and reports (OOXML names, cell values)."""
