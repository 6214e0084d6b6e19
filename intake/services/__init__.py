"""Every write of the intake app, one function per use case (see ARCHITECTURE.md)."""
