"""Synthetic demo data (SPEC §4): a deterministic firm panel that knows every true PD."""

from features.demo.world import DemoData, generate_demo, write_demo

__all__ = ["DemoData", "generate_demo", "write_demo"]
