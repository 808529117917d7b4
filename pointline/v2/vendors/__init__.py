"""Vendor plugs: one package per vendor, registered in :mod:`pointline.v2.vendors.registry`."""
