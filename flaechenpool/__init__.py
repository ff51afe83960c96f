"""Flächenpool: land-management GIS service for German municipalities."""

__version__ = "0.1.0"
