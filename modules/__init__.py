"""Constructs and codegen for the AppSync model-management API."""
